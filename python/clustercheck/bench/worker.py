"""One worker of a distributed load run (`clustercheck bench worker`): reads the run's plan, measures its
clock against the coordinator's, sends its share of the one schedule from the announced common start,
and reports what it kept (histograms and counts, clustercheck.bench.recorder) as one JSON line on
stdout and, with an output directory, in DIR/worker-K.json.

Its index K comes from the option, else from the scheduler that placed it: SLURM_PROCID (srun) or
JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
"""

from __future__ import annotations

import json
import os
import resource
import socket
import sys
import time
from pathlib import Path
from typing import Any, Iterator

from clustercheck.bench import engine, timesync
from clustercheck.bench.protocols import Request
from clustercheck.bench.recorder import Recorder, Slo

INDEX_VARIABLES = ("SLURM_PROCID", "JOB_COMPLETION_INDEX")


def index_from_env() -> int | None:
    for name in INDEX_VARIABLES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return None


def spec_of(plan: dict[str, Any]) -> engine.LoadSpec:
    s = plan["spec"]
    req = Request(s["method"], s["path"], s["body"].encode(), bool(s["stream"]), s["protocol"])
    return engine.LoadSpec(url=s["url"], request=req, mode="open", rate=float(s["rate"]), arrival=s["arrival"],
                           duration_s=float(s["duration_s"]), warmup_s=float(s["warmup_s"]),
                           timeout_s=float(s["timeout_s"]), max_requests=int(s["max_requests"]), workers=1,
                           seed=int(s["seed"]), headers=dict(s["headers"]), burstiness=float(s["burstiness"]))


def share(plan: dict[str, Any], index: int) -> Iterator[float]:
    """This worker's send times: arrivals INDEX, INDEX + N, ... of the run's one schedule, drawn as sent."""
    return engine.share(spec_of(plan), index, int(plan["workers"]))


def run(plan: dict[str, Any], index: int) -> dict[str, Any]:
    workers = int(plan["workers"])
    if not 0 <= index < workers:
        raise ValueError(f"worker index {index} is outside 0..{workers - 1}")
    spec = spec_of(plan)
    scheduled = sum(1 for _ in share(plan, index))  # counted once, then drawn again as sent
    report: dict[str, Any] = {"worker": index, "host": socket.gethostname(), "scheduled": scheduled}
    # test mode: this worker's clock reads SKEW ahead of the host's; its clock answers come back DELAY late
    skew = float(plan.get("test_clock_skew_s", {}).get(str(index), 0.0))
    delay = float(plan.get("test_clock_delay_s", {}).get(str(index), 0.0))

    def clock() -> float:
        return time.time() + skew

    try:
        off, rtt = timesync.offset(plan["clock_url"], clock=clock, delay_s=delay) if plan.get("clock_url") else (0.0, 0.0)
    except OSError as exc:
        report["clock_error"] = f"the coordinator's clock at {plan['clock_url']} did not answer: {exc}"
        off, rtt = 0.0, 0.0
    report["clock_offset_ms"] = round(off * 1000, 3)
    report["clock_rtt_ms"] = round(rtt * 1000, 3)
    # the announced start is on the coordinator's clock: ours reads start - offset then
    t0 = time.monotonic() + (float(plan["start"]) - off - clock())
    report["start_late_ms"] = round(max(0.0, time.monotonic() - t0) * 1000, 3)
    rec = Recorder(spec.warmup_s, spec.duration_s, Slo(**plan.get("slo", {})), bool(plan.get("keep_raw")),
                   failed_at_s=spec.timeout_s)
    sent = [0]

    def sink(record: engine.Record) -> None:
        sent[0] += 1
        rec.add(record)

    began = time.monotonic()
    engine.run_share(spec, share(plan, index), t0, sink)
    report["sent"] = sent[0]
    report["wall_s"] = round(time.monotonic() - began, 3)
    lag = rec.hists["lag_s"]
    report["schedule_lag_p99_ms"] = round(lag.quantile(0.99) * 1000, 3) if lag.count else 0.0
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report.update(rec.report())
    return report


def main(plan_file: str, index: int | None, out_dir: str | None) -> int:
    plan = json.loads(Path(plan_file).read_text())
    k = index if index is not None else index_from_env()
    if k is None:
        raise ValueError(f"no worker index: give --index or run under srun ({' or '.join(INDEX_VARIABLES)})")
    report = run(plan, k)
    line = json.dumps(report, separators=(",", ":"))
    if out_dir:
        path = Path(out_dir) / f"worker-{k}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(line + "\n")
        tmp.replace(path)
    sys.stdout.write(line + "\n")
    return 0
