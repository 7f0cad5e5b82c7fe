"""One node's GPU acceptance probe: NVML's passive facts before and after, sampled through the active
measurements, XIDs watched all along, and the kernel log's XID lines; written as one JSON record that
the checks judge (clustercheck.gpunode.judge). One process per node measures everything, so torch and
CUDA start once, not once per check."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from clustercheck.gpunode import active, kernel_log
from clustercheck.gpunode.nvml_probe import Nvml, Watch, health, inventory, sample

PROBE_VERSION = 1


def run(node: str, skip_active: str, memtest_fraction: float, xid_lookback_s: float, hold_s: float = 0.0) -> dict[str, Any]:
    """The probe record of this node; SKIP_ACTIVE says why the active measurements do not run (empty:
    they do). Raises RuntimeError when NVML cannot answer at all."""
    t0 = time.perf_counter()
    record: dict[str, Any] = {"version": PROBE_VERSION, "node": node or socket.gethostname(),
                              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                              "simulated": bool(os.environ.get("CC_NVML_SIM"))}
    nv = Nvml()
    try:
        facts, gpus = inventory(nv)
        record.update(facts)
        before = [health(nv, h) for h in nv.handles]
        idle = [sample(nv, h) for h in nv.handles]
        watch = Watch(nv).start()
        try:
            record["active"] = {"skipped": skip_active} if skip_active else _active(watch, gpus, memtest_fraction)
            if hold_s and "skipped" in record["active"]:
                time.sleep(hold_s)  # with no active phase the probe still watches XIDs and samples a while
        finally:
            watch.stop()
        after = [health(nv, h) for h in nv.handles]
        for i, g in enumerate(gpus):
            g["before"], g["after"], g["idle"] = before[i], after[i], idle[i]
            g["samples"] = watch.samples[i]
            per_gpu = record["active"].get("gpus", {})
            if str(g["index"]) in per_gpu:  # keyed by NVML index (active.cuda_ordinals)
                g["active"] = per_gpu[str(g["index"])]
        record["gpus"] = gpus
        record["xid"] = {"nvml": watch.xid_watch, "events": watch.xids, "kernel_log": kernel_log.read(xid_lookback_s)}
    finally:
        nv.close()
    record["seconds"] = round(time.perf_counter() - t0, 3)
    return record


def _active(watch: Watch, gpus: list[dict[str, Any]], memtest_fraction: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    torch, why = active.available()
    if torch is None:
        return {"skipped": why}
    started = round(time.perf_counter() - t0, 3)

    def phase(name: str) -> None:
        watch.phase = name

    out: dict[str, Any] = {"torch": torch.__version__, "import_s": started, "gpus": {}}
    count = len(gpus)
    ordinals = active.cuda_ordinals(torch, gpus)
    for g in gpus:
        if g["index"] in ordinals:
            out["gpus"][str(g["index"])] = active.measure_gpu(torch, g["index"], memtest_fraction, phase, ordinals[g["index"]])
        else:
            out["gpus"][str(g["index"])] = {"error": f"no CUDA device has its UUID {g.get('uuid')} or bus id {g.get('pci_bus_id')}: not measured"}
    if count >= 2:
        phase("nccl")
        try:
            out["nccl"] = active.nccl_allreduce(count)
        except Exception as exc:  # a failed collective is a finding, judged by check-gpu-nccl
            out["nccl"] = {"error": f"{exc.__class__.__name__}: {exc}"}
    else:
        out["nccl"] = {"skipped": "one GPU on this node: no intra-node all-reduce to measure"}
    phase("passive")
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out
