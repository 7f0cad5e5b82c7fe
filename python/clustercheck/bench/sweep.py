"""Throughput by stepping the open-loop rate: the highest rate whose p95 meets the objective with few
errors and whose completions kept up with the offered rate, stopping at the first step that misses.

A configured list of rates is only where the search starts: when its top rate still meets the
objective, the rate keeps rising (by `growth`, up to `max_rate`) until a step misses. Reaching the
bound first is reported as not saturated: the capacity is at least the best rate, not that rate.
With `refine`, steps between the last rate that met the objective and the first that missed narrow the
capacity down (each halves the gap on a log scale), so a run-to-run comparison (baselines) is not
blind to anything less than one `growth` step.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterator

from clustercheck.bench import engine, stats

# Completions below this share of the offered rate: the server did not keep up (saturated).
KEPT_UP = 0.95


def verdict(summary: dict[str, Any], p95_ms: float, max_error_rate: float) -> str:
    if not summary["kept_schedule"]:
        # Latency counts from the scheduled send, so a late generator adds at most its lag to it. When
        # the p95 less the lag p99 still misses the objective, the server missed it whatever the
        # generator did (on two shared cores a saturated server also slows the generator down).
        lag = (summary.get("schedule_lag_ms") or {}).get("p99", 0.0)
        if summary["latency_ms"]["p95"] - lag > p95_ms:
            return "slow"
        return "generator-limited"
    if summary["error_rate"] > max_error_rate:
        return "errors"
    if not summary["latency_ms"]["p95"] <= p95_ms:
        return "slow"
    target = summary.get("target_rate")
    if summary.get("mode") == "open" and target and summary["throughput"] < KEPT_UP * target:
        return "short"  # the server completed less than it was offered
    return "ok"


def _levels(rates: list[float], growth: float, max_rate: float | None) -> Iterator[tuple[float, bool]]:
    """The open-loop rates to try, each with whether it goes past the configured list."""
    for r in rates:
        yield r, False
    if not max_rate or growth <= 1 or not rates or rates[-1] >= max_rate:
        return
    r = rates[-1]
    while r < max_rate:
        r = min(max_rate, round(r * growth, 2))
        yield r, True


def run(
    base: engine.LoadSpec,
    rates: list[float],
    p95_ms: float,
    max_error_rate: float,
    on_step: Callable[[dict[str, Any]], None] | None = None,
    concurrencies: list[int] | None = None,
    growth: float = 1.5,
    max_rate: float | None = None,
    refine: int = 0,
) -> dict[str, Any]:
    """Step open-loop RATES (then on, up to MAX_RATE) or closed-loop CONCURRENCIES until a step misses."""
    steps: list[dict[str, Any]] = []
    best = 0.0
    saturated = False
    stopped = "all steps met the objective"
    if concurrencies:
        plan = [(dataclasses.replace(base, mode="closed", concurrency=c), False) for c in concurrencies]
    else:
        plan = [(dataclasses.replace(base, mode="open", rate=r), extra) for r, extra in _levels(rates, growth, max_rate)]

    def step(spec: engine.LoadSpec, extra: bool) -> dict[str, Any]:
        records, workers = engine.run(spec)
        summary = stats.summarize(spec, records, workers)
        summary["verdict"] = verdict(summary, p95_ms, max_error_rate)
        summary["beyond_configured"] = extra
        summary.pop("histogram_ms", None)
        steps.append(summary)
        if on_step:
            on_step(summary)
        return summary

    good = 0.0
    for spec, extra in plan:
        level = spec.rate if spec.mode == "open" else spec.concurrency
        summary = step(spec, extra)
        if summary["verdict"] != "ok":
            if spec.mode == "open" and summary["verdict"] != "generator-limited" and good:
                best = max(best, _refine(step, spec, good, spec.rate, refine))
            stopped = f"{summary['verdict']} at {level:g} " + ("req/s" if spec.mode == "open" else "in flight")
            # Only a server that missed the objective is saturated; a generator that could not produce
            # the rate says nothing about the server.
            saturated = summary["verdict"] != "generator-limited"
            break
        best = max(best, summary["throughput"])
        good = spec.rate if spec.mode == "open" else good
    else:
        if plan and plan[-1][0].mode == "open" and max_rate:
            stopped = f"bound reached: at least {best:g} req/s (not saturated at inference.sweep.max_rate {max_rate:g})"
    return {"p95_objective_ms": p95_ms, "max_error_rate": max_error_rate, "steps": steps, "max_rate": best,
            "stopped": stopped, "saturated": saturated, "bound": max_rate}


def _refine(step: Callable[[engine.LoadSpec, bool], dict[str, Any]], spec: engine.LoadSpec, good: float,
            bad: float, times: int) -> float:
    """Rates between GOOD (met the objective) and BAD (missed): the best throughput of those that met it."""
    best = 0.0
    for _ in range(times):
        mid = round((good * bad) ** 0.5, 2)
        if not good < mid < bad:
            break
        summary = step(dataclasses.replace(spec, rate=mid), True)
        summary["refine"] = True
        if summary["verdict"] == "ok":
            good, best = mid, max(best, summary["throughput"])
        elif summary["verdict"] == "generator-limited":
            break
        else:
            bad = mid
    return best
