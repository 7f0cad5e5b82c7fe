"""What a load run measured: latency distributions, achieved rate, schedule lag, errors by class and
per-second series, from every request's record (no averaging away of the tail)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

from clustercheck.bench import arrivals
from clustercheck.bench.engine import ERROR_NAMES, LoadSpec, Record
from clustercheck.bench.recorder import Slo
from clustercheck.bench.recorder import goodput as goodput_summary
from clustercheck.bench.recorder import token_figures, tpot

PERCENTILES = (50, 90, 95, 99)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (exact: every sample is kept)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def distribution(values_s: list[float]) -> dict[str, float]:
    """p50/p90/p95/p99/max and mean, in milliseconds."""
    ordered = sorted(values_s)
    out = {f"p{p}": round(percentile(ordered, p) * 1000, 3) for p in PERCENTILES}
    out["max"] = round(ordered[-1] * 1000, 3) if ordered else math.nan
    out["mean"] = round(sum(ordered) / len(ordered) * 1000, 3) if ordered else math.nan
    return out


def histogram(values_s: list[float], buckets: int = 40) -> list[list[float]]:
    """[upper bound ms, count] over log-spaced buckets: the shape of the latency distribution."""
    ms = [v * 1000 for v in values_s if v > 0]
    if not ms:
        return []
    lo, hi = max(min(ms), 0.01), max(ms)
    if hi <= lo:
        return [[round(hi, 3), len(ms)]]
    ratio = (hi / lo) ** (1 / buckets)
    bounds = [lo * ratio ** (i + 1) for i in range(buckets)]
    counts = [0] * buckets
    for v in ms:
        i = min(buckets - 1, max(0, int(math.log(v / lo) / math.log(ratio)))) if v > lo else 0
        counts[i] += 1
    return [[round(b, 3), c] for b, c in zip(bounds, counts)]


def classify(status: int) -> str:
    return "ok" if 200 <= status < 300 else ERROR_NAMES.get(status, f"http_{status}")


def summarize(spec: LoadSpec, records: list[Record], workers: int) -> dict[str, Any]:
    """The run's figures; `kept_schedule` says whether the generator produced the load it was asked for."""
    start = spec.warmup_s
    measured = [r for r in records if r[0] >= start]
    ok = [r for r in measured if 200 <= r[3] < 300]
    # Open loop: response time from the scheduled send (a late send is the server's queue, as in wrk2);
    # closed loop: from the actual send.
    origin = 0 if spec.mode == "open" else 1
    # a failed or timed-out request stays in the latency distribution, at the timeout at least: under
    # overload the tail is what users waited, not what the survivors did (k6's http_req_duration)
    latencies = [r[2] - r[origin] if 200 <= r[3] < 300 else max(r[2] - r[origin], spec.timeout_s) for r in measured]
    service = [r[2] - r[1] for r in ok]
    lags = sorted(max(0.0, r[1] - r[0]) for r in measured) if spec.mode == "open" else []
    errors = Counter(classify(r[3]) for r in measured if not 200 <= r[3] < 300)
    sent_in_window = sum(1 for r in measured if r[1] < start + spec.duration_s)
    achieved = sent_in_window / spec.duration_s
    out: dict[str, Any] = {
        "mode": spec.mode,
        "arrival": spec.arrival if spec.mode == "open" else "",
        "target_rate": spec.rate if spec.mode == "open" else None,
        "concurrency": spec.concurrency if spec.mode == "closed" else None,
        "duration_s": spec.duration_s,
        "warmup_s": spec.warmup_s,
        "workers": workers,
        "requests": len(measured),
        "ok": len(ok),
        "errors": dict(errors),
        "error_rate": round((len(measured) - len(ok)) / len(measured), 4) if measured else 1.0,
        "achieved_rate": round(achieved, 2),
        "throughput": round(len(ok) / spec.duration_s, 2),
        "latency_ms": distribution(latencies),
        "failed_counted_at_ms": round(spec.timeout_s * 1000, 3),
        "service_time_ms": distribution(service),
        "histogram_ms": histogram(latencies),
        "series": series(measured, start, spec.mode),
    }
    if spec.mode == "open":
        out["schedule_lag_ms"] = {
            "p50": round(percentile(lags, 50) * 1000, 3) if lags else 0.0,
            "p99": round(percentile(lags, 99) * 1000, 3) if lags else 0.0,
            "max": round(lags[-1] * 1000, 3) if lags else 0.0,
            "bound": lag_bound_ms(spec),
        }
        # Kept: the schedule's own arrivals in the window sent (within 1 %: a send due in the window's
        # last moments may leave just after it), and sends (p99) late by less than the lag bound.
        due = scheduled_in_window(spec)
        out["scheduled_in_window"] = due
        out["kept_schedule"] = bool(measured) and sent_in_window >= 0.99 * due and (
            out["schedule_lag_ms"]["p99"] <= out["schedule_lag_ms"]["bound"]
        )
    else:
        out["kept_schedule"] = True
    streams = [r for r in ok if r[4] >= 0]
    if streams:
        out["ttft_ms"] = distribution([r[4] for r in streams])
        # TPOT: per request, the time after the first token over the tokens after it; ITL: every gap
        # between two text chunks - the same meanings as the placed workers' (clustercheck.bench.recorder)
        out["tpot_ms"] = distribution([t for t in (tpot(r[1], r[2], r[4], r[5]) for r in streams) if t is not None])
        out["itl_ms"] = distribution([g for r in streams for g in (r[7] if len(r) > 7 else ())])  # type: ignore[misc]
        out.update(token_figures(sum(r[5] for r in streams), len(streams),
                                 sum(1 for r in streams if len(r) > 6 and r[6]), spec.duration_s))  # type: ignore[misc]
    return out


