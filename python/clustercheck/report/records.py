"""Result records (one JSON line per check) plus each check's output and metrics from its artifacts.

This module is the records' only schema: the runner writes and reads them through `clustercheck record`
(report/record_cli.py), the report writers through load()."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

NOT_RUN = "did not run: the run ended before this check finished"


@dataclass
class Metric:
    name: str
    value: str
    unit: str
    op: str = ""
    threshold: str = ""
    verdict: str = ""
    # against a saved run (--baseline): its value, the change in percent, regressed/improved/within/new
    baseline: str = ""
    change_pct: str = ""
    baseline_verdict: str = ""
    # the baseline's runs of this metric (their median is `baseline`): lowest, highest, how many
    baseline_lo: str = ""
    baseline_hi: str = ""
    baseline_runs: int = 0

    def describe(self) -> str:
        text = f"{self.value} {self.unit}".strip()
        if self.op:
            text += f" {self.op} {self.threshold} {self.unit}".rstrip() + f": {self.verdict}"
        return text

    def describe_baseline(self) -> str:
        if not self.baseline_verdict:
            return ""
        if not self.baseline:
            return self.baseline_verdict
        change = f"{float(self.change_pct):+.1f}%" if self.change_pct else "from 0"
        band = (f", its {self.baseline_runs} runs {self.baseline_lo}-{self.baseline_hi} {self.unit}".rstrip()
                if self.baseline_runs > 1 else "")
        return f"baseline {self.baseline} {self.unit}".rstrip() + f" ({change}{band}): {self.baseline_verdict}"


@dataclass
class Result:
    name: str
    suite: str
    status: str
    message: str = ""
    duration_s: float = 0.0
    attempts: int = 1
    flaky: bool = False
    exit_code: int | None = None
    output: str = ""
    metrics: list[Metric] = field(default_factory=list)
    plots: list[dict[str, Any]] = field(default_factory=list)
    framework: str = ""
    artifacts: str = ""  # the check's artifact folder (absolute), when it has one


STATUSES = ("passed", "failed", "skipped", "error")


def append(path: str, result: Result) -> None:
    """Add RESULT's record to the run's records file (one line, written in one call: checks running in
    parallel append to the same file)."""
    if result.status not in STATUSES:
        raise ValueError(f"status {result.status!r} is not one of {', '.join(STATUSES)}")
    row = {"name": result.name, "suite": result.suite, "status": result.status, "message": result.message,
           "duration_s": result.duration_s, "attempts": result.attempts, "flaky": result.flaky,
           "exit_code": result.exit_code, "artifacts": f"artifacts/{result.name}"}
    line = (json.dumps(row, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


NUMBER = re.compile(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
OPS = {"<=": lambda v, t: v <= t, "<": lambda v, t: v < t, ">=": lambda v, t: v >= t, ">": lambda v, t: v > t}


def judge_metric(metric: Metric) -> None:
    """Set METRIC's verdict (ok or missed) from its op and threshold; ValueError naming what cannot be
    judged (a value or threshold that is not a finite number: nothing was measured, nothing set)."""
    if not NUMBER.match(metric.value):
        raise ValueError(f"metric {metric.name}: got '{metric.value}', not a number: {metric.op} {metric.threshold} "
                         f"{metric.unit} cannot be judged")
    if not NUMBER.match(metric.threshold):
        raise ValueError(f"metric {metric.name}: the objective '{metric.op} {metric.threshold}' is not a number")
    metric.verdict = "ok" if OPS[metric.op](float(metric.value), float(metric.threshold)) else "missed"


def append_metric(path: str, metric: Metric) -> None:
    """Add METRIC to a check's metrics.jsonl (what load() reads back for the reports)."""
    row = {k: getattr(metric, k) for k in _METRIC_KEYS}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, separators=(",", ":"), ensure_ascii=False) + "\n")


def latest(path: str, name: str) -> dict[str, Any] | None:
    """The last record of check NAME (a retried or re-recorded check has several), or None."""
    found = None
    for row in _read_lines(path):
        if row.get("name") == name:
            found = row
    return found


