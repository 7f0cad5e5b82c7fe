"""The JSON summary and the terminal table, from the same results as the JUnit file."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from clustercheck.report.records import Result

STATUSES = ("passed", "failed", "error", "skipped")


def counts(results: list[Result]) -> dict[str, int]:
    c = Counter(r.status for r in results)
    out = {s: c.get(s, 0) for s in STATUSES}
    out["total"] = len(results)
    out["flaky"] = sum(1 for r in results if r.flaky)
    return out


def as_json(name: str, results: list[Result]) -> dict[str, Any]:
    rows = []
    for r in results:
        row = asdict(r)
        row.pop("output")
        row.pop("artifacts")
        rows.append(row)
    c = counts(results)
    return {"name": name, "counts": c, "ok": c["failed"] == 0 and c["error"] == 0, "checks": rows}


def table(name: str, results: list[Result]) -> str:
    c = counts(results)
    width = max([len(r.name) for r in results] + [5])
    lines = [f"{'CHECK':<{width}}  {'RESULT':<7}  {'TIME':>7}  DETAIL"]
    for r in results:
        detail = "" if r.status == "passed" else r.message
        if r.flaky:
            detail = f"flaky: passed on attempt {r.attempts}"
        lines.append(f"{r.name:<{width}}  {r.status.upper():<7}  {r.duration_s:>6.1f}s  {detail}")
        for m in r.metrics:
            lines.append(f"{'':<{width}}  {'':<7}  {'':>7}  {m.name} {m.describe()}")
    lines.append(
        f"{name}: {c['passed']} passed, {c['failed']} failed, {c['error']} errors, {c['skipped']} skipped"
        f" of {c['total']}" + (f" ({c['flaky']} flaky)" if c["flaky"] else "")
    )
    return "\n".join(lines)
