"""The throughput sweep's refinement: after the first miss, steps between the last good rate and the
missed one narrow the capacity down (a simulated server of known capacity; no network)."""

from __future__ import annotations

from typing import Any

import pytest

from clustercheck.bench import engine, stats, sweep


@pytest.fixture
def server_of_capacity(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(capacity: float) -> list[float]:
        offered: list[float] = []

        def fake_run(spec: engine.LoadSpec) -> tuple[list[Any], int]:
            offered.append(spec.rate)
            return [], 1

        def fake_summary(spec: engine.LoadSpec, records: Any, workers: Any) -> dict[str, Any]:
            ok = spec.rate <= capacity
            return {"kept_schedule": True, "error_rate": 0.0, "mode": "open", "target_rate": spec.rate,
                    "throughput": spec.rate if ok else capacity, "latency_ms": {"p95": 5.0 if ok else 900.0},
                    "schedule_lag_ms": {"p99": 0.0}}

        monkeypatch.setattr(engine, "run", fake_run)
        monkeypatch.setattr(stats, "summarize", fake_summary)
        return offered

    return install


def _spec() -> engine.LoadSpec:
    return engine.LoadSpec(url="http://127.0.0.1:1/", request=None)  # type: ignore[arg-type]


def test_without_refine_capacity_is_the_last_good_step(server_of_capacity: Any) -> None:
    offered = server_of_capacity(400)
    result = sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000)
    assert offered == [100, 200, 300, 450] and result["max_rate"] == 300


def test_refine_narrows_the_capacity_down(server_of_capacity: Any) -> None:
    offered = server_of_capacity(400)
    result = sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000, refine=2)
    # between 300 (met) and 450 (missed): 367.42 (met), then 406.62 (missed)
    assert offered == [100, 200, 300, 450, 367.42, 406.62]
    assert result["max_rate"] == 367.42 and result["saturated"]
    assert [s.get("refine", False) for s in result["steps"]] == [False] * 4 + [True] * 2


def test_refine_never_runs_without_a_good_step(server_of_capacity: Any) -> None:
    offered = server_of_capacity(50)
    result = sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000, refine=3)
    assert offered == [100] and result["max_rate"] == 0


@pytest.fixture
def scripted_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A server whose verdict at each rate follows a script (a list per rate, consumed in order; a rate
    without one meets the objective below CAPACITY and misses above)."""
    def install(capacity: float, script: dict[float, list[bool]]) -> list[float]:
        offered: list[float] = []

        def fake_run(spec: engine.LoadSpec) -> tuple[list[Any], int]:
            offered.append(spec.rate)
            return [], 1

        def fake_summary(spec: engine.LoadSpec, records: Any, workers: Any) -> dict[str, Any]:
            queue = script.get(spec.rate)
            ok = queue.pop(0) if queue else spec.rate <= capacity
            return {"kept_schedule": True, "error_rate": 0.0, "mode": "open", "target_rate": spec.rate,
                    "throughput": spec.rate if ok else spec.rate * 0.8,
                    "latency_ms": {"p95": 3.5 if ok else 570.0}, "schedule_lag_ms": {"p99": 0.0}}

        monkeypatch.setattr(engine, "run", fake_run)
        monkeypatch.setattr(stats, "summarize", fake_summary)
        return offered

    return install


def test_confirm_measures_both_sides_of_the_knee_again(scripted_server: Any) -> None:
    offered = scripted_server(400, {})
    result = sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000, confirm=3)
    # 450 missed twice (majority of 3 reached), then 300 met it a second time
    assert offered == [100, 200, 300, 450, 450, 300]
    assert result["max_rate"] == 300 and result["saturated"] and result["stopped"] == "slow at 450 req/s"
    assert result["knee"] == "300 req/s ok in 2 of 2 trial(s); 450 req/s slow in 2 of 2 trial(s)"
    assert result["spread"] == "300-300 req/s over 2 passing trial(s) at 300 req/s"


def test_a_lucky_step_at_the_edge_is_not_the_capacity(scripted_server: Any) -> None:
    # 450 is at the edge: it passed once (the capacity one step would report), then missed twice
    offered = scripted_server(400, {450: [True, False, False]})
    result = sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000, confirm=3)
    assert offered == [100, 200, 300, 450, 675, 675, 450, 450, 300]
    assert result["max_rate"] == 300 and result["stopped"] == "slow at 450 req/s"
    assert result["knee"] == "300 req/s ok in 2 of 2 trial(s); 450 req/s slow in 2 of 3 trial(s)"
    # one step alone decides otherwise: the lucky 450 is kept
    offered = scripted_server(400, {450: [True, False, False]})
    assert sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000)["max_rate"] == 450


def test_a_miss_that_does_not_hold_its_majority_does_not_stop_the_search(scripted_server: Any) -> None:
    offered = scripted_server(700, {450: [False, True, True]})
    result = sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000, confirm=3)
    assert offered[:7] == [100, 200, 300, 450, 450, 450, 675]
    assert result["max_rate"] == 675 and result["stopped"] == "slow at 1012.5 req/s"


def test_confirmed_refining_steps(scripted_server: Any) -> None:
    offered = scripted_server(400, {})
    result = sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000, refine=2, confirm=3)
    assert offered == [100, 200, 300, 450, 450, 300, 367.42, 367.42, 406.62, 406.62]
    assert result["max_rate"] == 367.42
    assert [s["trial"] for s in result["steps"]] == [1, 1, 1, 1, 2, 2, 1, 2, 1, 2]


def test_confirm_makes_a_noisy_edge_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server whose chance of meeting the objective falls from 1 to 0 between 300 and 700 req/s (0.5
    at 450, as on a busy machine): over 200 seeded sweeps each, the capacities found with confirm=3
    spread less than with one step per rate."""
    import random
    import statistics

    rng = random.Random(27)

    def chance(rate: float) -> float:
        return min(1.0, max(0.0, (700 - rate) / 400))

    monkeypatch.setattr(engine, "run", lambda spec: ([], 1))
    monkeypatch.setattr(stats, "summarize", lambda spec, records, workers: {
        "kept_schedule": True, "error_rate": 0.0, "mode": "open", "target_rate": spec.rate,
        "throughput": spec.rate, "schedule_lag_ms": {"p99": 0.0},
        "latency_ms": {"p95": 3.5 if rng.random() < chance(spec.rate) else 570.0}})

    def spread(confirm: int) -> float:
        found = [sweep.run(_spec(), [100, 200], 500, 0.01, max_rate=3000, refine=2, confirm=confirm)["max_rate"]
                 for _ in range(200)]
        return statistics.pstdev(found) / statistics.median(found)

    one, three = spread(1), spread(3)
    assert three < 0.8 * one, (one, three)
