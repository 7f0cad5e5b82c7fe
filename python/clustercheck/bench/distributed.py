"""A load run from several workers placed by the cluster's own scheduler: SLURM (`srun -N N`, one worker
per node in the target's partition), a Kubernetes Indexed Job (clustercheck.bench.k8s_workers), or
processes on this host (for a machine with no scheduler, and for tests).

The coordinator writes the run's plan (the load, the worker count, a common start announced ahead on its
own clock, the URL of that clock), serves its clock while the run lasts, starts the workers through the
scheduler, collects their reports and merges them (clustercheck.bench.coordinator). Nothing else is
orchestrated: the scheduler places the workers, and each worker derives its share of the one schedule
from the plan and its index.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clustercheck.bench import coordinator, engine, k8s_workers, stats, timesync
from clustercheck.proc import TimeoutExpired
from clustercheck.proc import run as run_command
from clustercheck.proc import run_all

PLACEMENTS = ("host", "slurm", "kubernetes")


@dataclass
class Placement:
    on: str = "host"
    workers: int = 2
    tasks_per_node: int = 1
    start_lead_s: float = 5.0
    coordinator_address: str = "127.0.0.1"
    slo: dict[str, float] = field(default_factory=dict)  # ttft_s / tpot_s / e2e_s
    keep_raw: bool = False  # test mode: workers keep every latency, to prove the merge
    # SLURM
    partition: str = ""
    python: str = sys.executable
    work_dir: str = ""
    slurm_conf: str = ""
    reservation: str = ""  # hpc.slurm.reservation / qos: where the site runs acceptance jobs
    qos: str = ""
    # Kubernetes
    kube: dict[str, Any] = field(default_factory=dict)  # the target's kubernetes section
    image: str = "clustercheck:latest"
    host_network: bool = False  # the worker pods use their node's network
    test_clock_skew_s: dict[str, float] = field(default_factory=dict)  # test mode: worker -> its clock ahead by
    test_clock_delay_s: dict[str, float] = field(default_factory=dict)  # test mode: worker -> its clock answers late by

    def where(self) -> str:
        if self.on == "slurm":
            per = f", {self.tasks_per_node} per node" if self.tasks_per_node > 1 else ""
            return f"{self.workers} SLURM job steps in partition {self.partition}{per}"
        if self.on == "kubernetes":
            return f"{self.workers} pods of a Kubernetes Indexed Job"
        return f"{self.workers} processes on this host"


def plan(spec: engine.LoadSpec, placement: Placement, start: float, clock_url: str) -> dict[str, Any]:
    """What every worker reads: the load, how many share it, when it starts (coordinator's clock)."""
    r = spec.request
    return {
        "version": 1,
        "placement": placement.on,
        "workers": placement.workers,
        "start": start,
        "clock_url": clock_url,
        "slo": placement.slo,
        "keep_raw": placement.keep_raw,
        "test_clock_skew_s": placement.test_clock_skew_s,
        "test_clock_delay_s": placement.test_clock_delay_s,
        "spec": {"url": spec.url, "method": r.method, "path": r.path, "body": r.body.decode(), "stream": r.stream,
                 "protocol": r.protocol, "headers": spec.headers, "rate": spec.rate, "arrival": spec.arrival,
                 "burstiness": spec.burstiness, "seed": spec.seed, "duration_s": spec.duration_s,
                 "warmup_s": spec.warmup_s, "timeout_s": spec.timeout_s, "max_requests": spec.max_requests},
    }


def worker_command(python: str, plan_file: str, out_dir: str | None) -> list[str]:
    cmd = [python, "-m", "clustercheck", "bench", "worker", "--plan", plan_file]
    return cmd + (["--out", out_dir] if out_dir else [])


def srun_command(p: Placement, plan_file: str, out_dir: str, time_limit_min: int, job_name: str) -> list[str]:
    """One worker per node (or tasks_per_node), the nodes chosen by SLURM in the target's partition. A busy
    cluster is not waited for past the start lead (--immediate): workers placed later would start late."""
    nodes = -(-p.workers // p.tasks_per_node)
    return ["srun", "-p", p.partition, "-N", str(nodes), "-n", str(p.workers),
            f"--ntasks-per-node={p.tasks_per_node}", "--kill-on-bad-exit=1", f"--time={time_limit_min}",
            f"--immediate={max(1, int(p.start_lead_s))}", f"--job-name={job_name}",
            *([f"--reservation={p.reservation}"] if p.reservation else []), *([f"--qos={p.qos}"] if p.qos else []),
            *worker_command(p.python, plan_file, out_dir)]


def _last_line(text: str | None) -> str:
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def _launch_host(p: Placement, plan_file: str, out_dir: str, limit_s: float) -> tuple[int, str]:
    done = run_all([[*worker_command(p.python, plan_file, out_dir), "--index", str(k)] for k in range(p.workers)],
                   timeout=limit_s)
    said = [f"worker {k}: {_last_line(d.stderr) or f'exit {d.returncode}'}" for k, d in enumerate(done) if d.returncode]
    return next((d.returncode for d in done if d.returncode), 0), "; ".join(said)


def _launch_slurm(p: Placement, plan_file: str, out_dir: str, limit_s: float) -> tuple[int, str]:
    env = dict(os.environ)
    if p.slurm_conf:
        env["SLURM_CONF"] = p.slurm_conf
    job = f"cc-load-{os.path.basename(os.path.dirname(plan_file))}"
    cmd = srun_command(p, plan_file, out_dir, max(1, int(limit_s // 60) + 1), job)
    finished = False
    try:
        done = run_command(cmd, timeout=limit_s + 30, env=env)
        finished = True
    except TimeoutExpired:
        return 124, f"srun did not finish within {limit_s + 30:.0f} s"
    except OSError as exc:
        raise RuntimeError(f"cannot run srun: {exc.strerror or exc} (Debian: slurm-client)") from None
    finally:
        if not finished:  # killed or interrupted: the step must not outlive us
            run_command(["scancel", "--quiet", f"--name={job}"], timeout=10, env=env, check=False)
    lines = [ln for ln in (done.stderr or "").splitlines() if ln.strip()]
    return done.returncode, " ".join(lines[-2:])[:400]


def run(spec: engine.LoadSpec, p: Placement) -> dict[str, Any]:
    """The run's merged figures (stats.summarize's keys, plus where the workers ran and each one's share)."""
    if p.on not in PLACEMENTS:
        raise ValueError(f"workers run on one of {', '.join(PLACEMENTS)}, got {p.on!r}")
    if p.on == "slurm" and not (p.partition and p.work_dir):
        raise ValueError("SLURM workers need hpc.slurm.partition and hpc.slurm.work_dir")
    base = p.work_dir if p.on == "slurm" else None
    if base:
        Path(base).mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="cc-load-", dir=base)
    previous = _exit_on_term()
    try:
        os.chmod(tmp, 0o777)  # the scheduler may run the workers as another user
        out_dir = os.path.join(tmp, "reports")
        os.mkdir(out_dir)
        os.chmod(out_dir, 0o777)
        limit = p.start_lead_s + spec.warmup_s + spec.duration_s + spec.timeout_s + 60
        with timesync.Server(p.coordinator_address) as clock:
            the_plan = plan(spec, p, time.time() + p.start_lead_s, clock.url)
            plan_file = os.path.join(tmp, "plan.json")
            Path(plan_file).write_text(json.dumps(the_plan))
            if p.on == "kubernetes":
                reports, rc, said = k8s_workers.run(p, the_plan, limit)
            else:
                rc, said = (_launch_slurm if p.on == "slurm" else _launch_host)(p, plan_file, out_dir, limit)
                reports = [json.loads(f.read_text()) for f in sorted(Path(out_dir).glob("worker-*.json"))]
        if not reports:
            raise RuntimeError(f"no worker reported (exit {rc}){': ' + said if said else ''}")
        summary = coordinator.merge(reports, the_plan, stats.lag_bound_ms(spec))
        summary["where"] = p.where()
        if rc and said:
            summary["refused"].append(f"the workers' launch ended with exit {rc}: {said}")
            summary["kept_schedule"] = False
        if p.keep_raw:
            summary["raw_latency_s"] = [v for r in reports for v in r.get("raw_latency_s", [])]
        return summary
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _exit_on_term() -> Any:
    """SIGTERM (the runner's timeout or an interrupted run) unwinds the run, so its plan directory is removed
    and its SLURM step cancelled; the previous handler, or None off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
