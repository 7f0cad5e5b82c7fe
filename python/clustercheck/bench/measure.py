"""One measured load run, from this process's workers or from workers placed by a scheduler
(clustercheck.bench.distributed) - the same figures either way - and repeated runs with a confidence
interval on what they measured."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from clustercheck.bench import distributed, engine, stats
from clustercheck.bench.coordinator import QUANTILES
from clustercheck.bench.distributed import Placement
from clustercheck.bench.histogram import nearest_rank
from clustercheck.bench.recorder import Slo
from clustercheck.errors import UserError

Measure = Callable[[engine.LoadSpec], dict[str, Any]]
# the figures repeated runs report with an interval: (name, path into the summary)
REPEATED = (("latency_p50_ms", ("latency_ms", "p50")), ("latency_p95_ms", ("latency_ms", "p95")),
            ("latency_p99_ms", ("latency_ms", "p99")), ("throughput", ("throughput",)),
            ("ttft_p50_ms", ("ttft_ms", "p50")), ("tpot_p50_ms", ("tpot_ms", "p50")),
            ("goodput_share", ("goodput", "share")))


def measurer(placement: Placement | None, slo: dict[str, float]) -> Measure:
    """How a run is measured: here (PLACEMENT None) or by the placed workers; goodput against SLO (seconds
    per request: ttft_s, tpot_s, e2e_s) either way."""
    def here(spec: engine.LoadSpec) -> dict[str, Any]:
        records, workers = engine.run(spec)
        summary = stats.summarize(spec, records, workers)
        if slo:
            summary["goodput"] = stats.goodput(spec, records, Slo(**slo))
        summary["where"] = f"{workers} process(es) on this host"
        return summary

    if placement is None or placement.on == "none":
        return here
    placement.slo = slo

    def placed(spec: engine.LoadSpec) -> dict[str, Any]:
        try:
            return distributed.run(spec, placement)
        except (RuntimeError, ValueError) as exc:  # no clock, no worker reported, a bad placement
            raise UserError(f"load workers ({placement.where()}): {exc}") from None

    return placed


def _at(summary: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = summary
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return float(value) if isinstance(value, (int, float)) else None


def refusal(summary: dict[str, Any]) -> str:
    """Why a run's figures cannot be used ('' when they can): its workers' refusals, or the schedule the
    generator did not keep."""
    if summary.get("refused"):
        return "; ".join(summary["refused"])
    if not summary.get("kept_schedule", True):
        lag = summary.get("schedule_lag_ms") or {}
        return (f"the generator did not keep its schedule (sent {summary.get('achieved_rate')} req/s of "
                f"{summary.get('scheduled_in_window', '?')} arrivals in {summary.get('duration_s')} s, lag p99 "
                f"{lag.get('p99')} ms of at most {lag.get('bound')} ms)")
    return ""


def repeated(spec: engine.LoadSpec, measure: Measure, times: int) -> dict[str, Any]:
    """The last run's figures, with `repeats`: each figure's mean and 95 % interval over TIMES runs, and
    every run's own figures (`repeats.runs`) so each is judged. A run that was refused is never averaged
    in: the result is refused, naming the run."""
    # each run its own draw of the arrivals (constant ones are the same whatever the seed)
    runs = [measure(dataclasses.replace(spec, seed=spec.seed + i)) for i in range(times)]
    out = dict(runs[-1])
    if times > 1:
        refused = [f"run {i + 1} of {times}: {why}" for i, why in enumerate(refusal(r) for r in runs) if why]
        out["refused"] = refused
        out["kept_schedule"] = not refused
        out["repeats"] = {}
        if not refused:
            for name, path in REPEATED:
                values = [v for v in (_at(r, path) for r in runs) if v is not None]
                if len(values) == times:
                    out["repeats"][name] = {**stats.confidence(values), "worst": max(values) if name.endswith("_ms")
                                            else min(values)}
        out["repeats_kept_schedule"] = times - len(refused)
    return out


def merge_error(raw_s: list[float], merged_ms: dict[str, float]) -> dict[str, float]:
    """Test mode: each merged percentile's relative error against the exact figure of all raw latencies."""

    exact = sorted(raw_s)
    out = {}
    for q in QUANTILES:  # the quantile itself: float("99.9") / 100 is a rank off at some counts
        key = f"p{q * 100:g}"
        if key in merged_ms and exact:
            want = nearest_rank(exact, q) * 1000
            out[key] = round(abs(merged_ms[key] - want) / want, 5) if want else 0.0
    return out
