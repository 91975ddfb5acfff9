#!/usr/bin/python3
"""Each rule of dashboards/lint.py fails on a copy of the shipped dashboards and rules broken
in that one way, and the shipped ones pass.

    tests/dashboards/lint_test.py [GOLDEN...]   (default: the agent's two golden scrapes)
"""
import copy
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import unittest

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("lint", os.path.join(ROOT, "dashboards", "lint.py"))
lint = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lint)
GOLDENS = [os.path.join(ROOT, "tests", "fixtures", "agent", name)
           for name in ("metrics.golden", "metrics-weak.golden")]


class Selectors(unittest.TestCase):
    def test_metrics_matchers_ranges_and_functions(self):
        s = lint.selectors('sum by (job, workload) (rate(egov_probe_failures_total{job=~"$job", '
                           'workload="a,b}"}[$__rate_interval])) / on (workload) group_left (x) '
                           'max without (instance) (workload:egov_probe_slo_objective:ratio)')
        self.assertEqual([x["metric"] for x in s],
                         ["egov_probe_failures_total", "workload:egov_probe_slo_objective:ratio"])
        self.assertEqual(s[0]["matchers"], [("job", "=~", "$job"), ("workload", "=", "a,b}")])
        self.assertEqual(s[0]["range"], "$__rate_interval")
        self.assertEqual(s[0]["innermost"], "rate")
        self.assertEqual(s[1]["innermost"], "max")

    def test_keywords_numbers_offsets_and_variables_are_not_metrics(self):
        s = lint.selectors('count(up == 0) or vector(0) and on () time() - x offset 5m > 1e3 '
                           'unless y * $__range_s')
        self.assertEqual([x["metric"] for x in s], ["up", "x", "y"])

    def test_substitution_gives_what_prometheus_runs(self):
        self.assertEqual(lint.substitute('increase(a{instance=~"$instance"}[$__range]) * $__range_s'),
                         'increase(a{instance=~".+"}[1h]) * 3600')