def outcome(path: str, planned: str, fail_on_skip: bool) -> str:
    """How the run ended, for its exit code: 'failed' (a check failed or errored), 'incomplete' (fewer
    records than planned checks), 'skipped' (with FAIL_ON_SKIP, a check skipped), else 'ok'."""
    rows = _read_lines(path)
    statuses = {str(r.get("status")) for r in rows}
    with open(planned, encoding="utf-8") as fh:
        wanted = sum(1 for line in fh if line.strip())
    if statuses & {"failed", "error"}:
        return "failed"
    if len({r.get("name") for r in rows}) < wanted:
        return "incomplete"
    if fail_on_skip and "skipped" in statuses:
        return "skipped"
    return "ok"


def _read_lines(path: str) -> list[dict[str, Any]]:
    rows = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut by a kill: the check shows as not run
    except FileNotFoundError:
        pass
    return rows


def _tail(path: str, limit: int) -> str:
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            if size > limit:
                fh.seek(size - limit)
                body = fh.read().decode("utf-8", "replace")
                return f"[... {size - limit} bytes cut; full output in {path} ...]\n{body}"
            return fh.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


_METRIC_KEYS = ("name", "value", "unit", "op", "threshold", "verdict")


def _add_baseline(metrics: list[Metric], judged: list[dict[str, Any]]) -> None:
    by_name = {str(j.get("name")): j for j in judged}
    for m in metrics:
        j = by_name.get(m.name)
        if j is None:
            continue
        m.baseline = "" if j.get("baseline") is None else f"{float(j['baseline']):.6g}"
        m.change_pct = "" if j.get("change_pct") is None else str(j["change_pct"])
        m.baseline_verdict = str(j.get("verdict", ""))
        runs = [float(v) for v in j.get("runs") or [] if isinstance(v, (int, float))]
        if runs:
            m.baseline_lo, m.baseline_hi, m.baseline_runs = f"{min(runs):.6g}", f"{max(runs):.6g}", len(runs)


def load(records: str, planned: str | None, output_limit: int) -> list[Result]:
    """Every planned check exactly once, in plan order; a planned check with no record is an error."""
    base = os.path.dirname(os.path.abspath(records))
    latest: dict[str, dict[str, Any]] = {}
    for row in _read_lines(records):
        latest[row["name"]] = row
    order = []
    if planned and os.path.exists(planned):
        with open(planned, encoding="utf-8") as fh:
            order = [line.strip() for line in fh if line.strip()]
    order += [name for name in latest if name not in order]
    results = []
    for name in order:
        row = latest.get(name)
        if row is None:
            results.append(Result(name=name, suite="", status="error", message=NOT_RUN))
            continue
        art = os.path.join(base, row.get("artifacts", f"artifacts/{name}"))
        metrics = [Metric(**{k: str(v) for k, v in m.items() if k in _METRIC_KEYS})
                   for m in _read_lines(os.path.join(art, "metrics.jsonl"))]
        _add_baseline(metrics, _read_lines(os.path.join(art, "baseline.jsonl")))
        results.append(
            Result(
                name=name,
                suite=row.get("suite", ""),
                status=row.get("status", "error"),
                message=row.get("message", ""),
                duration_s=float(row.get("duration_s") or 0),
                attempts=int(row.get("attempts") or 1),
                flaky=bool(row.get("flaky")),
                exit_code=row.get("exit_code"),
                output=_tail(os.path.join(art, "output.log"), output_limit),
                metrics=metrics,
                plots=_read_lines(os.path.join(art, "plots.jsonl")),
                artifacts=art if os.path.isdir(art) else "",
            )
        )
    return results


def run_info(folder: str) -> dict[str, Any]:
    """What was noted about the run in FOLDER: run.json (the runner: started, wall_s of the checks),
    then e2e.json (run-all-clusters: wall_s of the whole framework e2e, cluster start to stop)."""
    info: dict[str, Any] = {}
    for name in ("run.json", "e2e.json"):
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            info.update(data)
    return info


def mask(text: str, secrets: list[str]) -> str:
    for value in secrets:
        if value:
            text = text.replace(value, "********")
    return text
