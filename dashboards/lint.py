#!/usr/bin/python3
"""Lints the Grafana dashboards and the Prometheus rules under dashboards/.

    dashboards/lint.py [--golden FILE]... [--no-promtool]

The golden files default to the agent's two golden scrapes, tests/fixtures/agent/metrics.golden
(hardened host) and metrics-weak.golden (weak host: waivers, check errors, TLS probes).

Exit 0 when everything holds, 1 with one line per problem otherwise. The dashboard rules are
those of grafana/dashboard-linter (which is Go and not packaged for Debian) plus the project's:

  dashboards  uid egov-* (8-40 characters, unique), tag egov, editable false, schemaVersion,
              no id; one datasource variable "datasource"; job, provider and instance query
              variables on ${datasource}, multi-select with All, refreshed on time change
  panels      the ${datasource} data source, a title and a description, a unit Grafana knows,
              at least one query, inside the 24-column grid without overlapping another
  queries     valid PromQL (promtool, with Grafana's variables substituted); every selector
              matches job=~"$job", and instance=~"$instance" unless it reads a recording rule
              (those are aggregated by job); no hard-coded instance; ranges are
              [$__rate_interval] (or [$__range] for figures over the whole range); counters
              (_total) only inside rate/irate/increase; every metric exists in the agent's
              golden /metrics, among the series Prometheus adds itself (up, scrape_*), or
              among the recording rules
  rules       alert names Egov*, severity critical|warning|info, summary (one static
              sentence), description, runbook_url to an existing heading of docs/runbooks.md;
              metrics that exist; recording rules named level:metric:operations; every alert
              (and each of its severities) fires in a promtool test case and has a case where
              it must not
  provisioning the Grafana files parse; the data source is Prometheus with a fixed uid and a
              timeInterval equal to the example prometheus.yml's scrape_interval (Grafana
              derives $__rate_interval from it)

The e2e test imports this module for the queries and the substitution.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
RUNBOOK_BASE = "file:///usr/share/doc/egovctl/runbooks.md#"
# Series Prometheus itself attaches to every target.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                     "scrape_samples_post_metric_relabeling", "scrape_series_added"}
# Units as Grafana names them (packages/grafana-data/src/valueFormats/categories.ts), the ones
# a dashboard here may reasonably use.
UNITS = {"none", "short", "percent", "percentunit", "s", "ms", "us", "ns", "m", "h", "d",
         "dtdurations", "dtdhms", "bytes", "decbytes", "bits", "Bps", "binBps", "reqps", "ops",
         "rps", "wps", "iops", "cps", "hertz", "dateTimeAsIso", "dateTimeAsSystem",
         "dateTimeFromNow", "celsius", "watt", "kwatt", "volt", "amp"}
COUNTER_FUNCTIONS = {"rate", "irate", "increase"}
ALLOWED_RANGES = {"$__rate_interval", "$__range"}
# What the live check and promtool use in place of Grafana's variables.
SUBSTITUTIONS = {"$__rate_interval": "1m", "$__range_s": "3600", "$__range": "1h",
                 "$__interval": "30s", "${datasource}": "", "$job": ".+", "$instance": ".+",
                 "$provider": ".*", "$profile": ".+", "$workload": ".+"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan", "atan2"}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
AGGREGATORS = {"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk",
               "bottomk", "quantile", "count_values"}


# --- PromQL, just enough to find selectors ------------------------------------------------------

def tokens(expr):
    """Splits a PromQL expression into (kind, text) tokens; {..} and [..] come whole."""
    out, i, n = [], 0, len(expr)
    while i < n:
        c = expr[i]
        if c.isspace():
            i += 1
        elif c == "#":
            j = expr.find("\n", i)
            i = n if j < 0 else j
        elif c in "{[":
            close = "}" if c == "{" else "]"
            j, quote = i + 1, None
            while j < n and (quote or expr[j] != close):
                if quote and expr[j] == "\\":
                    j += 1
                elif expr[j] in "\"'`":
                    quote = None if quote == expr[j] else (quote or expr[j])
                j += 1
            out.append(("braces" if c == "{" else "range", expr[i + 1:j]))
            i = j + 1
        elif c in "\"'`":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if expr[j] == "\\" else 1
            out.append(("string", expr[i + 1:j]))
            i = j + 1
        elif c.isalpha() or c in "_:":
            m = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", expr[i:])
            out.append(("ident", m.group(0)))
            i += len(m.group(0))
        elif c.isdigit() or c == ".":
            m = re.match(r"[0-9.][0-9A-Za-z.+-]*?(?=[^0-9A-Za-z.]|$)", expr[i:])
            out.append(("number", m.group(0)))
            i += len(m.group(0))
        elif c == "$":
            m = re.match(r"\$\{?[A-Za-z0-9_]+\}?", expr[i:])
            out.append(("variable", m.group(0)))
            i += len(m.group(0))
        else:
            out.append(("punct", c))
            i += 1
    return out


def matchers(text):
    """Parses the inside of {..} into (label, op, value) triples."""
    found = re.findall(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?', text)
    return [(l, op, v) for l, op, v in found]


def selectors(expr):
    """Every vector selector in the expression, as a dict: metric, matchers, range, function
    (the innermost enclosing function, or None)."""
    toks = tokens(expr)
    stack, out, i, aggregator = [], [], 0, None
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else (None, None)
        if kind == "ident" and text in LABEL_LIST_KEYWORDS and nxt == ("punct", "("):
            depth = 0
            while i < len(toks):  # skip the label list
                if toks[i] == ("punct", "("):
                    depth += 1
                elif toks[i] == ("punct", ")"):
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
        elif kind == "ident" and text == "offset":
            i += 1  # the duration
        elif kind == "ident" and nxt == ("punct", "("):
            stack.append(text)
            i += 1
        elif kind == "ident" and text in AGGREGATORS:
            aggregator = text  # sum by (..) (..): the call's parenthesis comes later
        elif kind == "ident" and text.lower() not in KEYWORDS or kind == "braces":
            sel = {"metric": text if kind == "ident" else None, "matchers": [], "range": None,
                   "function": next((f for f in reversed(stack) if f), None),
                   "innermost": stack[-1] if stack else None}
            if kind == "braces":
                sel["matchers"] = matchers(text)
            elif nxt[0] == "braces":
                sel["matchers"] = matchers(nxt[1])
                i += 1
            if i + 1 < len(toks) and toks[i + 1][0] == "range":
                sel["range"] = toks[i + 1][1].split(":")[0].strip()
                i += 1
            out.append(sel)
        elif (kind, text) == ("punct", "("):
            stack.append(aggregator)
            aggregator = None
        elif (kind, text) == ("punct", ")") and stack:
            stack.pop()
        i += 1
    return out


def substitute(expr, values=None):
    """The expression as Prometheus will run it, Grafana's variables replaced."""
    values = values or SUBSTITUTIONS
    for var in sorted(values, key=len, reverse=True):
        expr = expr.replace(var, values[var])
    return expr


