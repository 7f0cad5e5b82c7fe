"""Reports: JUnit valid against the XSD in the repo, every planned check once, secrets masked."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable

from lxml import etree

from conftest import BIN, ROOT, run

XSD = etree.XMLSchema(etree.parse(str(ROOT / "tests" / "fixtures" / "junit.xsd")))


def _records(tmp_path: Path, rows: list[dict[str, Any]], outputs: dict[str, str] | None = None) -> Path:
    path = tmp_path / "results.jsonl"
    with path.open("w") as fh:
        for row in rows:
            row = {"suite": "s", "duration_s": 1.5, "attempts": 1, "flaky": False, "exit_code": 0, "message": "", **row}
            row["artifacts"] = f"artifacts/{row['name']}"
            fh.write(json.dumps(row) + "\n")
            art = tmp_path / "artifacts" / row["name"]
            art.mkdir(parents=True, exist_ok=True)
            (art / "output.log").write_text((outputs or {}).get(row["name"], f"output of {row['name']}\n"))
    return path


def _report(tmp_path: Path, *extra: str) -> tuple[Any, etree._Element]:
    result = run([str(BIN / "clustercheck"), "report", "--records", str(tmp_path / "results.jsonl"),
                  "--out-dir", str(tmp_path), "--name", "fw", "--summary", *extra])
    assert result.returncode == 0, result.stderr
    doc = etree.parse(str(tmp_path / "junit.xml"))
    XSD.assertValid(doc)
    return result, doc.getroot()


def test_statuses_map_to_junit(tmp_path: Path) -> None:
    _records(tmp_path, [
        {"name": "a", "status": "passed"},
        {"name": "b", "status": "failed", "message": "memory 128 MiB, expected 192"},
        {"name": "c", "status": "error", "message": "timed out after 5s"},
        {"name": "d", "status": "skipped", "message": "no GPU configured"},
        {"name": "e", "status": "passed", "attempts": 2, "flaky": True},
    ])
    art = tmp_path / "artifacts" / "a"
    (art / "metrics.jsonl").write_text(json.dumps({"name": "p95", "value": "412", "unit": "ms", "op": "<=", "threshold": "500", "verdict": "ok"}) + "\n")
    result, root = _report(tmp_path)
    assert root.get("tests") == "5" and root.get("failures") == "1" and root.get("errors") == "1"
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["b"].find("failure").get("message") == "memory 128 MiB, expected 192"
    assert cases["c"].find("error").get("message") == "timed out after 5s"
    assert cases["d"].find("skipped").get("message") == "no GPU configured"
    assert cases["d"].find("system-out").text.startswith("output of d")
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["a.metric.p95"] == "412 ms <= 500 ms: ok"
    assert props["e.flaky"] == "true" and props["e.attempts"] == "2"
    assert "fw: 2 passed, 1 failed, 1 errors, 1 skipped of 5 (1 flaky)" in result.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["counts"]["failed"] == 1 and summary["ok"] is False
    assert (tmp_path / "report.html").read_text().count("<tr id='check-") == 5


def test_planned_but_unrecorded_checks_are_errors(tmp_path: Path) -> None:
    _records(tmp_path, [{"name": "a", "status": "passed"}])
    (tmp_path / "planned.txt").write_text("a\nb\nc\n")
    with (tmp_path / "results.jsonl").open("a") as fh:
        fh.write('{"name": "b", "sta')  # a record cut off by a kill
    _, root = _report(tmp_path, "--planned", str(tmp_path / "planned.txt"))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert list(cases) == ["a", "b", "c"]
    assert "did not run" in cases["c"].find("error").get("message")
    assert root.get("errors") == "2"


def test_secrets_masked_and_output_bounded(tmp_path: Path, local_data: dict[str, Any], write_config: Callable[..., Path]) -> None:
    local_data["secrets"] = ["hunter2-s3cr3t"]
    cfg = write_config(local_data)
    big = "x" * 5000 + "\npassword is hunter2-s3cr3t\n"
    _records(tmp_path, [{"name": "a", "status": "failed", "message": "login hunter2-s3cr3t refused"}], {"a": big})
    _report(tmp_path, "--config", str(cfg), "--output-limit-kib", "1")
    for name in ("junit.xml", "summary.json", "report.html"):
        text = (tmp_path / name).read_text()
        assert "hunter2-s3cr3t" not in text
    junit = (tmp_path / "junit.xml").read_text()
    assert "********" in junit and "bytes cut" in junit and len(junit) < 3000


def test_empty_records_still_valid(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text("")
    _, root = _report(tmp_path)
    assert root.tag == "testsuites" and not list(root.iter("testcase"))


def test_junit_strict_attributes(tmp_path: Path) -> None:
    """Jenkins' xunit schema has no `disabled`; Ant-style readers need time, timestamp and hostname."""
    _records(tmp_path, [{"name": "instant", "status": "passed", "duration_s": 0},
                        {"name": "blocked", "status": "skipped", "duration_s": 0, "message": "blocked by a"}])
    _, root = _report(tmp_path)
    text = (tmp_path / "junit.xml").read_text()
    assert "disabled=" not in text
    for case in root.iter("testcase"):
        assert case.get("time") == "0.000"
    suite = next(root.iter("testsuite"))
    assert suite.get("hostname") and suite.get("skipped") == "1"
    assert suite.get("timestamp") and suite.get("timestamp")[4] == "-"


