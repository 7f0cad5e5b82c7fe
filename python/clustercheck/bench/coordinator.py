"""What a coordinator makes of its workers' reports (clustercheck.bench.worker): one run's figures in the
shape a single-process run has (clustercheck.bench.stats.summarize), from the workers' histograms merged,
with each worker's share and where it ran, and the workers whose result cannot be used, each with why.

A worker reports the arrivals it was given and sent, its achieved rate, its schedule lag (how late it
sent, p99) and its clock's offset from the coordinator's with the round trip it was measured over. A
worker that fell behind its schedule, or whose start is known less well than the lag bound (half its
clock's round trip; the offset itself is corrected for), measured a different load than the one asked
for: its result is refused, and with it the run's (`kept_schedule` false).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from clustercheck.bench import arrivals
from clustercheck.bench.histogram import Histogram
from clustercheck.bench.recorder import METRICS, goodput, token_figures

QUANTILES = (0.5, 0.9, 0.95, 0.99, 0.999)


def refusals(reports: list[dict[str, Any]], lag_bound_ms: float) -> list[str]:
    """One line per worker whose result cannot be used, naming it and what it showed."""
    out = []
    for r in reports:
        name = f"{r.get('worker', '?')} ({r['host']})" if r.get("host") else r.get("worker", "?")
        lag = float(r.get("schedule_lag_p99_ms", 0.0))
        half = float(r.get("clock_rtt_ms", 0.0)) / 2
        if r.get("clock_error"):
            out.append(f"worker {name}: {r['clock_error']}")
        if r.get("sent", 0) < r.get("scheduled", 0):
            out.append(f"worker {name}: sent {r['sent']} of its {r['scheduled']} arrivals")
        if lag > lag_bound_ms:
            out.append(f"worker {name}: fell behind its schedule (lag p99 {lag:g} ms, bound {lag_bound_ms:g} ms)")
        # the offset is corrected for; what it cannot correct is how well it was measured (rtt / 2)
        if half > lag_bound_ms:
            out.append(f"worker {name}: its clock was measured over a {2 * half:g} ms round trip, so its start is "
                       f"known only to {half:g} ms (bound {lag_bound_ms:g} ms)")
    return out


def merged_histograms(reports: list[dict[str, Any]]) -> dict[str, Histogram]:
    out = {m: Histogram() for m in METRICS}
    for r in reports:
        for m, data in r.get("histograms", {}).items():
            out[m].merge(Histogram.from_dict(data))
    return out


def distribution(h: Histogram) -> dict[str, float]:
    """p50 .. p99.9 and max of a merged histogram, in milliseconds (empty: nothing). Four decimals (0.1 us):
    at three, rounding alone adds up to 0.5 % to a 0.1 ms figure, as much as the histogram's own bound."""
    if not h.count:
        return {}
    out = {f"p{q * 100:g}": round(h.quantile(q) * 1000, 4) for q in QUANTILES}
    out["max"] = round(h.high * 1000, 4)
    return out


