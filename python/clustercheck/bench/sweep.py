"""Throughput by stepping the open-loop rate: the highest rate whose p95 meets the objective with
few errors, stopping at the first step that misses (or that the generator could not produce)."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from clustercheck.bench import engine, stats


def verdict(summary: dict[str, Any], p95_ms: float, max_error_rate: float) -> str:
    if not summary["kept_schedule"]:
        return "generator-limited"
    if summary["error_rate"] > max_error_rate:
        return "errors"
    if not summary["latency_ms"]["p95"] <= p95_ms:
        return "slow"
    return "ok"


def run(
    base: engine.LoadSpec,
    rates: list[float],
    p95_ms: float,
    max_error_rate: float,
    on_step: Callable[[dict[str, Any]], None] | None = None,
    concurrencies: list[int] | None = None,
) -> dict[str, Any]:
    """Step open-loop RATES (or closed-loop CONCURRENCIES) until a step misses the objective."""
    steps: list[dict[str, Any]] = []
    best = 0.0
    stopped = "all steps met the objective"
    plan = [dataclasses.replace(base, mode="closed", concurrency=c) for c in concurrencies] if concurrencies else [
        dataclasses.replace(base, mode="open", rate=r) for r in rates]
    for spec in plan:
        rate = spec.rate if spec.mode == "open" else spec.concurrency
        records, workers = engine.run(spec)
        summary = stats.summarize(spec, records, workers)
        summary["verdict"] = verdict(summary, p95_ms, max_error_rate)
        summary.pop("histogram_ms", None)
        steps.append(summary)
        if on_step:
            on_step(summary)
        if summary["verdict"] != "ok":
            stopped = f"{summary['verdict']} at {rate:g} " + ("req/s" if spec.mode == "open" else "in flight")
            break
        best = max(best, summary["throughput"])
    return {"p95_objective_ms": p95_ms, "max_error_rate": max_error_rate, "steps": steps, "max_rate": best,
            "stopped": stopped}
