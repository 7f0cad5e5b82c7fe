"""How often a load run that kept its schedule exactly is refused, by the rule before issue 38 (achieved
rate at least 0.99 x the nominal rate) and by today's (the schedule's own arrivals in the window sent),
over seeded Poisson and gamma(0.5) schedules; and what a refused run does to a repeated run's mean.
Simulated (every arrival sent on time, answered in 5 ms): no server, seconds.
Usage: .venv/bin/python bench/kept_schedule.py [--seeds 40] [--rate 200] [--duration 10]
"""

from __future__ import annotations

import argparse
from typing import Any

from clustercheck.bench import engine, measure, stats


def kept_runs(kind: str, rate: float, duration: float, seeds: int) -> tuple[int, int]:
    """(refused by the old rule, refused by today's) of SEEDS exactly kept runs."""
    old = new = 0
    for seed in range(1, seeds + 1):
        spec = engine.LoadSpec(url="http://x", request=None, rate=rate, duration_s=duration, warmup_s=0.0,  # type: ignore[arg-type]
                               arrival=kind, burstiness=0.5, seed=seed)
        records = [(t, t, t + 0.005, 200, -1.0, 0) for t in engine.schedule(spec, 0, 1)]
        got = stats.summarize(spec, records, 1)
        old += got["achieved_rate"] < 0.99 * rate
        new += not got["kept_schedule"]
    return old, new


def repeated_with_a_refused_run() -> dict[str, Any]:
    def run(p95: float, kept: bool) -> dict[str, Any]:
        return {"latency_ms": {"p95": p95}, "kept_schedule": kept, "refused": [], "achieved_rate": 150.0,
                "scheduled_in_window": 2000, "duration_s": 10.0, "schedule_lag_ms": {"p99": 400.0, "bound": 10.0}}

    runs = iter([run(5.0, True), run(6.0, True), run(400.0, False)])
    return measure.repeated(engine.LoadSpec(url="http://x", request=None), lambda spec: next(runs), 3)  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--duration", type=float, default=10.0)
    a = ap.parse_args()
    for kind in ("poisson", "gamma"):
        old, new = kept_runs(kind, a.rate, a.duration, a.seeds)
        print(f"{kind:8s} at {a.rate:g} req/s for {a.duration:g} s, kept exactly: refused in {old} of {a.seeds} seeds "
              f"by the nominal-rate rule, {new} of {a.seeds} by the schedule's own count")
    got = repeated_with_a_refused_run()
    print(f"repeat 3, p95 5, 6 and 400 ms, the last run refused: the mean of 137 ms is "
          f"{'averaged in' if got['repeats'] else 'not reported'}; kept_schedule {got['kept_schedule']}; "
          f"refused: {'; '.join(got['refused'])}")


if __name__ == "__main__":
    main()
