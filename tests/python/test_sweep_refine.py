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
