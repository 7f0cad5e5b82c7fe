"""The pieces that let load come from several workers (issue 30): a mergeable histogram within its
stated error of the exact percentiles, one schedule dealt out without losing or doubling an arrival,
and the coordinator refusing a late or skewed worker."""

from __future__ import annotations

import json
import math
import random
import statistics
import sys

import pytest

from clustercheck.bench import arrivals, coordinator
from clustercheck.bench.recorder import Recorder, Slo
from clustercheck.bench.histogram import Histogram, nearest_rank

QUANTILES = (0.5, 0.9, 0.95, 0.99, 0.999)


def _within(workers: list[list[float]], tolerance: float = 0.01) -> None:
    merged = Histogram()
    for values in workers:
        merged.merge(Histogram().extend(values))
    exact = sorted(v for values in workers for v in values)
    assert merged.count == len(exact)
    for q in QUANTILES:
        want, got = nearest_rank(exact, q), merged.quantile(q)
        assert abs(got - want) <= tolerance * want, f"p{q * 100:g}: merged {got}, exact {want}"


def test_random_latencies_from_four_workers() -> None:
    rng = random.Random(7)
    _within([[rng.lognormvariate(-4, 0.6) for _ in range(20_000)] for _ in range(4)])


def test_heavy_tails() -> None:
    rng = random.Random(11)
    _within([[0.002 * rng.paretovariate(1.1) for _ in range(30_000)] for _ in range(3)])


def test_one_worker_empty() -> None:
    rng = random.Random(3)
    _within([[rng.uniform(0.001, 0.05) for _ in range(10_000)], []])


def test_workers_over_different_ranges() -> None:
    rng = random.Random(5)
    fast = [rng.uniform(0.0005, 0.002) for _ in range(15_000)]
    slow = [rng.uniform(0.5, 3.0) for _ in range(5_000)]
    _within([fast, slow])


def test_merging_in_any_order_and_through_json_gives_the_same_counts() -> None:
    rng = random.Random(9)
    parts = [Histogram().extend(rng.expovariate(50) for _ in range(2_000)) for _ in range(3)]
    a = Histogram().merge(parts[0]).merge(parts[1]).merge(parts[2])
    b = Histogram().merge(Histogram.from_dict(parts[2].to_dict())).merge(parts[0]).merge(parts[1])
    assert a.to_dict() == b.to_dict()


def test_the_bound_can_fail_a_too_coarse_histogram() -> None:
    """The check is real: a 10 % histogram misses the 1 % bound on the same data."""
    rng = random.Random(7)
    values = [rng.lognormvariate(-4, 0.6) for _ in range(20_000)]
    coarse = Histogram(accuracy=0.1).extend(values)
    exact = sorted(values)
    assert any(abs(coarse.quantile(q) - nearest_rank(exact, q)) > 0.01 * nearest_rank(exact, q) for q in QUANTILES)


def test_memory_is_bounded_by_the_range_not_the_length() -> None:
    rng = random.Random(1)
    h = Histogram()
    for n in (10_000, 200_000):
        h.extend(rng.uniform(1e-4, 10.0) for _ in range(n))
        buckets = len(h.counts)
    # 1e-4 .. 10 s at 0.5 %: ln(1e5) / ln(1.01005) = 1151 buckets at most, however many values
    assert buckets <= 1152 and h.count == 210_000
    assert sys.getsizeof(h.counts) < 200_000


def test_merging_histograms_of_different_accuracy_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot merge"):
        Histogram().merge(Histogram(accuracy=0.01))


@pytest.mark.parametrize("kind", arrivals.KINDS)
@pytest.mark.parametrize("workers", [1, 2, 3, 4, 7])
def test_the_split_loses_and_doubles_no_arrival(kind: str, workers: int) -> None:
    times = arrivals.schedule(kind, 200.0, 10.0, seed=4, burstiness=0.5)
    shares = arrivals.split(times, workers)
    dealt = sorted(t for share in shares for t in share)
    assert dealt == sorted(times) and len(dealt) == len(times)
    assert max(map(len, shares)) - min(map(len, shares)) <= 1


