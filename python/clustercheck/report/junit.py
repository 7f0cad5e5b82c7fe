"""JUnit XML from results, through the junit-xml package; one testsuite per suite, one testcase per check.

Metrics, attempts and flakiness are testsuite properties named `<check>.<key>`, which every JUnit
schema accepts (testcase-level properties are not in the common XSDs).
"""

from __future__ import annotations

import re
from collections import OrderedDict

from clustercheck.report.records import Result


def render(name: str, results: list[Result]) -> str:
    import junit_xml

    suites: "OrderedDict[str, list[Result]]" = OrderedDict()
    for result in results:
        suites.setdefault(result.suite or name, []).append(result)
    out = []
    for suite_name, members in suites.items():
        cases = []
        props: dict[str, str] = {}
        for r in members:
            case = junit_xml.TestCase(r.name, classname=f"{name}.{suite_name}", elapsed_sec=round(r.duration_s, 3), stdout=r.output or None)
            if r.status == "failed":
                case.add_failure_info(message=r.message or "failed")
            elif r.status == "skipped":
                case.add_skipped_info(message=r.message or "skipped")
            elif r.status != "passed":
                case.add_error_info(message=r.message or "error")
            cases.append(case)
            props[f"{r.name}.attempts"] = str(r.attempts)
            if r.flaky:
                props[f"{r.name}.flaky"] = "true"
            for m in r.metrics:
                props[f"{r.name}.metric.{m.name}"] = m.describe()
        out.append(junit_xml.TestSuite(f"{name}/{suite_name}", cases, properties=props or None))
    text = junit_xml.to_xml_report_string(out, prettyprint=True, encoding="utf-8")
    # junit-xml sums float durations (0.05499999999999999); JUnit readers expect at most 6 decimals.
    return re.sub(r'time="([0-9]+\.[0-9]+)"', lambda m: f'time="{float(m.group(1)):.3f}"', text)
