"""A load run's summary as facts: the one way `clustercheck bench run` and the inference checks print it
(key, value), and the keys that can come out (KEYS, for the commands' declarations)."""

from __future__ import annotations

from typing import Any, Iterator

SCALARS = ("mode", "workers", "where", "requests", "ok", "achieved_rate", "throughput", "error_rate", "kept_schedule",
           "tokens_per_request", "output_tokens_per_s", "tokens_counted_by")
GROUPS = ("latency_ms", "service_time_ms", "schedule_lag_ms", "ttft_ms", "tpot_ms", "itl_ms", "goodput", "share", "hosts",
          "achieved_rate_by_worker", "schedule_lag_p99_ms_by_worker", "clock_offset_ms", "merge_error")
KEYS = (*SCALARS, "shares", *(f"{g}.*" for g in GROUPS), "repeats.*.mean", "repeats.*.ci95", "repeats.*.worst",
        "errors.*", "refused")


def facts(summary: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(key, value) of SUMMARY: the scalars it has (streams only: tokens), each worker's host and share of
    the arrivals, every group's members, each repeated figure's mean, 95 % interval and worst run, the
    errors by kind and why the result was refused."""
    for key in SCALARS:
        if key in summary:
            yield key, summary[key]
    if summary.get("hosts"):  # placed workers
        yield "shares", ", ".join(f"worker {k} on {summary['hosts'][k]}: {n}" for k, n in summary["share"].items())
    for group in GROUPS:
        for k, v in (summary.get(group) or {}).items():
            if isinstance(v, dict):  # the SLOs: "e2e_ms <= 100, ttft_ms <= 50"
                v = ", ".join(f"{name} <= {bound:g}" for name, bound in v.items())
            yield f"{group}.{k}", v
    for name, r in (summary.get("repeats") or {}).items():
        yield f"repeats.{name}.mean", r["mean"]
        yield f"repeats.{name}.ci95", r["ci95"]
        yield f"repeats.{name}.worst", r["worst"]
    for k, v in summary["errors"].items():
        yield f"errors.{k}", v
    if summary.get("refused"):
        yield "refused", "; ".join(summary["refused"])