def buckets_ms(h: Histogram, most: int = 40) -> list[list[float]]:
    """[upper bound ms, count] for the report's latency plot, merged to at most MOST bars."""
    rows = h.buckets()
    step = max(1, -(-len(rows) // most))
    out = []
    for i in range(0, len(rows), step):
        part = rows[i:i + step]
        out.append([round(part[-1][0] * 1000, 3), sum(n for _, n in part)])
    return out


def _series(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sent: Counter = Counter()
    ok: Counter = Counter()
    for r in reports:
        for t, s, k in r.get("series", []):
            sent[t] += s
            ok[t] += k
    return [{"t": t, "sent": sent[t], "ok": ok[t], "errors": sent[t] - ok[t], "p50_ms": None, "p95_ms": None}
            for t in sorted(sent)]


def merge(reports: list[dict[str, Any]], plan: dict[str, Any], lag_bound_ms: float) -> dict[str, Any]:
    """The run's figures from every worker's report; PLAN is what was asked of them."""
    if not reports:
        raise ValueError("no worker reports")
    s = plan["spec"]
    duration = float(s["duration_s"])
    h = merged_histograms(reports)
    measured = sum(int(r.get("measured", 0)) for r in reports)
    ok = sum(int(r.get("ok", 0)) for r in reports)
    errors: Counter = Counter()
    for r in reports:
        errors.update(r.get("errors", {}))
    achieved = sum(int(r.get("sent_in_window", 0)) for r in reports) / duration
    refused = refusals(reports, lag_bound_ms)
    if len(reports) < int(plan["workers"]):
        have = {int(r.get("worker", -1)) for r in reports}
        missing = [str(k) for k in range(int(plan["workers"])) if k not in have]
        refused.insert(0, f"worker(s) {', '.join(missing)} sent no report")
    due = arrivals.in_window(s["arrival"], float(s["rate"]), float(s["warmup_s"]), duration, int(s.get("seed", 1)),
                             float(s["burstiness"]), int(s["max_requests"]))
    lag = h["lag_s"]
    out: dict[str, Any] = {
        "mode": "open",
        "arrival": s["arrival"],
        "target_rate": float(s["rate"]),
        "concurrency": None,
        "duration_s": duration,
        "warmup_s": float(s["warmup_s"]),
        "workers": int(plan["workers"]),
        "placement": plan.get("placement", ""),
        "requests": measured,
        "ok": ok,
        "errors": dict(errors),
        "error_rate": round((measured - ok) / measured, 4) if measured else 1.0,
        "achieved_rate": round(achieved, 2),
        "throughput": round(ok / duration, 2),
        "latency_ms": distribution(h["latency_s"]),
        "failed_counted_at_ms": round(float(s["timeout_s"]) * 1000, 3) if "timeout_s" in s else None,
        "service_time_ms": distribution(h["service_s"]),
        "relative_error": h["latency_s"].accuracy,
        "histogram_ms": buckets_ms(h["latency_s"]),
        "series": _series(reports),
        "schedule_lag_ms": {"p50": round(lag.quantile(0.5) * 1000, 3) if lag.count else 0.0,
                            "p99": round(lag.quantile(0.99) * 1000, 3) if lag.count else 0.0,
                            "max": round(lag.high * 1000, 3) if lag.count else 0.0, "bound": lag_bound_ms},
        "share": {str(r.get("worker")): int(r.get("sent", 0)) for r in reports},
        "hosts": {str(r.get("worker")): r.get("host", "") for r in reports},
        "clock_offset_ms": {str(r.get("worker")): r.get("clock_offset_ms", 0.0) for r in reports},
        "achieved_rate_by_worker": {str(r.get("worker")): r.get("achieved_rate", 0.0) for r in reports},
        "schedule_lag_p99_ms_by_worker": {str(r.get("worker")): r.get("schedule_lag_p99_ms", 0.0) for r in reports},
        "start_late_ms": {str(r.get("worker")): r.get("start_late_ms", 0.0) for r in reports},
        "peak_rss_mib": {str(r.get("worker")): r.get("peak_rss_mib") for r in reports},
        "refused": refused,
    }
    out["scheduled_in_window"] = due
    # the schedule's own count of arrivals in the window, not rate x duration (a Poisson draw has fewer)
    out["kept_schedule"] = bool(measured) and not refused and achieved * duration >= 0.99 * due
    if h["ttft_s"].count:
        out["ttft_ms"] = distribution(h["ttft_s"])
        out["tpot_ms"] = distribution(h["tpot_s"])
        out["itl_ms"] = distribution(h["itl_s"])
        streams = sum(int(r.get("streams", 0)) for r in reports) or h["ttft_s"].count
        out.update(token_figures(sum(int(r.get("tokens", 0)) for r in reports), streams,
                                 sum(int(r.get("usage_counted", 0)) for r in reports), duration))
    slo = next((r["slo"] for r in reports if r.get("slo")), {})
    if slo:
        out["goodput"] = goodput(slo, sum(int(r.get("good", 0)) for r in reports), measured, duration)
    return out
