#!/usr/bin/env python3
"""The figures of bench/distributed-load.sh (issue 30), on a local SLURM cluster it set up: the highest
open-loop rate kept by 1, 2 and 4 placed workers, each held to a CPU quota (a small load host); merged
p50/p99 beside a single-process run of the same total rate on the same server, alternating; the merge's
error against every raw latency; each worker's peak memory over a short and a long run.

  distributed_load.py --config CFG --url URL --quota-python WRAPPER [--counts 1,2,4] [--rates ...]
                      [--compare-rate R] [--memory-rate R] [--memory-durations 60,600]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from clustercheck.bench import distributed, engine, placement, protocols, stats
from clustercheck.bench.measure import merge_error


def spec(url: str, rate: float, duration: float) -> engine.LoadSpec:
    return engine.LoadSpec(url=url, request=protocols.predict_request("mlflow", "m", [[5.1, 3.5, 1.4, 0.2]]),
                           rate=rate, duration_s=duration, warmup_s=0.5, max_requests=10_000_000)


def kept(s: dict, rate: float) -> bool:
    return bool(s["kept_schedule"]) and s["throughput"] >= 0.99 * rate and s["error_rate"] <= 0.01


def placed(config: str, workers: int, python: str | None = None, keep_raw: bool = False) -> distributed.Placement:
    p = placement.from_options("slurm", workers, 1, config, None, 3.0, {}, keep_raw)
    assert p is not None
    if python:
        p.python = python
    return p


def highest_kept(args: argparse.Namespace, workers: int) -> tuple[float, str]:
    """Rates in turn until one is missed twice (a busy machine misses one step now and then)."""
    best, why = 0.0, "every rate kept"
    p = placed(args.config, workers, args.quota_python)
    for rate in args.rates:
        results = [distributed.run(spec(args.url, rate, 3.0), p)]
        if not kept(results[0], rate):
            results.append(distributed.run(spec(args.url, rate, 3.0), p))
        good = [s for s in results if kept(s, rate)]
        if not good:
            s = results[-1]
            why = (f"{rate:g} req/s missed: " + ("; ".join(s["refused"]) if s["refused"] else
                   f"throughput {s['throughput']}, errors {s['error_rate']}"))
            break
        best = rate
    return best, why


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--quota-python", required=True)
    ap.add_argument("--counts", default="1,2,4")
    ap.add_argument("--rates", default="500,1000,1500,2000,3000,4000,6000,8000,12000")
    ap.add_argument("--compare-rate", type=float, default=2000)
    ap.add_argument("--memory-rate", type=float, default=500)
    ap.add_argument("--memory-durations", default="60,600")
    ap.add_argument("--skip", default="", help="parts to leave out: rates,compare,memory")
    args = ap.parse_args()
    args.rates = [float(r) for r in args.rates.split(",")]
    skip = set(args.skip.split(","))

    if "rates" not in skip:
        print("1. highest rate kept (schedule kept, 99 % answered, under 1 % errors), each worker one SLURM node,"
              " held to the CPU quota:")
        for n in (int(c) for c in args.counts.split(",")):
            best, why = highest_kept(args, n)
            print(f"   {n} worker(s): {best:g} req/s   ({why})", flush=True)

    if "compare" not in skip:
        print(f"2. one process on this host, 2 worker processes here (merged) and 2 SLURM workers on the nodes (merged,"
              f" no quota), {args.compare_rate:g} req/s, 5 s each, in turn; 3. the merge's error against every raw latency:")
        for i in range(3):
            one = spec(args.url, args.compare_rate, 5.0)
            records, used = engine.run(dataclasses.replace(one, workers=1))
            single = stats.summarize(one, records, used)
            here = distributed.run(one, distributed.Placement(on="host", workers=2, start_lead_s=3.0, keep_raw=True))
            merged = distributed.run(one, placed(args.config, 2, keep_raw=True))
            errors = []
            for m in (here, merged):
                raw = sorted(m.pop("raw_latency_s"))
                errors.append(max(merge_error(raw, m["latency_ms"]).values()))
            print(f"   round {i + 1}: p50 / p99 ms: one process {single['latency_ms']['p50']:.3f} / {single['latency_ms']['p99']:.3f}"
                  f" | 2 workers here {here['latency_ms']['p50']:.3f} / {here['latency_ms']['p99']:.3f}"
                  f" | 2 SLURM workers {merged['latency_ms']['p50']:.3f} / {merged['latency_ms']['p99']:.3f}"
                  f" (kept: {single['kept_schedule']}/{here['kept_schedule']}/{merged['kept_schedule']})"
                  f" | merge error max {100 * errors[0]:.3f} % / {100 * errors[1]:.3f} % over p50..p99.9"
                  f" of {here['ok']} / {merged['ok']} latencies", flush=True)

    if "memory" not in skip:
        print(f"4. peak memory per worker (2 SLURM workers, {args.memory_rate:g} req/s):")
        for d in (float(x) for x in args.memory_durations.split(",")):
            s = distributed.run(spec(args.url, args.memory_rate, d), placed(args.config, 2))
            print(f"   {d:g} s, {s['requests']} requests: peak RSS {s['peak_rss_mib']} MiB (kept: {s['kept_schedule']})",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
