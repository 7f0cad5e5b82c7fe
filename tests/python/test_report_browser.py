"""The combined HTML report in a real browser (Debian's headless chromium, kept off the network): every
section there, failures first, every check's message, metrics with objectives, each framework's plots,
working artifact links, no console error; a screenshot is kept in reports/tests/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import BIN, ROOT, run

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make setup installs it)")
SHOTS = ROOT / "reports" / "tests"
PLOT = {"title": "latency over time", "kind": "line", "x": "s", "y": "ms",
        "series": [{"name": "p50", "points": [[0, 10], [1, 12], [2, 11]]}], "hlines": [{"y": 15, "label": "objective"}]}


def _browser(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", *args, url],
        capture_output=True, text=True, timeout=90,
    )


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _framework_run(folder: Path, rows: list[dict[str, Any]], plots: dict[str, dict[str, Any]]) -> None:
    folder.mkdir(parents=True)
    (folder / "planned.txt").write_text("".join(f"{r['name']}\n" for r in rows))
    with (folder / "results.jsonl").open("w") as fh:
        for row in rows:
            fh.write(json.dumps({"suite": "s", "duration_s": 2.5, "attempts": 1, "flaky": False, "exit_code": 0,
                                 "artifacts": f"artifacts/{row['name']}", **row}) + "\n")
            art = folder / "artifacts" / row["name"]
            art.mkdir(parents=True)
            (art / "output.log").write_text(f"output of {row['name']}\n")
            if row["name"] in plots:
                (art / "plots.jsonl").write_text(json.dumps(plots[row["name"]]) + "\n")
                (art / "metrics.jsonl").write_text(json.dumps(
                    {"name": "latency_p50", "value": "11", "unit": "ms", "op": "<=", "threshold": "15", "verdict": "ok"}) + "\n")
    (folder / "run.json").write_text('{"started": 1764547200, "wall_s": 12.5}\n')
    (folder / "e2e.json").write_text('{"wall_s": 61.25}\n')


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("all")
    _framework_run(out / "alpha", [
        {"name": "check-alpha-ok", "status": "passed", "message": "3 VMs running, as configured"},
        {"name": "check-alpha-broken", "status": "failed", "message": "memory 128 MiB, expected 192"},
    ], {"check-alpha-ok": PLOT})
    _framework_run(out / "beta", [
        {"name": "check-beta-lat", "status": "passed", "message": "p50 11 ms within 15 ms"},
        {"name": "check-beta-nogpu", "status": "skipped", "message": "no GPU configured"},
        {"name": "check-beta-hung", "status": "error", "message": "timed out after 5s"},
    ], {"check-beta-lat": PLOT})
    result = run([str(BIN / "clustercheck"), "combine", f"alpha={out / 'alpha'}", f"beta={out / 'beta'}",
                  "--out-dir", str(out), "--name", "all-clusters"])
    assert result.returncode == 1, result.stderr  # a check failed
    return out / "report.html"


def test_report_renders_every_section_without_console_errors(report: Path) -> None:
    result = _browser(report.as_uri(), "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not _console(result.stderr), _console(result.stderr)
    dom = result.stdout
    for section in ("summary", "problems", "checks", "plots", "fw-alpha", "fw-beta"):
        assert f'id="{section}"' in dom, f"section {section} missing"
    # failures and errors come first, each with its message and output
    problems = dom[dom.index('id="problems"'):dom.index('id="checks"')]
    assert "memory 128 MiB, expected 192" in problems and "timed out after 5s" in problems
    assert "output of check-alpha-broken" in problems and "check-alpha-ok" not in problems
    # every check's message, passes too; metrics with their objective
    checks = dom[dom.index('id="checks"'):dom.index('id="plots"')]
    for message in ("3 VMs running, as configured", "p50 11 ms within 15 ms", "no GPU configured"):
        assert message in checks
    assert re.search(r"latency_p50</b> 11 ms <span[^>]*>\(objective &lt;= 15 ms\)", checks)
    # per framework: counts and the e2e wall time
    summary = dom[dom.index('id="summary"'):dom.index('id="problems"')]
    assert "61.2 s" in summary and summary.count('class="bar"') == 2
    # each framework's plots, inline
    plots = dom[dom.index('id="plots"'):]
    assert plots.count("<svg") == 2 and ">alpha<" in plots and ">beta<" in plots


def test_report_is_self_contained_and_links_to_artifacts(report: Path) -> None:
    text = report.read_text()
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", text), "the page loads something from elsewhere"
    assert "<script" not in text and "<link" not in text
    links = re.findall(r"href='([^'#]+)'", text)
    assert links and all((report.parent / link).is_dir() for link in links), links
    assert "alpha/artifacts/check-alpha-broken/" in links


def test_screenshot_kept(report: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "all-clusters-report.png"
    shot.unlink(missing_ok=True)
    result = _browser(report.as_uri(), f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars")
    assert result.returncode == 0 and shot.stat().st_size > 10_000, result.stderr[-2000:]
    assert not _console(result.stderr)


def test_console_errors_are_caught(tmp_path: Path) -> None:
    """The detector itself: a page whose script throws must be caught, or the tests above prove nothing."""
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><p>x</p><script>undefinedFunction()</script>")
    assert _console(_browser(page.as_uri(), "--dump-dom").stderr)


def test_trend_plots_render(tmp_path: Path) -> None:
    """A run judged against a baseline, with a history of four runs: the trends section draws each metric's
    line with its baseline's band of runs and objective, in the browser, without a console error; a screenshot is kept."""
    run_dir = tmp_path / "run"
    _framework_run(run_dir, [{"name": "check-beta-lat", "status": "failed",
                              "message": "regressed against the baseline: latency_p50 11 ms vs baseline 5 ms"}], {})
    art = run_dir / "artifacts" / "check-beta-lat"
    (art / "metrics.jsonl").write_text(json.dumps(
        {"name": "latency_p50", "value": "11", "unit": "ms", "op": "<=", "threshold": "15", "verdict": "ok"}) + "\n")
    (art / "baseline.jsonl").write_text(json.dumps(
        {"check": "check-beta-lat", "name": "latency_p50", "value": 11.0, "unit": "ms", "direction": "lower",
         "baseline": 5.0, "change_pct": 120.0, "tolerance_pct": 20, "verdict": "regressed",
         "runs": [4.9, 5.0, 5.2]}) + "\n")
    history = tmp_path / "history.jsonl"
    history.write_text("".join(json.dumps({"date": f"2026-12-0{i}", "metrics": {"check-beta-lat": {"latency_p50": v}}})
                               + "\n" for i, v in enumerate((5.0, 5.2, 4.9, 11.0), 1)))
    result = run([str(BIN / "clustercheck"), "report", "--records", str(run_dir / "results.jsonl"),
                  "--planned", str(run_dir / "planned.txt"), "--out-dir", str(run_dir), "--history", str(history)])
    assert result.returncode == 0, result.stderr
    page = run_dir / "report.html"
    shown = _browser(page.as_uri(), "--dump-dom")
    assert shown.returncode == 0 and not _console(shown.stderr), shown.stderr[-2000:]
    trends = shown.stdout[shown.stdout.index("id='trends'") if "id='trends'" in shown.stdout
                          else shown.stdout.index('id="trends"'):]
    assert "check-beta-lat: latency_p50 over the last 4 run(s)" in trends
    assert "<svg" in trends and ">baseline median 5<" in trends and ">objective" in trends
    # the baseline's runs drawn as a band, not one line
    assert '<rect class="band"' in trends and ">baseline: 3 runs 4.9-5.2<" in trends
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "trends-report.png"
    shot.unlink(missing_ok=True)
    taken = _browser(page.as_uri(), f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars")
    assert taken.returncode == 0 and shot.stat().st_size > 10_000, taken.stderr[-2000:]