@pytest.mark.parametrize("kind,burstiness", [("constant", 1.0), ("poisson", 1.0), ("gamma", 0.25), ("gamma", 4.0)])
def test_the_mean_rate_is_the_rate(kind: str, burstiness: float) -> None:
    times = arrivals.schedule(kind, 100.0, 200.0, seed=2, burstiness=burstiness)
    assert abs(len(times) / 200.0 - 100.0) <= 5.0


def test_burstiness_below_one_is_burstier_than_poisson() -> None:
    def cv(burstiness: float) -> float:
        t = arrivals.schedule("gamma", 100.0, 200.0, seed=3, burstiness=burstiness)
        gaps = [b - a for a, b in zip(t, t[1:])]
        return statistics.pstdev(gaps) / statistics.fmean(gaps)

    assert cv(0.25) > 1.5 > cv(1.0) > 0.8 > cv(4.0)


def _report(worker: int, values: list[float], **kw: object) -> dict:
    """A worker's report as bench/worker.py writes it, from latencies of requests that all answered."""
    rec = Recorder(warmup_s=0.0, duration_s=10.0)
    for i, v in enumerate(values):
        rec.add((i * 0.01, i * 0.01 + 0.0005, i * 0.01 + v, 200, -1.0, 0))
    base = {"worker": worker, "host": f"cn0{worker + 1}", "scheduled": len(values), "sent": len(values),
            "schedule_lag_p99_ms": 1.0, "clock_offset_ms": 0.5, **rec.report()}
    return {**base, **kw}


PLAN = {"workers": 2, "placement": "slurm",
        "spec": {"rate": 80.0, "arrival": "constant", "burstiness": 1.0, "duration_s": 10.0, "warmup_s": 0.0, "max_requests": 10_000}}


def test_the_coordinator_merges_and_names_each_share() -> None:
    rng = random.Random(8)
    a, b = [rng.uniform(0.01, 0.02) for _ in range(500)], [rng.uniform(0.01, 0.02) for _ in range(300)]
    run = coordinator.merge([_report(0, a), _report(1, b)], PLAN, lag_bound_ms=10)
    assert run["refused"] == [] and run["requests"] == 800 and run["share"] == {"0": 500, "1": 300}
    assert run["hosts"] == {"0": "cn01", "1": "cn02"} and run["kept_schedule"] is True
    assert run["achieved_rate_by_worker"] == {"0": 50.0, "1": 30.0}  # each one's sends in the 10 s window
    assert run["schedule_lag_p99_ms_by_worker"] == {"0": 1.0, "1": 1.0}
    assert run["achieved_rate"] == 80.0 and run["throughput"] == 80.0 and run["error_rate"] == 0.0
    exact = sorted(a + b)
    for q in (0.5, 0.9, 0.95, 0.99):
        want = 1000 * nearest_rank(exact, q)
        assert abs(run["latency_ms"][f"p{q * 100:g}"] - want) <= 0.01 * want


def test_a_late_skewed_short_or_silent_worker_is_refused_with_the_reason() -> None:
    ok = _report(0, [0.01] * 10)
    late = _report(1, [0.01] * 10, schedule_lag_p99_ms=40.0)
    skewed = _report(2, [0.01] * 10, clock_offset_ms=-30.0, clock_rtt_ms=1.0)  # off, but corrected for
    vague = _report(6, [0.01] * 10, clock_offset_ms=0.2, clock_rtt_ms=200.0)
    short = _report(3, [0.01] * 10, sent=7)
    deaf = _report(4, [0.01] * 10, clock_error="the coordinator's clock at http://10.99.0.1:1/time did not answer")
    run = coordinator.merge([ok, late, skewed, short, deaf, vague], {**PLAN, "workers": 7}, lag_bound_ms=10)
    assert run["refused"] == ["worker(s) 5 sent no report",
                              "worker 1 (cn02): fell behind its schedule (lag p99 40 ms, bound 10 ms)",
                              "worker 3 (cn04): sent 7 of its 10 arrivals",
                              "worker 4 (cn05): the coordinator's clock at http://10.99.0.1:1/time did not answer",
                              "worker 6 (cn07): its clock was measured over a 200 ms round trip, so its start is known "
                              "only to 100 ms (bound 10 ms)"]
    assert run["kept_schedule"] is False
    assert coordinator.merge([ok], {**PLAN, "workers": 1}, 10)["refused"] == []