def test_schema_rejects_what_strict_readers_reject() -> None:
    """The schema itself must be strict: junit-xml's raw output (disabled, no 0 s time) is invalid."""
    import junit_xml

    raw = junit_xml.to_xml_report_string([junit_xml.TestSuite("s", [junit_xml.TestCase("c", classname="x", elapsed_sec=0)])])
    assert not XSD.validate(etree.fromstring(raw.encode()))
    assert any("disabled" in str(e.message) or "time" in str(e.message) for e in XSD.error_log)


def test_the_runner_writes_and_reads_records_only_through_clustercheck_record(tmp_path: Path) -> None:
    """One owner of the record: what `record add` writes, `record get` and the report read back exactly,
    whatever the message holds; `record outcome` gives the run's end."""
    from clustercheck.report import records

    def cc(*args: str) -> subprocess.CompletedProcess[str]:
        return run([str(BIN / "clustercheck"), *args])

    rec, planned = tmp_path / "results.jsonl", tmp_path / "planned.txt"
    planned.write_text("check-a\ncheck-b\n")
    message = 'pool "gpu" at 3\\4 of\tits size'
    assert cc("record", "add", str(rec), "--name", "check-a", "--suite", "s/x", "--status", "failed", "--message", message,
               "--duration", "1.23456", "--attempts", "2", "--flaky", "--exit-code", "1").returncode == 0
    assert cc("record", "get", str(rec), "check-a", "message").stdout == message + "\n"
    assert cc("record", "get", str(rec), "check-b", "status").stdout == ""
    assert cc("record", "outcome", str(rec), "--planned", str(planned)).stdout == "failed\n"
    (result,) = [r for r in records.load(str(rec), None, 1024)]
    assert (result.status, result.message, result.duration_s, result.attempts, result.flaky) == ("failed", message, 1.235, 2, True)

    rec.unlink()
    cc("record", "add", str(rec), "--name", "check-a", "--status", "passed")
    assert cc("record", "outcome", str(rec), "--planned", str(planned)).stdout == "incomplete\n"
    cc("record", "add", str(rec), "--name", "check-b", "--status", "skipped")
    assert cc("record", "outcome", str(rec), "--planned", str(planned)).stdout == "ok\n"
    assert cc("record", "outcome", str(rec), "--planned", str(planned), "--fail-on-skip").stdout == "skipped\n"
    bad = cc("record", "add", str(rec), "--name", "check-c", "--status", "pass")
    assert bad.returncode == 2 and "'pass' is not one of" in bad.stderr
    assert len(rec.read_text().splitlines()) == 2