def label_values_query(query):
    """The series selector inside label_values(SELECTOR, label), or None."""
    m = re.match(r"\s*label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$", query, re.S)
    return m.group(1) if m else None


# --- Inputs -------------------------------------------------------------------------------------

def golden_metrics(paths):
    names = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("# TYPE "):
                    names.add(line.split()[2])
                elif line.strip() and not line.startswith("#"):
                    names.add(re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line).group(0))
    return names


def load_rules(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def dashboards(root=ROOT):
    """(path, dashboard) for every dashboard JSON, sorted."""
    out = []
    for path in sorted(glob.glob(os.path.join(root, "dashboards", "grafana", "*.json"))):
        with open(path, encoding="utf-8") as f:
            out.append((path, json.load(f)))
    return out


def panels(dash):
    """Every panel that is not a row, including those inside collapsed rows."""
    for p in dash.get("panels", []):
        if p.get("type") == "row":
            yield from p.get("panels", [])
        else:
            yield p


def queries(dash):
    """(where, expr, is_panel) for every panel target and every query variable's selector."""
    for p in panels(dash):
        for t in p.get("targets", []):
            yield f"panel '{p.get('title')}' query {t.get('refId')}", t.get("expr", ""), True
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query", "") if isinstance(q, dict) else (q or "")
            yield f"variable '{v.get('name')}'", label_values_query(q) or q, False


def slug(heading):
    """GitHub's anchor for a Markdown heading."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


# --- Checks -------------------------------------------------------------------------------------

class Problems:
    def __init__(self, root):
        self.root = root
        self.items = []

    def add(self, where, message):
        if os.path.isabs(where):
            where = os.path.relpath(where, self.root)
        self.items.append(f"{where}: {message}")


def check_expr(problems, where, expr, known, recorded, dashboard):
    """Selectors: names that exist; in dashboards the job/instance matchers and the ranges."""
    sels = selectors(expr)
    if not sels:
        problems.add(where, f"no series selector in '{expr}'")
    for s in sels:
        name = s["metric"]
        if name is None:
            problems.add(where, "a selector without a metric name")
            continue
        if name not in known and name not in recorded:
            problems.add(where, f"metric {name} is not in the agent's golden /metrics, not one "
                                f"Prometheus adds, and not a recording rule")
        if not dashboard:
            continue
        by_label = {}
        for label, op, value in s["matchers"]:
            by_label.setdefault(label, []).append((op, value))
        if ("=~", "$job") not in by_label.get("job", []):
            problems.add(where, f'{name} does not match job=~"$job"')
        for op, value in by_label.get("instance", []):
            if (op, value) != ("=~", "$instance"):
                problems.add(where, f'{name} has a hard-coded instance matcher {op}"{value}"')
        if ":" not in name and ("=~", "$instance") not in by_label.get("instance", []):
            problems.add(where, f'{name} does not match instance=~"$instance"')
        if s["range"] is not None and s["range"] not in ALLOWED_RANGES:
            problems.add(where, f"{name}[{s['range']}]: use [$__rate_interval] (or [$__range] "
                                f"for a figure over the whole range)")
        if name.endswith("_total") and not (s["range"] and s["innermost"] in COUNTER_FUNCTIONS):
            problems.add(where, f"counter {name} outside rate(), irate() or increase()")


def check_variables(problems, path, dash, known, recorded):
    variables = dash.get("templating", {}).get("list", [])
    sources = [v for v in variables if v.get("type") == "datasource"]
    if len(sources) != 1 or sources[0].get("name") != "datasource":
        problems.add(path, "expected exactly one datasource variable, named datasource")
    elif sources[0].get("query") != "prometheus" or sources[0].get("label") != "Data source":
        problems.add(path, "the datasource variable should select prometheus data sources and be "
                           "labelled 'Data source'")
    by_name = {v.get("name"): v for v in variables}
    for name, label, all_value in (("job", "Job", ".+"), ("instance", "Instance", ".+"),
                                   ("provider", "Provider", None)):
        v = by_name.get(name)
        if v is None:
            problems.add(path, f"no {name} variable")
            continue
        if v.get("label") != label:
            problems.add(path, f"variable {name} should be labelled '{label}'")
        if not v.get("multi") or not v.get("includeAll"):
            problems.add(path, f"variable {name} should be multi-select with All")
        if all_value and v.get("allValue") != all_value:
            problems.add(path, f"variable {name} should have allValue '{all_value}'")
    for v in variables:
        if v.get("type") != "query":
            continue
        if v.get("datasource") != DATASOURCE:
            problems.add(path, f"variable {v.get('name')} does not use ${{datasource}}")
        if v.get("refresh") != 2:
            problems.add(path, f"variable {v.get('name')} should refresh on time range change (2)")


def check_panels(problems, path, dash):
    cells = {}
    for p in panels(dash):
        where = f"{path}: panel '{p.get('title')}'"
        if not p.get("title") or not p.get("description"):
            problems.add(where, "needs a title and a description")
        if p.get("datasource") != DATASOURCE:
            problems.add(where, "does not use the ${datasource} variable")
        unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit")
        if unit not in UNITS:
            problems.add(where, f"unit {unit!r} is not set to one Grafana knows")
        targets = p.get("targets", [])
        if not targets:
            problems.add(where, "has no queries")
        for t in targets:
            if t.get("datasource", DATASOURCE) != DATASOURCE:
                problems.add(where, f"query {t.get('refId')} does not use ${{datasource}}")
            if not t.get("expr", "").strip():
                problems.add(where, f"query {t.get('refId')} is empty")
        g = p.get("gridPos", {})
        x, y, w, h = (g.get(k) for k in ("x", "y", "w", "h"))
        if None in (x, y, w, h) or x < 0 or w <= 0 or h <= 0 or x + w > 24:
            problems.add(where, f"gridPos {g} is outside the 24-column grid")
            continue
        for cx in range(x, x + w):
            for cy in range(y, y + h):
                if (cx, cy) in cells:
                    problems.add(where, f"overlaps panel '{cells[(cx, cy)]}'")
                    break
                cells[(cx, cy)] = p.get("title")
            else:
                continue
            break


def check_dashboards(problems, known, recorded, root=ROOT):
    uids, titles, exprs = {}, {}, []
    found = dashboards(root)
    if not found:
        problems.add(os.path.join(root, "dashboards", "grafana"), "no dashboards")
    for path, dash in found:
        uid = dash.get("uid", "")
        if not re.fullmatch(r"egov-[a-z0-9-]{3,35}", uid):
            problems.add(path, f"uid {uid!r} should be egov-<name>, 8 to 40 characters of [a-z0-9-]")
        if uid in uids:
            problems.add(path, f"uid {uid} is also used by {os.path.basename(uids[uid])}")
        uids[uid] = path
        if dash.get("title") in titles:
            problems.add(path, f"title {dash.get('title')!r} is also used by {os.path.basename(titles[dash.get('title')])}")
        titles[dash.get("title")] = path
        if "egov" not in dash.get("tags", []):
            problems.add(path, "missing the tag egov")
        if dash.get("editable") is not False:
            problems.add(path, "should be editable: false (dashboards are kept as code)")
        if not isinstance(dash.get("schemaVersion"), int):
            problems.add(path, "missing schemaVersion")
        if dash.get("id") is not None:
            problems.add(path, "should have no id (Grafana assigns it)")
        check_variables(problems, path, dash, known, recorded)
        check_panels(problems, path, dash)
        for where, expr, is_panel in queries(dash):
            check_expr(problems, f"{path}: {where}", expr, known, recorded, dashboard=is_panel)
            exprs.append((f"{path}: {where}", expr))
    return exprs


def check_rules(problems, known, root=ROOT):
    prom = os.path.join(root, "dashboards", "prometheus")
    rules_path, alerts_path = os.path.join(prom, "egov_rules.yaml"), os.path.join(prom, "egov_alerts.yaml")
    recorded, alerts = set(), {}
    for g in load_rules(rules_path)["groups"]:
        for r in g["rules"]:
            if "record" in r:
                recorded.add(r["record"])
                if r["record"].count(":") != 2:
                    problems.add(rules_path, f"recording rule {r['record']} is not level:metric:operations")
    with open(os.path.join(root, "docs", "runbooks.md"), encoding="utf-8") as f:
        anchors = {slug(line.lstrip("#")) for line in f if line.startswith("#")}
    for path in (rules_path, alerts_path):
        for g in load_rules(path)["groups"]:
            for r in g["rules"]:
                name = r.get("alert") or r.get("record")
                check_expr(problems, f"{path}: {name}", r["expr"], known, recorded, dashboard=False)
                if "alert" not in r:
                    continue
                where = f"{path}: {name}"
                if not re.fullmatch(r"Egov[A-Z][A-Za-z0-9]+", name):
                    problems.add(where, "alert names are CamelCase and start with Egov")
                severity = r.get("labels", {}).get("severity")
                if severity not in ("critical", "warning", "info"):
                    problems.add(where, f"severity {severity!r} is not critical, warning or info")
                alerts.setdefault(name, set()).add(severity)
                a = r.get("annotations", {})
                summary = a.get("summary", "")
                if not re.fullmatch(r"[A-Z][^{}]*\.", summary):
                    problems.add(where, "summary should be one static sentence (capital first, "
                                        "full stop last, no templates)")
                if not a.get("description"):
                    problems.add(where, "no description")
                url = a.get("runbook_url", "")
                if not url.startswith(RUNBOOK_BASE) or url[len(RUNBOOK_BASE):] not in anchors:
                    problems.add(where, f"runbook_url {url!r} does not point at a heading of docs/runbooks.md")
    check_alert_tests(problems, alerts, os.path.join(prom, "tests", "alerts_test.yaml"))
    return recorded


def check_alert_tests(problems, alerts, tests_path):
    fires, silent = {}, set()
    for test in load_rules(tests_path).get("tests", []):
        for case in test.get("alert_rule_test", []):
            name = case["alertname"]
            if case.get("exp_alerts"):
                for a in case["exp_alerts"]:
                    fires.setdefault(name, set()).add(a.get("exp_labels", {}).get("severity"))
            else:
                silent.add(name)
    for name, severities in sorted(alerts.items()):
        missing = severities - fires.get(name, set())
        if missing:
            problems.add(tests_path, f"no case where {name} fires with severity {', '.join(sorted(missing))}")
        if name not in silent:
            problems.add(tests_path, f"no case where {name} must not fire")
    for name in sorted(set(fires) | silent):
        if name not in alerts:
            problems.add(tests_path, f"a case for {name}, which is not an alert")


def check_promql_syntax(problems, exprs):
    """promtool parses every query (as recording rules), with the variables substituted."""
    groups = [{"name": "lint", "rules": [{"record": f"lint:query:{i}", "expr": substitute(e)}
                                         for i, (_, e) in enumerate(exprs)]}]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.safe_dump({"groups": groups}, f)
    try:
        r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        for line in (r.stdout + r.stderr).splitlines():
            m = re.search(r'group "lint", rule (\d+), "lint:query:\d+": (.*)', line)
            if m:
                problems.add(exprs[int(m.group(1)) - 1][0], m.group(2).strip())
        if not problems.items:
            problems.add("promtool", (r.stdout + r.stderr).strip())


def check_provisioning(problems, root=ROOT):
    base = os.path.join(root, "dashboards")
    with open(os.path.join(base, "prometheus", "prometheus.example.yml"), encoding="utf-8") as f:
        scrape_interval = yaml.safe_load(f)["global"]["scrape_interval"]
    for path in sorted(glob.glob(os.path.join(base, "provisioning", "datasources", "*.yaml"))):
        for ds in load_rules(path).get("datasources", []):
            if ds.get("type") != "prometheus" or not ds.get("uid"):
                problems.add(path, f"data source {ds.get('name')} should be prometheus with a uid")
            elif ds.get("jsonData", {}).get("timeInterval") != scrape_interval:
                problems.add(path, f"timeInterval should be the scrape_interval of "
                                   f"prometheus.example.yml ({scrape_interval})")
    for path in sorted(glob.glob(os.path.join(base, "provisioning", "dashboards", "*.yaml"))):
        for p in load_rules(path).get("providers", []):
            if p.get("type") != "file" or not p.get("options", {}).get("path"):
                problems.add(path, f"provider {p.get('name')} should be of type file with a path")


def lint(goldens, root=ROOT, promtool=True):
    problems = Problems(root)
    known = golden_metrics(goldens) | PROMETHEUS_SERIES
    recorded = check_rules(problems, known, root)
    exprs = check_dashboards(problems, known, recorded, root)
    check_provisioning(problems, root)
    if promtool:
        check_promql_syntax(problems, exprs)
    return problems.items


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--golden", action="append",
                    help="an agent's golden /metrics (repeatable; default: the agent's two)")
    ap.add_argument("--no-promtool", action="store_true", help="skip the PromQL syntax check")
    args = ap.parse_args()
    goldens = args.golden or [os.path.join(ROOT, "tests", "fixtures", "agent", name)
                              for name in ("metrics.golden", "metrics-weak.golden")]
    items = lint(goldens, promtool=not args.no_promtool)
    for item in items:
        print(item)
    n = sum(1 for _ in dashboards())
    print(f"lint: {n} dashboards, {len(items)} problem{'s' if len(items) != 1 else ''}",
          file=sys.stderr)
    return 1 if items else 0


if __name__ == "__main__":
    sys.exit(main())