def lag_bound_ms(spec: LoadSpec) -> float:
    """How late (p99) sends may leave and the run still count as the load asked for: the mean gap
    between two sends, and never less than 10 ms. A send late by less than one gap keeps the offered
    pattern (order and spacing within one slot), and latency counts from the scheduled time, so the
    lateness shows in the figures instead of hiding in them. At 20 req/s that is 50 ms - what a busy
    2-core machine can hold; at 1,000 req/s it stays 10 ms."""
    return round(max(10.0, 1000.0 / spec.rate), 3) if spec.rate else 10.0


def scheduled_in_window(spec: LoadSpec) -> int:
    """The arrivals the run's one schedule puts in the measured window (clustercheck.bench.arrivals)."""
    return arrivals.in_window(spec.arrival, spec.rate, spec.warmup_s, spec.duration_s, spec.seed, spec.burstiness,
                              spec.max_requests)



def series(records: list[Record], start: float, mode: str) -> list[dict[str, Any]]:
    """Per second of the measured window: requests sent, answered ok, errors, p50 and p95 latency."""
    by_second: dict[int, list[Record]] = defaultdict(list)
    for r in records:
        by_second[int(r[0] - start)].append(r)
    out = []
    origin = 0 if mode == "open" else 1
    for second in sorted(by_second):
        rows = by_second[second]
        lat = sorted(r[2] - r[origin] for r in rows if 200 <= r[3] < 300)
        out.append(
            {
                "t": second,
                "sent": len(rows),
                "ok": len(lat),
                "errors": len(rows) - len(lat),
                "p50_ms": round(percentile(lat, 50) * 1000, 3) if lat else None,
                "p95_ms": round(percentile(lat, 95) * 1000, 3) if lat else None,
            }
        )
    return out


def goodput(spec: LoadSpec, records: list[Record], slo: Slo) -> dict[str, Any]:
    """Requests of the measured window that answered and met every SLO set (TTFT, TPOT, end to end)."""
    measured = [r for r in records if r[0] >= spec.warmup_s]
    origin = 0 if spec.mode == "open" else 1
    good = 0
    for r in measured:
        if not 200 <= r[3] < 300:
            continue
        good += slo.met(r[2] - r[origin], r[4], tpot(r[1], r[2], r[4], r[5]))
    return goodput_summary(slo.to_dict(), good, len(measured), spec.duration_s)


# Student's t, two-sided 95 %, by degrees of freedom (1..30); past 30 the normal's 1.96 is within 4 %.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042)


def confidence(values: list[float]) -> dict[str, Any]:
    """Mean of repeated runs' figures and the half-width of its 95 % confidence interval (t-distribution);
    one run has no interval."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return {"mean": round(mean, 3), "ci95": None, "runs": values}
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    t = _T95[n - 2] if n - 1 <= len(_T95) else 1.96
    return {"mean": round(mean, 3), "ci95": round(t * sd / math.sqrt(n), 3), "runs": values}
