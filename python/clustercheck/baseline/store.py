"""Baseline files and the per-target history.

A baseline (JSON): {"clustercheck_baseline": 1, "target", "host", "date", "frameworks": [...],
"versions": {"<check>.<fact>": "..."}, "metrics": {"<check>": {"<metric>": {"value", "runs", "unit", "direction"}}}}.
A metric keeps each run's value (`runs`, oldest first; `value` is their median) so that a later run is
judged against the noise they showed. Only checks that passed give metrics to a baseline; a file saved
before runs were kept has `value` alone (one run). The history (JSON lines, one per run, the newest
last, at most `keep` lines): {"date", "target", "host", "framework", "metrics": {"<check>": {"<metric>": value}}}.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import statistics
import tempfile
from datetime import datetime, timezone
from typing import Any

from clustercheck import paths
from clustercheck.baseline import direction
from clustercheck.errors import UserError

FORMAT = 1


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _lines(path: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # a line cut by a kill
                if isinstance(row, dict):
                    rows.append(row)
    except FileNotFoundError:
        pass
    return rows


def run_metrics(run_dir: str, passed_only: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
    """Per check, its numeric metrics in RUN_DIR (the runner's records and artifacts)."""
    latest: dict[str, dict[str, Any]] = {}
    for row in _lines(os.path.join(run_dir, "results.jsonl")):
        if isinstance(row.get("name"), str):
            latest[row["name"]] = row
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for name, row in latest.items():
        if passed_only and row.get("status") != "passed":
            continue
        art = os.path.join(run_dir, str(row.get("artifacts") or f"artifacts/{name}"))
        for m in _lines(os.path.join(art, "metrics.jsonl")):
            value = _number(m.get("value"))
            if value is None or not m.get("name"):
                continue
            unit, op = str(m.get("unit", "")), str(m.get("op", ""))
            found.setdefault(name, {})[str(m["name"])] = {
                "value": value, "unit": unit, "direction": direction.of(str(m["name"]), unit, op)}
    return found


def run_versions(run_dir: str) -> dict[str, str]:
    """Versions the checks saw: facts (key<TAB>value in artifacts/*/*.tsv) whose key names a version."""
    versions: dict[str, str] = {}
    art_root = os.path.join(run_dir, "artifacts")
    if not os.path.isdir(art_root):
        return versions
    for check in sorted(os.listdir(art_root)):
        folder = os.path.join(art_root, check)
        if not os.path.isdir(folder):
            continue
        for fname in sorted(os.listdir(folder)):
            if not fname.endswith(".tsv"):
                continue
            try:
                with open(os.path.join(folder, fname), encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        key, _, value = line.rstrip("\n").partition("\t")
                        if "version" in key.lower() and value:
                            versions[f"{check}.{key}"] = value[:200]
            except OSError:
                continue
    return versions


def build(run_dirs: list[str], target: str, frameworks: list[str]) -> dict[str, Any]:
    """A baseline of RUN_DIRS: a check found in several of them (the same checks run again) gets one run
    per folder where it passed; different frameworks' folders simply add their checks."""
    metrics: dict[str, dict[str, dict[str, Any]]] = {}
    versions: dict[str, str] = {}
    for run_dir in run_dirs:
        for check, found in run_metrics(run_dir).items():
            for name, m in found.items():
                entry = metrics.setdefault(check, {}).setdefault(name, {**m, "runs": []})
                entry["runs"].append(m["value"])
        versions.update(run_versions(run_dir))
    return _with_medians({"clustercheck_baseline": FORMAT, "target": target, "host": socket.gethostname(),
                          "date": _now(), "frameworks": frameworks, "versions": versions, "metrics": metrics})


def merge(baselines: list[dict[str, Any]]) -> dict[str, Any]:
    """Baselines saved one by one (the same target) as one: each metric's runs put together, oldest first."""
    out = {**baselines[0], "metrics": {}, "date": _now(), "versions": {}, "frameworks": []}
    for data in sorted(baselines, key=lambda d: str(d.get("date", ""))):
        out["versions"].update(data.get("versions") or {})
        out["frameworks"] += [f for f in data.get("frameworks") or [] if f not in out["frameworks"]]
        for check, found in data["metrics"].items():
            for name, m in found.items():
                entry = out["metrics"].setdefault(check, {}).setdefault(name, {**m, "runs": []})
                entry["runs"] += [float(v) for v in m.get("runs") or [m["value"]]]
    return _with_medians(out)


def _with_medians(data: dict[str, Any]) -> dict[str, Any]:
    for found in data["metrics"].values():
        for entry in found.values():
            entry["value"] = statistics.median(entry["runs"])
    return data


def runs_count(data: dict[str, Any]) -> tuple[int, int]:
    """(fewest, most) runs of any metric in a baseline."""
    counts = [len(m.get("runs") or [0]) for found in data["metrics"].values() for m in found.values()]
    return (min(counts), max(counts)) if counts else (0, 0)


def write_json_atomic(path: str, data: Any) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def load(path: str, option: str = "--baseline", target: str | None = None) -> dict[str, Any]:
    """A baseline file, checked: one UserError line naming the file for anything wrong with it."""

    paths.readable_file(path, option)
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except UnicodeDecodeError:
        raise UserError(f"{option} {path}: not a clustercheck baseline (not UTF-8 text)") from None
    except ValueError as exc:
        reason = f"invalid JSON at line {exc.lineno}" if hasattr(exc, "lineno") else "invalid JSON"
        raise UserError(f"{option} {path}: not a clustercheck baseline ({reason})") from None
    if not isinstance(data, dict) or data.get("clustercheck_baseline") != FORMAT:
        raise UserError(f"{option} {path}: not a clustercheck baseline (no \"clustercheck_baseline\": {FORMAT})")
    if not isinstance(data.get("target"), str) or not isinstance(data.get("metrics"), dict):
        raise UserError(f"{option} {path}: not a clustercheck baseline (needs \"target\" and \"metrics\")")
    for check, metrics in data["metrics"].items():
        if not isinstance(metrics, dict):
            raise UserError(f"{option} {path}: metrics.{check}: must be a mapping of metric names")
        for name, entry in metrics.items():
            if not isinstance(entry, dict) or _number(entry.get("value")) is None:
                raise UserError(f"{option} {path}: metrics.{check}.{name}.value: must be a number")
            runs = entry.get("runs", [entry["value"]])
            if not isinstance(runs, list) or not runs or any(_number(v) is None for v in runs):
                raise UserError(f"{option} {path}: metrics.{check}.{name}.runs: must be a list of numbers")
    if target is not None and data["target"] != target:
        raise UserError(f"{option} {path}: recorded on target '{data['target']}', this run is on '{target}' "
                        "(a baseline is judged only on the target it was saved on)")
    return data


def append_history(path: str, entry: dict[str, Any], keep: int) -> None:
    """Add ENTRY as the newest line; keep the newest KEEP lines. Serialised across runs by a lock."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f".{os.path.basename(path)}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rows = _lines(path)[-(keep - 1):] if keep > 1 else []
        rows.append(entry)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, sort_keys=True) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)


def history_entry(run_dir: str, target: str, framework: str) -> dict[str, Any]:
    metrics = {check: {name: m["value"] for name, m in ms.items()}
               for check, ms in run_metrics(run_dir, passed_only=False).items()}
    return {"date": _now(), "target": target, "host": socket.gethostname(), "framework": framework,
            "metrics": metrics}


def read_history(path: str) -> list[dict[str, Any]]:
    return [row for row in _lines(path) if isinstance(row.get("metrics"), dict)]