class Rules(unittest.TestCase):
    """Breaks a temporary copy of dashboards/ and docs/runbooks.md, one way per test."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="egov-lint-")
        shutil.copytree(os.path.join(ROOT, "dashboards"), os.path.join(self.root, "dashboards"))
        os.makedirs(os.path.join(self.root, "docs"))
        shutil.copy(os.path.join(ROOT, "docs", "runbooks.md"), os.path.join(self.root, "docs"))

    def tearDown(self):
        shutil.rmtree(self.root)

    def problems(self, promtool=False):
        return lint.lint(GOLDENS, root=self.root, promtool=promtool)

    def assertProblem(self, text, promtool=False):
        found = self.problems(promtool)
        self.assertTrue(any(text in p for p in found), f"no problem with {text!r} in {found}")

    def edit(self, path, load, dump, change):
        with open(path, encoding="utf-8") as f:
            d = load(f)
        change(d)
        with open(path, "w", encoding="utf-8") as f:
            dump(d, f)

    def edit_dashboard(self, name, change):
        self.edit(os.path.join(self.root, "dashboards", "grafana", name), json.load, json.dump,
                  change)

    def edit_rules(self, name, change):
        self.edit(os.path.join(self.root, "dashboards", "prometheus", name), yaml.safe_load,
                  lambda d, f: yaml.safe_dump(d, f, allow_unicode=True), change)

    def first_panel(self, d):
        return next(lint.panels(d))

    def set_expr(self, expr, name="egov-fleet-compliance.json"):
        self.edit_dashboard(name, lambda d: self.first_panel(d)["targets"][0].update(expr=expr))

    def test_the_shipped_dashboards_and_rules_pass(self):
        self.assertEqual(self.problems(promtool=True), [])

    # Dashboards.
    def test_uid_must_be_egov_prefixed(self):
        self.edit_dashboard("egov-domains.json", lambda d: d.update(uid="domains"))
        self.assertProblem("uid 'domains' should be egov-<name>")

    def test_uids_are_unique(self):
        self.edit_dashboard("egov-domains.json", lambda d: d.update(uid="egov-agent-health"))
        self.assertProblem("uid egov-agent-health is also used by")

    def test_tag_editable_and_id(self):
        self.edit_dashboard("egov-domains.json", lambda d: d.update(tags=["x"], editable=True, id=7))
        self.assertProblem("missing the tag egov")
        self.assertProblem("should be editable: false")
        self.assertProblem("should have no id")

    def test_datasource_variable(self):
        self.edit_dashboard("egov-domains.json", lambda d: d["templating"]["list"].pop(0))
        self.assertProblem("expected exactly one datasource variable")

    def test_job_and_instance_variables(self):
        def change(d):
            v = {x["name"]: x for x in d["templating"]["list"]}
            v["job"]["allValue"] = ".*"
            v["instance"]["multi"] = False
            v["provider"]["refresh"] = 1
        self.edit_dashboard("egov-domains.json", change)
        self.assertProblem("variable job should have allValue '.+'")
        self.assertProblem("variable instance should be multi-select with All")
        self.assertProblem("variable provider should refresh on time range change")

    def test_panel_datasource_title_description_unit(self):
        def change(d):
            p = self.first_panel(d)
            p["datasource"] = {"type": "prometheus", "uid": "prod-prometheus"}
            p["description"] = ""
            p["fieldConfig"]["defaults"]["unit"] = "furlongs"
        self.edit_dashboard("egov-domains.json", change)
        self.assertProblem("does not use the ${datasource} variable")
        self.assertProblem("needs a title and a description")
        self.assertProblem("unit 'furlongs' is not set")

    def test_unit_must_be_set(self):
        self.edit_dashboard("egov-domains.json",
                            lambda d: self.first_panel(d)["fieldConfig"]["defaults"].pop("unit"))
        self.assertProblem("unit None is not set")

    def test_panel_without_queries(self):
        self.edit_dashboard("egov-domains.json", lambda d: self.first_panel(d).update(targets=[]))
        self.assertProblem("has no queries")

    def test_panels_stay_in_the_grid_and_apart(self):
        def change(d):
            ps = list(lint.panels(d))
            ps[1]["gridPos"] = dict(ps[0]["gridPos"])
            ps[2]["gridPos"]["x"] = 20
            ps[2]["gridPos"]["w"] = 8
        self.edit_dashboard("egov-domains.json", change)
        self.assertProblem("overlaps panel")
        self.assertProblem("is outside the 24-column grid")

    def test_hard_coded_instance(self):
        self.set_expr('up{job=~"$job", instance="10.0.0.1:9464"}')
        self.assertProblem('hard-coded instance matcher ="10.0.0.1:9464"')

    def test_job_and_instance_matchers(self):
        self.set_expr('sum(up{instance=~"$instance"}) + sum(up{job=~"$job"})')
        self.assertProblem('up does not match job=~"$job"')
        self.assertProblem('up does not match instance=~"$instance"')

    def test_recording_rules_need_job_but_not_instance(self):
        self.set_expr('profile:egov_control_passed:ratio{job=~"$job"}')
        self.assertEqual(self.problems(), [])
        self.set_expr('profile:egov_control_passed:ratio')
        self.assertProblem('profile:egov_control_passed:ratio does not match job=~"$job"')

    def test_ranges_use_the_rate_interval(self):
        self.set_expr('rate(egov_scans_total{job=~"$job", instance=~"$instance"}[5m])')
        self.assertProblem("egov_scans_total[5m]: use [$__rate_interval]")

    def test_counters_only_inside_rate(self):
        self.set_expr('egov_scans_total{job=~"$job", instance=~"$instance"}')
        self.assertProblem("counter egov_scans_total outside rate()")
        self.set_expr('sum_over_time(egov_scans_total{job=~"$job", instance=~"$instance"}[$__rate_interval])')
        self.assertProblem("counter egov_scans_total outside rate()")

    def test_metric_must_exist(self):
        self.set_expr('egov_control_pass{job=~"$job", instance=~"$instance"}')
        self.assertProblem("metric egov_control_pass is not in the agent's golden /metrics")

    def test_variable_query_metric_must_exist(self):
        def change(d):
            v = {x["name"]: x for x in d["templating"]["list"]}
            v["job"]["query"]["query"] = "label_values(egov_build_info, job)"
        self.edit_dashboard("egov-domains.json", change)
        self.assertProblem("variable 'job': metric egov_build_info is not in")

    def test_promql_syntax(self):
        self.set_expr('sum(up{job=~"$job", instance=~"$instance"}')
        self.assertProblem("could not parse expression", promtool=True)

    # Rules.
    def alert(self, d, name):
        return next(r for g in d["groups"] for r in g["rules"] if r.get("alert") == name)

    def test_alert_labels_and_annotations(self):
        def change(d):
            a = self.alert(d, "EgovAgentDown")
            a["labels"]["severity"] = "page"
            a["annotations"]["summary"] = "Agent {{ $labels.instance }} is down"
            a["annotations"]["description"] = ""
            a["annotations"]["runbook_url"] = "file:///usr/share/doc/egovctl/runbooks.md#nothing-here"
        self.edit_rules("egov_alerts.yaml", change)
        self.assertProblem("severity 'page' is not critical, warning or info")
        self.assertProblem("summary should be one static sentence")
        self.assertProblem("EgovAgentDown: no description")
        self.assertProblem("does not point at a heading of docs/runbooks.md")

    def test_alert_name(self):
        self.edit_rules("egov_alerts.yaml", lambda d: self.alert(d, "EgovAgentDown").update(alert="agent_down"))
        self.assertProblem("alert names are CamelCase and start with Egov")

    def test_rule_metrics_must_exist(self):
        self.edit_rules("egov_alerts.yaml",
                        lambda d: self.alert(d, "EgovLibvirtUnreachable").update(expr="egov_libvirt_ok == 0"))
        self.assertProblem("EgovLibvirtUnreachable: metric egov_libvirt_ok is not in")

    def test_recording_rule_names(self):
        self.edit_rules("egov_rules.yaml", lambda d: d["groups"][2]["rules"][0].update(record="egov_ratio"))
        self.assertProblem("recording rule egov_ratio is not level:metric:operations")

    def test_every_alert_has_firing_and_silent_cases(self):
        def change(d):
            for t in d["tests"]:
                t["alert_rule_test"] = [c for c in t.get("alert_rule_test", [])
                                        if not (c["alertname"] == "EgovAgentDown" and not c["exp_alerts"])
                                        and not (c["alertname"] == "EgovControlFailed" and c["exp_alerts"])]
        self.edit_rules("tests/alerts_test.yaml", change)
        self.assertProblem("no case where EgovAgentDown must not fire")
        self.assertProblem("no case where EgovControlFailed fires with severity critical, warning")

    def test_each_severity_of_an_alert_fires_somewhere(self):
        def change(d):
            for t in d["tests"]:
                for c in t.get("alert_rule_test", []):
                    if c["alertname"] == "EgovCertificateExpiringSoon" and c["exp_alerts"]:
                        c["exp_alerts"] = [a for a in c["exp_alerts"] if a["exp_labels"]["severity"] != "critical"]
        self.edit_rules("tests/alerts_test.yaml", change)
        self.assertProblem("no case where EgovCertificateExpiringSoon fires with severity critical")

    # Provisioning.
    def test_datasource_time_interval_follows_the_scrape_interval(self):
        path = os.path.join(self.root, "dashboards", "provisioning", "datasources", "egov-prometheus.yaml")
        with open(path, encoding="utf-8") as f:
            d = yaml.safe_load(f)
        d["datasources"][0]["jsonData"]["timeInterval"] = "15s"
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump(d, f)
        self.assertProblem("timeInterval should be the scrape_interval of prometheus.example.yml (30s)")


if __name__ == "__main__":
    files = [a for a in sys.argv[1:] if not a.startswith("-")]
    GOLDENS = files or GOLDENS
    unittest.main(argv=[sys.argv[0]] + [a for a in sys.argv[1:] if a.startswith("-")], verbosity=1)