def test_streams_give_ttft_tpot_itl_and_goodput_against_the_slos() -> None:
    rec = Recorder(warmup_s=0.0, duration_s=1.0, slo=Slo(ttft_s=0.05, tpot_s=0.012))
    # (scheduled, sent, done, status, ttft, tokens, counted by the server, gaps): 11 tokens, 10 gaps each
    rec.add((0.0, 0.0, 0.04 + 0.1, 200, 0.04, 11, True, [0.01] * 10))   # meets both
    rec.add((0.1, 0.1, 0.1 + 0.08 + 0.1, 200, 0.08, 11, True, [0.01] * 10))  # TTFT missed
    rec.add((0.2, 0.2, 0.2 + 0.03 + 0.2, 200, 0.03, 11, False, [0.02] * 10))  # TPOT missed
    rec.add((0.3, 0.3, 0.5, 503, -1.0, 0))  # failed: never good
    run = coordinator.merge([{"worker": 0, "scheduled": 4, "sent": 4, **rec.report()}],
                            {**PLAN, "workers": 1, "spec": {**PLAN["spec"], "duration_s": 1.0}}, 10)
    assert run["goodput"] == {"slo_ms": {"ttft_ms": 50.0, "tpot_ms": 12.0}, "good": 1, "share": 0.25, "rate": 1.0}
    assert abs(run["ttft_ms"]["p50"] - 40.0) <= 0.4 and abs(run["tpot_ms"]["p99"] - 20.0) <= 0.2
    assert abs(run["itl_ms"]["p50"] - 10.0) <= 0.1 and run["tokens_per_request"] == 11.0
    assert run["errors"] == {"http_503": 1} and run["error_rate"] == 0.25
    assert run["tokens_counted_by"] == "the server's usage for 2 of 3 streams, text chunks for the rest"


def test_a_worker_keeps_no_record_its_memory_follows_the_seconds_not_the_requests() -> None:
    rng = random.Random(2)
    small, large = Recorder(0.0, 60.0), Recorder(0.0, 60.0)
    for rec, n in ((small, 3_000), (large, 300_000)):
        for i in range(n):
            t = i * 60.0 / n
            rec.add((t, t, t + rng.lognormvariate(-5, 1), 200, -1.0, 0))
    size = lambda r: len(json.dumps(r.report()))  # noqa: E731
    # 100 times the requests: a few more buckets reached in the tails, bounded by the range of values
    assert large.measured == 300_000 and size(large) < 2 * size(small) < 100_000
    h = large.hists["latency_s"]
    assert len(h.counts) <= math.log(h.high / h.low) / math.log((1 + h.accuracy) / (1 - h.accuracy)) + 2


def test_repeated_runs_report_a_confidence_interval() -> None:
    from clustercheck.bench import stats

    got = stats.confidence([10.0, 12.0, 11.0, 13.0])
    # mean 11.5, sample sd 1.291, t(3) = 3.182: half-width 2.054
    assert got["mean"] == 11.5 and got["ci95"] == 2.054
    assert stats.confidence([5.0])["ci95"] is None


@pytest.mark.parametrize("kind", arrivals.KINDS)
def test_a_workers_share_drawn_as_it_is_sent_is_its_split_of_the_schedule(kind: str) -> None:
    whole = arrivals.schedule(kind, 300.0, 5.0, seed=4, burstiness=0.5)
    for k, part in enumerate(arrivals.split(whole, 3)):
        assert list(arrivals.share(kind, 300.0, 5.0, 4, 0.5, 1_000_000, k, 3)) == part
