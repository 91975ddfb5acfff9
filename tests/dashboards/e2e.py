#!/usr/bin/python3
"""The monitoring end to end, on real parts, as root, on loopback only:

  two private libvirtd daemons, each with its virtlogd, running QEMU (scripts/libvirtd-sandbox);
  egovctl apply of two workloads onto them and onto a simulated host; one egov-agent per
  daemon (host hn-01 on the hardened fixture root, host hcm-01 on the weak one, with a waiver
  that lapses in five days and an https probe of a certificate that expires in three); and
  Debian's Prometheus scraping the agents through `egovctl targets` with the shipped rules
  (their `for:` shortened to seconds and every group evaluated each second, nothing else
  changed).

Then: promtool check rules, test rules, check config and check metrics pass; every query of
every dashboard panel and variable returns data; the weak host's alerts fire and the hardened
host raises none; after `egovctl destroy --all` every domain series is gone.

The secured fleet after it: four agents on the hardened root, configured from
agents/agent.example.yaml with only --level 4, --root, --host, --listen and --web-config
overridden, serving over TLS from a private CA with client certificates required and bcrypt
basic auth; `egovctl validate` warns of the certification lapsing in 30 days; `egovctl plan`
with the access options places a level-4 workload on them from their live results, and with a
wrong password finds them unknown, naming the 401; `apply`, `status` (through the agents
configuration file) and `audit` work through the same access; a Prometheus scrapes the four
with the documented TLS block. Every process is started here, recorded by PID and stopped by
PID.

    tests/dashboards/e2e.py --egovctl BUILD/orchestrator/egovctl --agent BUILD/agents/egov-agent

Exit 0 on success, 1 on failure, 77 (skipped) when not root or a tool is missing.
"""
import argparse
import datetime
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import yaml

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MATERIALIZE = os.path.join(SRC, "tests", "fixtures", "hosts", "materialize")
sys.path.insert(0, os.path.join(SRC, "dashboards"))
import lint  # noqa: E402  (the dashboards' queries and Grafana's variables)

SKIP = 77
START = time.monotonic()
# The control the weak host fails and the waiver covers (mic-1145: SSH root login disabled).
WAIVED_CONTROL = "MIC1145-G2-SF-03"
AGENCY = "Sở Thông tin và Truyền thông tỉnh Thừa Thiên Huế"


class Failure(Exception):
    pass


def log(message):
    print(f"[{time.monotonic() - START:6.1f}s] {message}", flush=True)


def check(condition, message):
    if not condition:
        raise Failure(message)


_GIVEN = set()  # every port handed out in this run


def free_ports(count):
    """`count` loopback ports nothing listens on now, none handed out before in this run. The
    sockets stay bound until all are known: the kernel never gives a bound port twice, while
    ports picked one at a time could repeat (tests/support/ports.cpp)."""
    socks = []
    try:
        while len(socks) < count:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            if s.getsockname()[1] in _GIVEN:
                s.close()
                continue
            socks.append(s)
        ports = [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
    _GIVEN.update(ports)
    return ports


def free_port():
    return free_ports(1)[0]


def run(argv, env=None, expect=0, stdin=None):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, input=stdin)
    if expect is not None and r.returncode != expect:
        raise Failure(f"{' '.join(argv)} exited {r.returncode} (expected {expect}):\n"
                      f"{r.stdout}{r.stderr}")
    return r


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_for(what, probe, timeout, interval=0.5):
    """Calls probe() until it returns a true value; raises with the last answer on timeout."""
    end, last = time.monotonic() + timeout, None
    while time.monotonic() < end:
        try:
            last = probe()
            if last and not isinstance(last, Pending):
                return last
        except (OSError, ValueError) as e:
            last = e
        time.sleep(interval)
    raise Failure(f"timed out after {timeout}s waiting for {what}; last: {last}")


class Pending(str):
    """A probe's answer that is not there yet but says why."""


