"""Baselines: direction of each metric, judging against a saved run, refusing bad baseline files, the
bounded history, and what the reports carry (JUnit properties, trend plots)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from clustercheck.baseline import direction, judge, store
from clustercheck.errors import UserError
from conftest import BIN, run

M = {"name": "latency_p50", "value": "4.0", "unit": "ms", "op": "", "threshold": "", "verdict": ""}


def _baseline(metrics: dict[str, dict[str, dict[str, Any]]], target: str = "local") -> dict[str, Any]:
    return {"clustercheck_baseline": 1, "target": target, "metrics": metrics}


def _settings(**section: Any) -> judge.Settings:
    return judge.Settings.from_config({"runner": {"baseline": section}})


@pytest.mark.parametrize("name,unit,op,want", [
    ("latency_p95", "ms", "<=", direction.LOWER),
    ("throughput_max", "req/s", "", direction.HIGHER),
    ("throughput_per_gpu", "req/s", ">=", direction.HIGHER),
    ("gpu0_utilization", "%", ">=", direction.HIGHER),
    ("vm_boot_s", "s", "", direction.LOWER),
    ("error_rate", "ratio", "<=", direction.LOWER),
    ("cold_start", "", "", direction.LOWER),
    ("nodes_registered", "nodes", "", None),
    ("postgresql_major_version", "major", "", None),
])
def test_direction(name: str, unit: str, op: str, want: str | None) -> None:
    assert direction.of(name, unit, op) == want


def test_direction_override_wins() -> None:
    assert direction.of("nodes_registered", "nodes", "", "higher") == direction.HIGHER


def test_twice_the_latency_regresses_and_names_everything() -> None:
    base = _baseline({"check-lat": {"latency_p50": {"value": 4.0, "unit": "ms"}}})
    (j,) = judge.judge("check-lat", [{**M, "value": "8.0"}], base, _settings())
    assert j.verdict == "regressed" and j.change_pct == 100.0
    assert j.line() == ("latency_p50 8 ms vs baseline 4 ms (1 run) (+100.0%, tolerance 20%, lower is better): "
                        "regressed - worse than its 1 run (4 ms; noise not measured) by 4 ms, more than the "
                        "allowance 0.8 ms (20% of the median)")


def test_within_tolerance_improved_new_and_not_judged() -> None:
    base = _baseline({"c": {"latency_p50": {"value": 4.0}, "throughput_max": {"value": 300},
                            "nodes_registered": {"value": 2}}})
    metrics = [{**M, "value": "4.6"},  # +15 %
               {"name": "throughput_max", "value": "450", "unit": "req/s"},  # +50 %, higher is better
               {"name": "nodes_registered", "value": "1", "unit": "nodes"},
               {"name": "latency_p99", "value": "9", "unit": "ms"}]
    verdicts = {j.name: j.verdict for j in judge.judge("c", metrics, base, _settings())}
    assert verdicts == {"latency_p50": "within", "throughput_max": "improved", "nodes_registered": "not-judged",
                        "latency_p99": "new"}


def test_throughput_drop_regresses() -> None:
    base = _baseline({"c": {"throughput_max": {"value": 300}}})
    (j,) = judge.judge("c", [{"name": "throughput_max", "value": "200", "unit": "req/s"}], base, _settings())
    assert j.verdict == "regressed" and j.change_pct == pytest.approx(-33.3)


def test_noise_floor_and_overrides() -> None:
    base = _baseline({"c": {"latency_p50": {"value": 2.0}, "latency_p99": {"value": 10.0}}})
    metrics = [{**M, "value": "3.0"}, {"name": "latency_p99", "value": "18", "unit": "ms"}]
    # +50 % but only 1 ms: noise under min_change for ms
    by = {j.name: j for j in judge.judge("c", metrics, base, _settings(min_change={"ms": 2}))}
    assert by["latency_p50"].verdict == "within" and by["latency_p99"].verdict == "regressed"
    # a per-metric tolerance, and a check.metric one that beats it
    settings = _settings(metrics={"latency_p99": {"tolerance_pct": 100}, "c.latency_p50": {"tolerance_pct": 60}})
    by = {j.name: j for j in judge.judge("c", metrics, base, settings)}
    assert by["latency_p99"].verdict == "within" and by["latency_p99"].tolerance_pct == 100
    assert by["latency_p50"].verdict == "within" and by["latency_p50"].tolerance_pct == 60


def test_zero_baseline_only_min_change_decides() -> None:
    base = _baseline({"c": {"error_rate": {"value": 0}}})
    metric = {"name": "error_rate", "value": "0.05", "unit": "ratio", "op": "<="}
    (j,) = judge.judge("c", [metric], base, _settings())
    assert j.verdict == "regressed" and j.change_pct is None and "from 0" in j.line()
    (j,) = judge.judge("c", [metric], base, _settings(min_change={"ratio": 0.1}))
    assert j.verdict == "within"


@pytest.mark.parametrize("text,reason", [
    ("{not json", "invalid JSON at line 1"),
    ("[]", 'no "clustercheck_baseline": 1'),
    ('{"clustercheck_baseline": 2, "target": "local", "metrics": {}}', 'no "clustercheck_baseline": 1'),
    ('{"clustercheck_baseline": 1, "target": "local"}', 'needs "target" and "metrics"'),
    ('{"clustercheck_baseline": 1, "target": "local", "metrics": {"c": {"m": {"value": "fast"}}}}',
     "metrics.c.m.value: must be a number"),
    ('{"clustercheck_baseline": 1, "target": "local", "metrics": {"c": []}}', "metrics.c: must be a mapping"),
])
def test_corrupt_baseline_is_one_clear_error(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "base.json"
    path.write_text(text)
    with pytest.raises(UserError) as err:
        store.load(str(path), target="local")
    assert str(err.value).startswith(f"--baseline {path}: ") and reason in str(err.value)


def test_baseline_from_another_target_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "base.json"
    path.write_text(json.dumps(_baseline({}, target="prod-a")))
    with pytest.raises(UserError, match="recorded on target 'prod-a', this run is on 'local'"):
        store.load(str(path), target="local")


def _run_dir(folder: Path, checks: dict[str, tuple[str, list[dict[str, Any]]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "results.jsonl").open("w") as fh:
        for name, (status, metrics) in checks.items():
            fh.write(json.dumps({"name": name, "suite": "s", "status": status, "artifacts": f"artifacts/{name}"}) + "\n")
            art = folder / "artifacts" / name
            art.mkdir(parents=True, exist_ok=True)
            (art / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in metrics))
    return folder


def test_save_keeps_passed_checks_numbers_and_versions(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path / "run", {
        "check-lat": ("passed", [M, {"name": "label", "value": "n/a", "unit": ""}]),
        "check-broken": ("failed", [{**M, "value": "900"}]),
    })
    (run_dir / "artifacts" / "check-lat" / "facts.tsv").write_text("server_version\t2.19.0\nother\tx\n")
    data = store.build([str(run_dir)], "local", ["inference"])
    assert data["metrics"] == {"check-lat": {"latency_p50": {"value": 4.0, "runs": [4.0], "unit": "ms",
                                                             "direction": "lower"}}}
    assert data["versions"] == {"check-lat.server_version": "2.19.0"}
    assert data["target"] == "local" and data["host"] and data["date"].endswith("Z")


def test_history_is_bounded_and_newest_last(tmp_path: Path) -> None:
    path = tmp_path / "h" / "local.jsonl"
    for i in range(5):
        store.append_history(str(path), {"date": str(i), "metrics": {"c": {"m": i}}}, keep=3)
    rows = store.read_history(str(path))
    assert [r["date"] for r in rows] == ["2", "3", "4"]


def _cli(*args: str) -> Any:
    return run([str(BIN / "clustercheck"), "baseline", *args])


def test_cli_check_refuses_with_one_line_and_writes_nothing(tmp_path: Path, write_config: Any,
                                                            local_data: dict[str, Any]) -> None:
    cfg = write_config(local_data)
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    save = tmp_path / "new.json"
    result = _cli("check", "--config", str(cfg), "--baseline", str(bad), "--save", str(save))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"--baseline {bad}: not a clustercheck baseline" in result.stderr
    assert not save.exists()
    result = _cli("check", "--config", str(cfg), "--save", str(tmp_path / "no" / "dir" / "x.json"))
    assert result.returncode == 2 and "--save-baseline: cannot write" in result.stderr


def test_cli_save_judge_round_trip(tmp_path: Path, write_config: Any, local_data: dict[str, Any]) -> None:
    cfg = write_config(local_data)
    run_dir = _run_dir(tmp_path / "run", {"check-lat": ("passed", [M])})
    base = tmp_path / "base.json"
    result = _cli("save", "--run-dir", str(run_dir), "--config", str(cfg), "--out", str(base))
    assert result.returncode == 0 and "1 metric(s) of 1 check(s) that passed, 1 run(s) each" in result.stdout, result.stderr
    slow = tmp_path / "slow.jsonl"
    slow.write_text(json.dumps({**M, "value": "9.1"}) + "\n")
    out = tmp_path / "judged.jsonl"
    result = _cli("judge", "--baseline", str(base), "--config", str(cfg), "--check", "check-lat",
                  "--metrics", str(slow), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.strip() == ("clustercheck: regressed against the baseline: latency_p50 9.1 ms vs baseline "
                                     "4 ms (1 run) (+127.5%, tolerance 20%, lower is better) - worse than its 1 run "
                                     "(4 ms; noise not measured) by 5.1 ms, more than the allowance 2 ms (min_change)")
    assert json.loads(out.read_text())["verdict"] == "regressed"
    same = _cli("judge", "--baseline", str(base), "--config", str(cfg), "--check", "check-lat",
                "--metrics", str(run_dir / "artifacts" / "check-lat" / "metrics.jsonl"))
    assert same.returncode == 0 and "+0.0%" in same.stdout and "within" in same.stdout


def test_reports_carry_the_baseline_and_the_trend(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path / "run", {"check-lat": ("failed", [M])})
    (run_dir / "planned.txt").write_text("check-lat\n")
    (run_dir / "artifacts" / "check-lat" / "baseline.jsonl").write_text(json.dumps(
        {"check": "check-lat", "name": "latency_p50", "value": 4.0, "unit": "ms", "direction": "lower",
         "baseline": 2.0, "change_pct": 100.0, "tolerance_pct": 20, "verdict": "regressed",
         "runs": [1.9, 2.0, 2.2]}) + "\n")
    history = tmp_path / "history.jsonl"
    for v in (2.0, 2.1, 4.0):
        store.append_history(str(history), {"date": "d", "metrics": {"check-lat": {"latency_p50": v}}}, keep=10)
    result = run([str(BIN / "clustercheck"), "report", "--records", str(run_dir / "results.jsonl"),
                  "--planned", str(run_dir / "planned.txt"), "--out-dir", str(run_dir), "--history", str(history)])
    assert result.returncode == 0, result.stderr
    props = {p.get("name"): p.get("value") for p in ET.parse(run_dir / "junit.xml").iter("property")}
    assert props["check-lat.metric.latency_p50.baseline"] == "2"
    assert props["check-lat.metric.latency_p50.change_pct"] == "100.0"
    assert props["check-lat.metric.latency_p50.vs_baseline"] == "regressed"
    page = (run_dir / "report.html").read_text()
    trends = page[page.index("id='trends'"):]
    # the baseline's runs as the band they spread over, its median inside it
    assert "check-lat: latency_p50 over the last 3 run(s)" in trends and ">baseline median 2<" in trends
    assert "<rect class='band'" in trends and ">baseline: 3 runs 1.9-2.2<" in trends
    assert "baseline 2 ms (+100.0%, its 3 runs 1.9-2.2 ms): regressed" in page
    assert props["check-lat.metric.latency_p50.baseline_band"] == "1.9-2.2"
    assert props["check-lat.metric.latency_p50.baseline_runs"] == "3"


def _runs(values: list[float], name: str = "latency_p50") -> dict[str, Any]:
    return _baseline({"c": {name: {"value": sorted(values)[len(values) // 2], "runs": values}}})


def _one(base: dict[str, Any], value: float, name: str = "latency_p50", unit: str = "ms", **section: Any) -> judge.Judgement:
    (j,) = judge.judge("c", [{"name": name, "value": str(value), "unit": unit}], base, _settings(**section))
    return j


def test_stable_metric_judged_against_its_runs() -> None:
    base = _runs([40.0, 41.0, 39.5, 40.5, 40.2])
    assert _one(base, 44.0).verdict == "within"  # +9 %: inside the runs widened by 20 % of 40.2
    j = _one(base, 52.0)
    assert j.verdict == "regressed" and j.runs == [40.0, 41.0, 39.5, 40.5, 40.2]
    assert j.reason == ("worse than every one of its 5 runs (worst 41 ms) by 11 ms, more than the allowance "
                        "8.04 ms (20% of the median)")
    assert "vs baseline 40.2 ms (median of 5 runs, 39.5-41 ms) (+29.4%" in j.line()
    assert _one(base, 30.0).verdict == "improved"


def test_noise_inside_the_runs_is_not_a_regression() -> None:
    # a capacity that moved between 406 and 497 req/s across runs: 400 is noise, not -11 %
    base = _runs([450.0, 406.0, 450.0, 497.5, 450.0], "throughput_max")
    j = _one(base, 400.0, "throughput_max", "req/s", tolerance_pct=30)
    assert j.verdict == "within" and j.change_pct == pytest.approx(-11.1)
    # half the capacity is beyond both the runs and the tolerance
    j = _one(base, 225.0, "throughput_max", "req/s", tolerance_pct=30)
    assert j.verdict == "regressed" and "worse than every one of its 5 runs (worst 406 req/s) by 181" in j.reason


def test_runs_wider_than_the_allowance_are_too_noisy_to_judge() -> None:
    base = _runs([3.5, 4.0, 106.0, 4.2, 3.9], "latency_p99")
    j = _one(base, 60.0, "latency_p99")
    assert j.verdict == "too-noisy"
    assert j.reason.startswith("the baseline's 5 runs spread 102.5 ms, wider than the allowance 0.8 ms")
    # a change past even that noise is still caught
    assert _one(base, 200.0, "latency_p99").verdict == "regressed"


def test_bimodal_runs_are_too_noisy_and_a_shift_of_both_modes_regresses() -> None:
    # p95 at the knee: 3.5 ms in some runs, 570-580 ms in others (measured here)
    base = _runs([3.5, 575.0, 3.6, 580.0, 3.4], "latency_p95")
    assert _one(base, 4.0, "latency_p95").verdict == "too-noisy"
    assert _one(base, 578.0, "latency_p95").verdict == "too-noisy"
    assert _one(base, 1200.0, "latency_p95").verdict == "regressed"


def test_shifted_metric_regresses_only_beyond_the_worst_run_and_min_change() -> None:
    base = _runs([2.0, 2.3, 2.1])
    # +60 % of the median but 1.1 ms past the worst run: under min_change 2 ms
    assert _one(base, 3.4, min_change={"ms": 2}).verdict == "within"
    assert _one(base, 4.5, min_change={"ms": 2}).verdict == "regressed"


def test_build_keeps_every_run_and_merge_puts_saved_runs_together(tmp_path: Path) -> None:
    dirs = [str(_run_dir(tmp_path / f"r{i}", {"check-lat": ("passed" if i != 2 else "failed", [{**M, "value": str(v)}]),
                                             "check-up": ("passed", [{"name": "uptime_s", "value": "1", "unit": "s"}])}))
            for i, v in enumerate((4.0, 5.0, 900.0, 3.0))]
    data = store.build(dirs, "local", ["inference"])
    lat = data["metrics"]["check-lat"]["latency_p50"]
    assert lat["runs"] == [4.0, 5.0, 3.0] and lat["value"] == 4.0  # the failed run gives nothing
    assert store.runs_count(data) == (3, 4)
    one = store.build(dirs[:1], "local", ["inference"])
    merged = store.merge([one, store.build(dirs[1:2], "local", ["inference"]), store.build(dirs[3:], "local", [])])
    assert merged["metrics"]["check-lat"]["latency_p50"]["runs"] == [4.0, 5.0, 3.0]
    assert merged["metrics"]["check-lat"]["latency_p50"]["value"] == 4.0


def test_a_baseline_saved_before_runs_were_kept_is_one_run(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(_baseline({"c": {"latency_p50": {"value": 4.0, "unit": "ms"}}})))
    j = _one(store.load(str(path), target="local"), 4.1)
    assert j.verdict == "within" and j.runs == [4.0] and "(1 run)" in j.line()
    path.write_text(json.dumps(_baseline({"c": {"latency_p50": {"value": 4.0, "runs": ["x"]}}})))
    with pytest.raises(UserError, match="metrics.c.latency_p50.runs: must be a list of numbers"):
        store.load(str(path), target="local")


def test_cli_merge(tmp_path: Path, write_config: Any, local_data: dict[str, Any]) -> None:
    cfg = write_config(local_data)
    files = []
    for i, v in enumerate((4.0, 4.4)):
        run_dir = _run_dir(tmp_path / f"run{i}", {"check-lat": ("passed", [{**M, "value": str(v)}])})
        files.append(tmp_path / f"b{i}.json")
        assert _cli("save", "--run-dir", str(run_dir), "--config", str(cfg), "--out", str(files[-1])).returncode == 0
    out = tmp_path / "all.json"
    result = _cli("merge", "--out", str(out), *map(str, files))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"baseline merged: {out} (1 metric(s) of 1 check(s), 2 run(s) each, target local)"
    assert json.loads(out.read_text())["metrics"]["check-lat"]["latency_p50"]["runs"] == [4.0, 4.4]
    other = json.loads(files[0].read_text())
    other["target"] = "prod-a"
    files[0].write_text(json.dumps(other))
    result = _cli("merge", "--out", str(out), *map(str, files))
    assert result.returncode == 2 and "saved on different targets (local, prod-a)" in result.stderr


def test_cli_history_shows_the_spread_and_the_baseline_band(tmp_path: Path) -> None:
    history = tmp_path / "h.jsonl"
    for v in (406.0, 450.0, 497.5):
        store.append_history(str(history), {"date": "d", "metrics": {"c": {"throughput_max": v}}}, keep=10)
    base = tmp_path / "b.json"
    base.write_text(json.dumps(_baseline({"c": {"throughput_max": {"value": 450, "runs": [406, 450, 497.5]}}})))
    result = _cli("history", "--history", str(history), "--baseline", str(base))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == ("c.throughput_max       406      450    497.5  spread 406-497.5, median 450; "
                                             "baseline 450 (3 run(s) 406-497.5)")
