"""What a coordinator makes of its workers' reports: one merged latency histogram and the run's
counts, and the workers whose result cannot be used, each with the reason.

A worker reports the arrivals it was given and sent, its achieved rate, its schedule lag (how late it
sent, p99) and its clock's offset from the coordinator's (measured when the common start was
announced). A worker that fell behind its schedule, or whose clock was off by more than the lag bound,
measured a different load than the one asked for: its result is refused, and with it the run's.
"""

from __future__ import annotations

from typing import Any

from clustercheck.bench.histogram import Histogram

QUANTILES = (0.5, 0.9, 0.95, 0.99, 0.999)


def refusals(reports: list[dict[str, Any]], lag_bound_ms: float) -> list[str]:
    """One line per worker whose result cannot be used, naming it and what it showed."""
    out = []
    for r in reports:
        name = r.get("worker", "?")
        lag = float(r.get("schedule_lag_p99_ms", 0.0))
        offset = abs(float(r.get("clock_offset_ms", 0.0)))
        if r.get("sent", 0) < r.get("scheduled", 0):
            out.append(f"worker {name}: sent {r['sent']} of its {r['scheduled']} arrivals")
        if lag > lag_bound_ms:
            out.append(f"worker {name}: fell behind its schedule (lag p99 {lag:g} ms, bound {lag_bound_ms:g} ms)")
        if offset > lag_bound_ms:
            out.append(f"worker {name}: its clock is {offset:g} ms off the coordinator's (bound {lag_bound_ms:g} ms)")
    return out


def merge(reports: list[dict[str, Any]], lag_bound_ms: float) -> dict[str, Any]:
    """The run: merged latency percentiles (ms), counts, each worker's share, and the refusals."""
    if not reports:
        raise ValueError("no worker reports")
    merged: Histogram | None = None
    for r in reports:
        h = Histogram.from_dict(r["latency_s"])
        merged = h if merged is None else merged.merge(h)
    assert merged is not None
    total = sum(int(r.get("ok", 0)) for r in reports)
    out: dict[str, Any] = {
        "workers": len(reports),
        "requests": sum(int(r.get("sent", 0)) for r in reports),
        "ok": total,
        "achieved_rate": round(sum(float(r.get("achieved_rate", 0.0)) for r in reports), 2),
        "share": {str(r.get("worker", i)): int(r.get("sent", 0)) for i, r in enumerate(reports)},
        "latency_ms": {},
        "relative_error": merged.accuracy,
        "refused": refusals(reports, lag_bound_ms),
    }
    if merged.count:
        out["latency_ms"] = {f"p{q * 100:g}": round(merged.quantile(q) * 1000, 3) for q in QUANTILES}
    return out