class Processes:
    """Every process the test starts, by PID; stop() ends them in reverse order."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []

    def start(self, name, argv, env=None):
        out = open(os.path.join(self.tmp, f"{name}.log"), "w")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        self.procs.append((name, p, out))
        log(f"started {name} (pid {p.pid})")
        return p

    def stop(self):
        codes = {}
        for name, p, out in reversed(self.procs):
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
            out.close()
            codes[name] = p.returncode
        self.procs = []
        return codes


class Sandboxes:
    """Private libvirtd daemons, started and stopped by scripts/libvirtd-sandbox (by PID)."""

    def __init__(self):
        self.dirs = []

    def start(self, directory):
        port = free_port()
        r = run([os.path.join(SRC, "scripts", "libvirtd-sandbox"), "start", directory, str(port)])
        self.dirs.append(directory)
        log(f"started libvirtd in {directory} (pid {r.stdout.strip()})")
        return f"qemu:///system?socket={directory}/sock/libvirt-sock"

    def stop(self):
        for d in reversed(self.dirs):
            run([os.path.join(SRC, "scripts", "libvirtd-sandbox"), "stop", d], expect=None)
        self.dirs = []


class HealthServer:
    """An https endpoint a workload's health URL points at, in a thread of this process."""

    def __init__(self, tmp, name, days):
        cert, key = os.path.join(tmp, f"{name}.pem"), os.path.join(tmp, f"{name}.key")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", str(days), "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert])
        self.cert = cert

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok\n")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/healthz"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def query(self, expr):
        url = f"{self.base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        answer = json.loads(http_get(url))
        if answer.get("status") != "success":
            raise Failure(f"query {expr!r} failed: {answer}")
        return answer["data"]["result"]

    def alerts(self):
        return json.loads(http_get(f"{self.base}/api/v1/alerts"))["data"]["alerts"]


def inventory(uri_hn, uri_hcm, agent_hn, agent_hcm, sim_dir, healthy_url, down_url):
    """The fleet of the run (e2e_fleet.yaml) with its URIs, agent and probe URLs filled in."""
    with open(os.path.join(SRC, "tests", "dashboards", "e2e_fleet.yaml"), encoding="utf-8") as f:
        return string.Template(f.read()).substitute(
            uri_hn=uri_hn, uri_hcm=uri_hcm, agent_hn=agent_hn, agent_hcm=agent_hcm,
            sim_dir=sim_dir, healthy_url=healthy_url, down_url=down_url, agency=AGENCY)


def agent_config(path, host, port, root, uri, ca_file, waivers=None, targets=()):
    config = {
        "host": host,
        "listen": f"127.0.0.1:{port}",
        "log_level": "warn",
        "certification_expires": "2035-01-01",  # the providers' in e2e_fleet.yaml
        "scan": {"root": root, "profiles": ["mic-1145", "decree85", "availability"],
                 "profile_dir": os.path.join(SRC, "profiles"), "level": 3, "interval": "1h",
                 "check_timeout": "10s"},
        "libvirt": {"uri": uri, "refresh_interval": "1s"},
        "probes": {"interval": "1s", "timeout": "900ms", "ca_file": ca_file,
                   "domain_health_urls": True},
    }
    if waivers:
        config["scan"]["waivers"] = waivers
    if targets:
        config["probes"]["targets"] = list(targets)
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f, allow_unicode=True)
    return path


def shortened_rules(src, dst):
    """The shipped rules with `for:` in seconds and every group on the global interval."""
    with open(src, encoding="utf-8") as f:
        rules = yaml.safe_load(f)
    for g in rules["groups"]:
        g.pop("interval", None)
        for r in g["rules"]:
            if "for" in r:
                r["for"] = "3s"
    with open(dst, "w", encoding="utf-8") as f:
        yaml.safe_dump(rules, f, allow_unicode=True, sort_keys=False)


