"""The pieces that let load come from several workers (issue 30): a mergeable histogram within its
stated error of the exact percentiles, one schedule dealt out without losing or doubling an arrival,
and the coordinator refusing a late or skewed worker."""

from __future__ import annotations

import random
import statistics
import sys

import pytest

from clustercheck.bench import arrivals, coordinator
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


def _report(worker: str, values: list[float], **kw: float) -> dict:
    base = {"worker": worker, "scheduled": len(values), "sent": len(values), "ok": len(values),
            "achieved_rate": 50.0, "schedule_lag_p99_ms": 1.0, "clock_offset_ms": 0.5,
            "latency_s": Histogram().extend(values).to_dict()}
    return {**base, **kw}


def test_the_coordinator_merges_and_names_each_share() -> None:
    rng = random.Random(8)
    a, b = [rng.uniform(0.01, 0.02) for _ in range(500)], [rng.uniform(0.01, 0.02) for _ in range(300)]
    run = coordinator.merge([_report("cn01", a), _report("cn02", b)], lag_bound_ms=10)
    assert run["refused"] == [] and run["requests"] == 800 and run["share"] == {"cn01": 500, "cn02": 300}
    assert run["achieved_rate"] == 100.0
    exact = sorted(a + b)
    assert abs(run["latency_ms"]["p99"] - 1000 * nearest_rank(exact, 0.99)) <= 0.01 * 1000 * nearest_rank(exact, 0.99)


def test_a_late_or_skewed_worker_is_refused_with_the_reason() -> None:
    ok = _report("cn01", [0.01] * 10)
    late = _report("cn02", [0.01] * 10, schedule_lag_p99_ms=40.0)
    skewed = _report("cn03", [0.01] * 10, clock_offset_ms=-25.0)
    short = _report("cn04", [0.01] * 10, sent=7)
    refused = coordinator.merge([ok, late, skewed, short], lag_bound_ms=10)["refused"]
    assert refused == ["worker cn02: fell behind its schedule (lag p99 40 ms, bound 10 ms)",
                       "worker cn03: its clock is 25 ms off the coordinator's (bound 10 ms)",
                       "worker cn04: sent 7 of its 10 arrivals"]
