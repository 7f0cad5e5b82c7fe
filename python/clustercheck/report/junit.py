"""JUnit XML from results, through the junit-xml package; one testsuite per suite, one testcase per check.

We write only what every CI reader accepts - the intersection of Jenkins' xunit schema (junit-10.xsd,
which validates its input), Jenkins' JUnit plugin and GitLab's and GitHub's test reporters:
testsuites(name, tests, failures, errors, time) > testsuite(name, tests, failures, errors, skipped,
time, timestamp, hostname) > properties, testcase(name, classname, time) > skipped|failure|error,
system-out. junit-xml adds `disabled` (not in junit-10.xsd) and leaves `time` out of a 0 s testcase;
both are corrected here. tests/fixtures/junit.xsd is that contract.

Metrics, attempts and flakiness are testsuite properties named `<check>.<key>` (testcase-level
properties are not in the common schemas).
"""

from __future__ import annotations

import re
import socket
import xml.dom.minidom
import xml.etree.ElementTree as ET
from collections import OrderedDict
from datetime import datetime, timezone

import junit_xml

from clustercheck.report.records import Result

# Attributes junit-xml writes that a strict reader rejects.
_DROP = ("disabled",)
# Characters XML 1.0 cannot hold at all (check output may carry terminal control codes).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def render(name: str, results: list[Result], timestamp: datetime | None = None) -> str:
    stamp = (timestamp or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    host = socket.gethostname() or "localhost"
    suites: "OrderedDict[str, list[Result]]" = OrderedDict()
    for result in results:
        suites.setdefault(result.suite or name, []).append(result)
    root = ET.Element("testsuites", {"name": name})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    total_time = 0.0
    for suite_name, members in suites.items():
        cases = []
        props: dict[str, str] = {}
        for r in members:
            message = _xml_text(r.message)
            case = junit_xml.TestCase(r.name, classname=f"{name}.{suite_name}", elapsed_sec=r.duration_s,
                                      stdout=_xml_text(r.output) or None)
            if r.status == "failed":
                case.add_failure_info(message=message or "failed")
            elif r.status == "skipped":
                case.add_skipped_info(message=message or "skipped")
            elif r.status != "passed":
                case.add_error_info(message=message or "error")
            cases.append(case)
            props[f"{r.name}.attempts"] = str(r.attempts)
            if r.flaky:
                props[f"{r.name}.flaky"] = "true"
            for m in r.metrics:
                props[f"{r.name}.metric.{m.name}"] = m.describe()
                # beside the value, for CI trend plugins: the baseline value and the change in percent
                if m.baseline:
                    props[f"{r.name}.metric.{m.name}.baseline"] = m.baseline
                if m.change_pct:
                    props[f"{r.name}.metric.{m.name}.change_pct"] = m.change_pct
                if m.baseline_runs > 1:
                    props[f"{r.name}.metric.{m.name}.baseline_band"] = f"{m.baseline_lo}-{m.baseline_hi}"
                    props[f"{r.name}.metric.{m.name}.baseline_runs"] = str(m.baseline_runs)
                if m.baseline_verdict:
                    props[f"{r.name}.metric.{m.name}.vs_baseline"] = m.baseline_verdict
        suite = junit_xml.TestSuite(f"{name}/{suite_name}", cases, properties=props or None,
                                    timestamp=stamp, hostname=host)
        element = suite.build_xml_doc()
        for attr in _DROP:
            element.attrib.pop(attr, None)
        suite_time = sum(r.duration_s for r in members)
        element.set("time", _seconds(suite_time))
        for case_element, r in zip(element.iter("testcase"), members):
            case_element.set("time", _seconds(r.duration_s))
        for key in totals:
            totals[key] += int(element.get(key, "0"))
        total_time += suite_time
        root.append(element)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(total_time))
    text = ET.tostring(root, encoding="unicode")
    return xml.dom.minidom.parseString(text.encode("utf-8")).toprettyxml(encoding="utf-8").decode("utf-8")