def prometheus_config(prom_dir):
    """The example prometheus.yml with one-second intervals and this run's paths."""
    with open(os.path.join(SRC, "dashboards", "prometheus", "prometheus.example.yml")) as f:
        config = yaml.safe_load(f)
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    for name in config["rule_files"]:
        shortened_rules(os.path.join(SRC, "dashboards", "prometheus", name),
                        os.path.join(prom_dir, name))
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "egov-agent")
    job["file_sd_configs"][0]["refresh_interval"] = "1s"
    path = os.path.join(prom_dir, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    return path


def dashboard_queries():
    """(where, expr, label) for every panel query and variable of every dashboard; label is
    the label a variable lists (it must be present in the answer)."""
    out = []
    for path, dash in lint.dashboards():
        name = os.path.basename(path)
        for p in lint.panels(dash):
            for t in p["targets"]:
                out.append((f"{name}: panel '{p['title']}' {t['refId']}", t["expr"], None))
        for v in dash["templating"]["list"]:
            if v["type"] == "query":
                q = v["query"]["query"]
                label = q.rsplit(",", 1)[1].strip(" )")
                out.append((f"{name}: variable {v['name']}", lint.label_values_query(q), label))
    return out


def missing_data(prom, queries):
    missing = []
    for where, expr, label in queries:
        result = prom.query(lint.substitute(expr))
        if label:
            result = [r for r in result if r["metric"].get(label)]
        if not result:
            missing.append(where)
    return missing


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--egovctl", required=True)
    ap.add_argument("--agent", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("skipped: needs root to start private libvirtd daemons")
        return SKIP
    for tool in ("/usr/sbin/libvirtd", "/usr/bin/qemu-system-x86_64", "/usr/bin/prometheus",
                 "/usr/bin/promtool", "/usr/bin/openssl"):
        if not os.path.exists(tool):
            print(f"skipped: {tool} is not installed")
            return SKIP

    tmp = tempfile.mkdtemp(prefix="egov-e2e-")
    procs, sandboxes, servers = Processes(tmp), Sandboxes(), []
    try:
        scenario(args, tmp, procs, sandboxes, servers)
        log("PASS")
        return 0
    except Failure as e:
        log(f"FAIL: {e}")
        for name in sorted(os.listdir(tmp)):
            if name.endswith(".log"):
                with open(os.path.join(tmp, name), errors="replace") as f:
                    tail = f.read()[-3000:]
                print(f"--- {name} (end) ---\n{tail}")
        return 1
    finally:
        codes = procs.stop()
        sandboxes.stop()
        for s in servers:
            s.stop()
        log(f"stopped every process: {codes}")
        if args.keep:
            log(f"kept {tmp}")
        else:
            subprocess.run([MATERIALIZE, "--unmount", os.path.join(tmp, "hosts")], check=False)
            shutil.rmtree(tmp, ignore_errors=True)


def scenario(args, tmp, procs, sandboxes, servers):
    rules = os.path.join(SRC, "dashboards", "prometheus")
    run(["promtool", "check", "rules", os.path.join(rules, "egov_rules.yaml"),
         os.path.join(rules, "egov_alerts.yaml")])
    run(["promtool", "test", "rules", os.path.join(rules, "tests", "rules_test.yaml"),
         os.path.join(rules, "tests", "alerts_test.yaml")])
    log("promtool check rules and test rules pass")

    # Hosts: two real daemons and a simulated one; health endpoints.
    uri_hn = sandboxes.start(os.path.join(tmp, "libvirt-hn"))
    uri_hcm = sandboxes.start(os.path.join(tmp, "libvirt-hcm"))
    healthy = HealthServer(tmp, "healthy", 365)
    expiring = HealthServer(tmp, "expiring", 3)
    servers += [healthy, expiring]
    ca_file = os.path.join(tmp, "probe-ca.pem")
    with open(ca_file, "w") as out:
        for s in servers:
            with open(s.cert) as f:
                out.write(f.read())
    down_url = f"http://127.0.0.1:{free_port()}/healthz"  # nothing listens there

    # egovctl: validate, apply onto the daemons and the simulated host, targets.
    port_hn, port_hcm, port_prom = free_ports(3)
    inv = os.path.join(tmp, "inventory")
    os.makedirs(inv)
    with open(os.path.join(inv, "fleet.yaml"), "w", encoding="utf-8") as f:
        f.write(inventory(uri_hn, uri_hcm, f"http://127.0.0.1:{port_hn}",
                          f"http://127.0.0.1:{port_hcm}", os.path.join(tmp, "sim"),
                          healthy.url, down_url))
    env = dict(os.environ, EGOV_SIM_DIR=os.path.join(tmp, "sim"))
    egovctl = [args.egovctl]
    common = ["-f", inv, "--journal", os.path.join(tmp, "journal.db")]
    run(egovctl + ["validate", "-f", inv], env=env)
    r = run(egovctl + ["apply", "--auto-approve", "-q"] + common, env=env)
    log("egovctl apply: " + next(l for l in r.stdout.splitlines() if l.startswith("Apply:")))
    status = json.loads(run(egovctl + ["status", "--format", "json"] + common, env=env).stdout)
    domains = {p: v["domains"] for p, v in status["providers"].items()}
    check(domains == {"lab-hn": 1, "lab-hcm": 2}, f"domains per provider after apply: {domains}")
    with open(os.path.join(tmp, "libvirt-hn", "virtlogd.pid")) as f:
        os.kill(int(f.read()), 0)  # virtlogd runs beside libvirtd and keeps QEMU's log
    check(os.path.exists(os.path.join(tmp, "libvirt-hn", "log", "qemu", "cong-dvc-0.log")),
          "no QEMU log for cong-dvc-0")
    prom_dir = os.path.join(tmp, "prometheus")
    os.makedirs(os.path.join(prom_dir, "targets"))
    targets_file = os.path.join(prom_dir, "targets", "egov-agents.json")
    run(egovctl + ["targets", "-f", inv, "-o", targets_file], env=env)
    with open(targets_file) as f:
        targets = json.load(f)
    check(sorted(t["labels"]["host"] for t in targets) == ["hcm-01", "hn-01"],
          f"targets: {targets}")

    # Agents: the hardened host with its real daemon; the weak one with a waiver and an https
    # target whose certificate expires in three days.
    # The fixture hosts get a file system of their own, so that their disk_space controls do not
    # follow the free space of the disk this test runs on.
    roots = {}
    run([MATERIALIZE, "--filesystem", os.path.join(tmp, "hosts")])
    for name in ("hardened", "weak"):
        roots[name] = os.path.join(tmp, "hosts", f"root-{name}")
        run([MATERIALIZE, name, roots[name]])
    waivers = os.path.join(tmp, "waivers.yaml")
    expires = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    with open(waivers, "w", encoding="utf-8") as f:
        f.write(f"kind: Waiver\nname: ssh-root-tam-thoi\ncontrol: {WAIVED_CONTROL}\n"
                f"hosts: [hcm-*]\nreason: \"Chờ thay thế máy chủ quản trị\"\n"
                f"approved_by: \"Trưởng phòng ATTT\"\nexpires: {expires}\n")
    hn = agent_config(os.path.join(tmp, "agent-hn.yaml"), "hn-01", port_hn, roots["hardened"],
                      uri_hn, ca_file)
    hcm = agent_config(os.path.join(tmp, "agent-hcm.yaml"), "hcm-01", port_hcm, roots["weak"],
                       uri_hcm, ca_file, waivers=waivers,
                       targets=[{"workload": "cong-ky-so", "url": expiring.url}])
    procs.start("agent-hn", [args.agent, "run", "-c", hn])
    procs.start("agent-hcm", [args.agent, "run", "-c", hcm])

    # Prometheus from Debian, on the example configuration and the shipped rules.
    config = prometheus_config(prom_dir)
    r = run(["promtool", "check", "config", config])
    check("WARNING" not in r.stdout + r.stderr, r.stdout + r.stderr)
    log("promtool check config passes")
    procs.start("prometheus", ["prometheus", f"--config.file={config}",
                               f"--storage.tsdb.path={os.path.join(prom_dir, 'data')}",
                               f"--web.listen-address=127.0.0.1:{port_prom}", "--log.level=warn"])
    prom = Prometheus(port_prom)
    wait_for("Prometheus to be ready", lambda: http_get(f"{prom.base}/-/ready"), 30)

    for name, port in (("hn-01", port_hn), ("hcm-01", port_hcm)):
        scrape = wait_for(f"the first scan on {name}",
                          lambda: (lambda t: t if "egov_scans_total 1" in t else Pending("no scan"))(
                              http_get(f"http://127.0.0.1:{port}/metrics")), 60)
        r = run(["promtool", "check", "metrics"], stdin=scrape)
        check(r.stdout + r.stderr == "", f"promtool check metrics on {name}: {r.stdout}{r.stderr}")
    log("promtool check metrics passes on both agents")

    # Every query of every dashboard returns data.
    queries = dashboard_queries()
    wait_for("every dashboard query to return data",
             lambda: (lambda m: Pending(", ".join(m)) if m else True)(missing_data(prom, queries)),
             90, interval=1)
    log(f"all {len(queries)} dashboard queries return data")

    # A few values, not just presence: QEMU runs the domains, probes reach the healthy
    # endpoint through TLS, the hardened host passes everything, the weak one does not.
    up = {(r["metric"]["host"], r["metric"]["domain"]): r["value"][1]
          for r in prom.query("egov_domain_up")}
    check(up == {("hn-01", "cong-dvc-0"): "1", ("hcm-01", "mot-cua-0"): "1"} or
          up == {("hn-01", "cong-dvc-0"): "1", ("hcm-01", "mot-cua-1"): "1"}, f"domains up: {up}")
    healthy_probe = prom.query('egov_probe_success{workload="cong-dvc"}')
    check([r["value"][1] for r in healthy_probe] == ["1"], f"probe of cong-dvc: {healthy_probe}")
    expiry = prom.query('egov_probe_tls_cert_expiry_timestamp_seconds{workload="cong-dvc"} - time()')
    check(len(expiry) == 1 and 364 * 86400 < float(expiry[0]["value"][1]) < 366 * 86400,
          f"certificate expiry seen by the probe: {expiry}")
    ratios = {(r["metric"]["host"], r["metric"]["profile"]): float(r["value"][1])
              for r in prom.query("egov_compliance_ratio")}
    check(all(v == 1 for (h, _), v in ratios.items() if h == "hn-01"), f"hardened ratios {ratios}")
    check(ratios.get(("hcm-01", "mic-1145"), 1) < 1, f"weak ratios {ratios}")
    agencies = {r["metric"]["agency"] for r in prom.query('egov_domain_info{workload="mot-cua"}')}
    check(agencies == {AGENCY}, f"agency label {agencies!r}")
    waived = prom.query(f'egov_control_waived{{host="hcm-01", control="{WAIVED_CONTROL}"}}')
    check(len(waived) == 1, f"waived: {waived}")

    # Alerts: the weak host's fire, the hardened host's do not.
    expected = {("EgovControlFailed", "hcm-01"), ("EgovFeatureFailed", "hcm-01"),
                ("EgovWaiverExpiringSoon", "hcm-01"), ("EgovCertificateExpiringSoon", "hcm-01"),
                ("EgovWorkloadDown", "mot-cua"), ("EgovWorkloadErrorBudgetBurn", "mot-cua")}

    def firing():
        got = {(a["labels"]["alertname"], a["labels"].get("host") or a["labels"].get("workload"))
               for a in prom.alerts() if a["state"] == "firing"}
        return got if expected <= got else Pending(f"firing {sorted(got)}")

    got = wait_for("the weak host's alerts to fire", firing, 60, interval=1)
    alerts = [a for a in prom.alerts() if a["state"] == "firing"]
    unexpected = {(n, w) for n, w in got if (n, w) not in expected}
    check(not unexpected, f"unexpected alerts: {sorted(unexpected)}")
    hardened = [a for a in prom.alerts()
                if a["labels"].get("host") == "hn-01" or a["labels"].get("workload") == "cong-dvc"]
    check(not hardened, f"the hardened host raises {hardened}")
    severities = {a["labels"]["severity"] for a in alerts
                  if a["labels"]["alertname"] == "EgovWorkloadErrorBudgetBurn"}
    check(severities == {"critical", "warning"}, f"burn alerts {severities}")
    cert = [a for a in alerts if a["labels"]["alertname"] == "EgovCertificateExpiringSoon"]
    check([a["labels"]["severity"] for a in cert] == ["critical"], f"certificate alerts {cert}")
    for a in alerts:
        check(a["annotations"].get("runbook_url", "").startswith(lint.RUNBOOK_BASE) and
              "{{" not in a["annotations"]["description"], f"annotations of {a}")
    names = sorted({a["labels"]["alertname"] for a in alerts})
    log(f"{len(alerts)} alerts firing ({', '.join(names)}), all on hcm-01 or its workload "
        f"mot-cua; none on hn-01")

    # Destroy: the domains go, and with them every domain series.
    run(egovctl + ["destroy", "--auto-approve", "--all"] + common, env=env)
    wait_for("the domain series to go away",
             lambda: (lambda n: Pending(f"{n} series left") if n else True)(
                 len(prom.query('{__name__=~"egov_domain_.+"}'))), 30)
    check(all(float(r["value"][1]) == 0 for r in prom.query("egov_libvirt_unmanaged_domains")),
          "unmanaged domains after destroy")
    log("after egovctl destroy no domain series is left")

    codes = procs.stop()
    check(codes.get("agent-hn") == 0 and codes.get("agent-hcm") == 0,
          f"agents did not stop cleanly on SIGTERM: {codes}")

    secured_scenario(args, tmp, procs)


def openssl(*argv):
    run(["openssl", *argv])


def private_ca(d):
    """A CA, one server certificate for 127.0.0.1 (all four agents) and client certificates for
    egovctl and Prometheus, as an operator would make them."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "2", "-subj", "/CN=egov e2e CA", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem")
    with open(f"{d}/ext.cnf", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for who in ("agent", "egovctl", "prometheus"):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                f"/CN={who}", "-keyout", f"{d}/{who}.key", "-out", f"{d}/{who}.csr")
        openssl("x509", "-req", "-in", f"{d}/{who}.csr", "-CA", f"{d}/ca.pem", "-CAkey",
                f"{d}/ca.key", "-CAcreateserial", "-days", "2", "-extfile", f"{d}/ext.cnf",
                "-out", f"{d}/{who}.pem")


def bcrypt(password):
    import crypt  # Debian 12's Python still has it; libcrypt's bcrypt, as the agent checks it
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))


def secured_scenario(args, tmp, procs):
    d = os.path.join(tmp, "secured")
    os.makedirs(os.path.join(d, "prometheus", "targets"))
    private_ca(d)
    passwords = {"egovctl": "egovctl-e2e-password", "prometheus": "prometheus-e2e-password"}
    web_config = os.path.join(d, "web-config.yaml")
    with open(web_config, "w") as f:
        yaml.safe_dump({"tls_server_config": {
                            "cert_file": "agent.pem", "key_file": "agent.key",
                            "client_ca_file": "ca.pem",
                            "client_auth_type": "RequireAndVerifyClientCert"},
                        "basic_auth_users": {u: bcrypt(p) for u, p in passwords.items()}}, f)
    run(["promtool", "check", "web-config", web_config])

    # Four agents as the shipped example configures them, at level 4 on the hardened root.
    root = os.path.join(tmp, "hosts", "root-hardened")
    hosts = ["sec-hn-01", "sec-hn-02", "sec-hcm-01", "sec-hcm-02"]
    ports = free_ports(len(hosts))
    for host, port in zip(hosts, ports):
        procs.start(f"agent-{host}", [args.agent, "run", "-c",
                                      os.path.join(SRC, "agents", "agent.example.yaml"),
                                      "--level", "4", "--root", root, "--host", host,
                                      "--listen", f"127.0.0.1:{port}", "--web-config", web_config])
    sim_dir = os.path.join(d, "sim")
    inv = os.path.join(d, "inventory")
    os.makedirs(inv)
    expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    with open(os.path.join(SRC, "tests", "dashboards", "e2e_secured_fleet.yaml"),
              encoding="utf-8") as f:
        fleet = string.Template(f.read()).substitute(
            expires=expires, sim_dir=sim_dir,
            **{f"agent_{i}": f"https://127.0.0.1:{p}" for i, p in enumerate(ports)})
    with open(os.path.join(inv, "fleet.yaml"), "w", encoding="utf-8") as f:
        f.write(fleet)
    credentials = os.path.join(d, "agents.cred")
    with open(credentials, "w") as f:
        f.write(f"sec-* egovctl:{passwords['egovctl']}\n")
    os.chmod(credentials, 0o600)
    access = ["--cacert", f"{d}/ca.pem", "--cert", f"{d}/egovctl.pem", "--key", f"{d}/egovctl.key",
              "--credentials", credentials]
    egovctl = [args.egovctl]
    common = ["-f", inv, "--journal", os.path.join(d, "journal.db")]
    env = dict(os.environ, EGOV_SIM_DIR=sim_dir)

    r = run(egovctl + ["validate", "-f", inv], env=env)
    check(f"lab-secure's certification LAB-SEC expires on {expires}, in 30 days" in r.stderr,
          f"validate does not warn of the expiry: {r.stderr}")
    log("egovctl validate warns: the certification lapses in 30 days")

    # Live results from the secured agents place the level-4 workload.
    def planned():
        r = run(egovctl + ["plan", "--format", "json"] + common + access, env=env, expect=None)
        p = json.loads(r.stdout)
        return p if not p["unplaced"] else Pending(json.dumps(p["unplaced"] + p["notes"]))

    plan = wait_for("a plan placing csdl-dan-cu from the agents' live results", planned, 90, 1)
    creates = sorted(a["host"] for a in plan["actions"] if a["action"] == "create")
    check(len(creates) == 2 and any("hn" in h for h in creates) and
          any("hcm" in h for h in creates), f"level-4 replicas: {creates}")
    log(f"egovctl plan places csdl-dan-cu (level 4) on {', '.join(creates)} from live results")

    wrong = os.path.join(d, "wrong.cred")
    with open(wrong, "w") as f:
        f.write("sec-* egovctl:not-the-password\n")
    os.chmod(wrong, 0o600)
    r = run(egovctl + ["plan"] + common + access[:-1] + [wrong], env=env, expect=None)
    check("4 compliance with decree85-level4 unknown" in r.stdout and
          "the agent refused the credentials (HTTP 401)" in r.stdout,
          f"plan with a wrong password:\n{r.stdout}{r.stderr}")
    check(f"expires on {expires}, in 30 days" in r.stderr, f"plan does not warn: {r.stderr}")
    log("with a wrong password every host is unknown and the plan names the 401")

    run(egovctl + ["apply", "--auto-approve", "-q"] + common + access, env=env)
    config = os.path.join(d, "agents.yaml")
    with open(config, "w") as f:
        yaml.safe_dump({"cacert": "ca.pem", "cert": "egovctl.pem", "key": "egovctl.key",
                        "credentials": "agents.cred"}, f)
    status = json.loads(run(egovctl + ["status", "--format", "json", "--agents-config", config] +
                            common, env=env).stdout)
    verdicts = {(c["host"], c["status"]) for c in status["compliance"]
                if c["profile"] == "decree85-level4"}
    check(verdicts == {(h, "pass") for h in hosts}, f"status compliance {status['compliance']}")
    check(status["providers"]["lab-secure"]["certification_expires"] == expires,
          f"status providers {status['providers']}")
    log("egovctl apply, and status through the agents configuration file: every host passes")

    report = os.path.join(d, "audit.json")
    run(egovctl + ["audit", "-f", inv, "-o", report] + access, env=env, expect=None)
    with open(report) as f:
        audit = json.load(f)
    workload = next(w for w in audit["workloads"] if w["name"] == "csdl-dan-cu")
    check(audit["summary"]["hosts_known"] == 4 and workload["verdict"] == "met",
          f"audit: {audit['summary']}, {workload['verdict']}: {workload['reason']}")
    log("egovctl audit over the same agents: 4 hosts collected, csdl-dan-cu met")

    # Prometheus with the example configuration's TLS block, filled in.
    prom_dir = os.path.join(d, "prometheus")
    run(egovctl + ["targets", "-f", inv, "-o", os.path.join(prom_dir, "targets", "agents.json")],
        env=env)
    with open(os.path.join(prom_dir, "password"), "w") as f:
        f.write(passwords["prometheus"])
    with open(os.path.join(SRC, "dashboards", "prometheus", "prometheus.example.yml")) as f:
        config = yaml.safe_load(f)
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config.pop("rule_files")
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "egov-agent")
    job["file_sd_configs"][0]["refresh_interval"] = "1s"
    job["tls_config"] = {"ca_file": f"{d}/ca.pem", "cert_file": f"{d}/prometheus.pem",
                         "key_file": f"{d}/prometheus.key"}
    job["basic_auth"] = {"username": "prometheus", "password_file": f"{prom_dir}/password"}
    prom_config = os.path.join(prom_dir, "prometheus.yml")
    with open(prom_config, "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    run(["promtool", "check", "config", prom_config])
    port = free_port()
    procs.start("prometheus-secured", ["prometheus", f"--config.file={prom_config}",
                                       f"--storage.tsdb.path={os.path.join(prom_dir, 'data')}",
                                       f"--web.listen-address=127.0.0.1:{port}",
                                       "--log.level=warn"])
    prom = Prometheus(port)
    wait_for("Prometheus (secured) to be ready", lambda: http_get(f"{prom.base}/-/ready"), 30)

    def scraped():
        up = {r["metric"]["host"]: r["value"][1] for r in prom.query('up{job="egov-agent"}')}
        expiry = prom.query("egov_provider_certification_expiry_timestamp_seconds")
        done = up == {h: "1" for h in hosts} and len(expiry) == 4
        return True if done else Pending(f"up {up}, {len(expiry)} expiry series")

    wait_for("Prometheus to scrape the four secured agents", scraped, 60, 1)
    log("Prometheus scrapes the four agents over mutual TLS with basic auth")
    codes = procs.stop()
    check(all(codes.get(f"agent-{h}") == 0 for h in hosts),
          f"secured agents did not stop cleanly: {codes}")


if __name__ == "__main__":
    sys.exit(main())
