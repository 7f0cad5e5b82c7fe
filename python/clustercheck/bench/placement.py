"""Where a load run's workers go, from `bench run --on` or from the target config
(inference.load.distributed), with what the scheduler needs: the SLURM partition, the nodes' Python
and the directory they share with this host (hpc.slurm), or the cluster (kubernetes) and the image."""

from __future__ import annotations

import socket
from typing import Any

from clustercheck.bench.distributed import Placement
from clustercheck.config import resolve
from clustercheck.errors import UserError


def _coordinator_address(data: dict[str, Any], given: str | None, on: str) -> str:
    """Where the workers reach this host: as configured, else the local SLURM or Kubernetes cluster's bridge
    address, else this host's own name's address (processes on this host: the loopback)."""
    if given:
        return given
    if on == "host":
        return "127.0.0.1"
    local = data.get("hpc", {}).get("local", {})
    if on == "slurm" and local.get("controller_address"):
        return str(local["controller_address"])
    kube_local = (data.get("kubernetes") or {}).get("local", {})
    if on == "kubernetes" and kube_local.get("apiserver_address"):
        return str(kube_local["apiserver_address"])
    return socket.gethostbyname(socket.gethostname())


def _scheduler(p: Placement, data: dict[str, Any], path: str) -> Placement:
    if p.on == "slurm":
        slurm = data.get("hpc", {}).get("slurm")
        if not slurm:
            raise UserError(f"config error: {path}: hpc.slurm: is missing (workers on slurm need its partition)")
        p.partition, p.work_dir = slurm["partition"], slurm["work_dir"]
        p.slurm_conf = slurm.get("conf", "")
        p.reservation, p.qos = slurm.get("reservation", ""), slurm.get("qos", "")
        p.python = slurm.get("python") or p.python
    elif p.on == "kubernetes":
        kube = data.get("kubernetes")
        if not kube or not kube.get("kubeconfig"):
            raise UserError(f"config error: {path}: kubernetes.kubeconfig: is missing (workers on kubernetes need a cluster)")
        p.kube = kube
    return p


def from_inference(cfg: dict[str, Any]) -> Placement | None:
    """The placement an inference section (config.resolve.inference) asks for, or None: this host."""
    s = cfg["_schedulers"]
    return from_config(s["path"], {"inference": cfg, "hpc": s["hpc"], "kubernetes": s["kubernetes"]},
                       slo_of(cfg["objectives"]))


def from_config(path: str, data: dict[str, Any], slo: dict[str, float]) -> Placement | None:
    """inference.load.distributed of the target, or None where it places no workers."""
    load_cfg = data["inference"]["load"]
    d = load_cfg["distributed"]
    if d["runs_on"] == "none":
        return None
    p = Placement(on=d["runs_on"], workers=int(d["workers"]), tasks_per_node=int(d["tasks_per_node"]),
                  start_lead_s=float(d["start_lead_s"]), slo=slo,
                  image=d["image"], host_network=bool(d["host_network"]))
    p.coordinator_address = _coordinator_address(data, d.get("coordinator_address"), p.on)
    return _scheduler(p, data, path)


def slo_of(objectives: dict[str, Any]) -> dict[str, float]:
    """inference.objectives.goodput's SLOs, in seconds."""
    g = objectives.get("goodput", {})
    return {f"{k}_s": float(g[f"{k}_ms"]) / 1000 for k in ("ttft", "tpot", "e2e") if g.get(f"{k}_ms") is not None}


def from_options(on: str | None, workers: int, tasks_per_node: int, config: str | None, coordinator: str | None,
                 start_lead: float, slo: dict[str, float], keep_raw: bool) -> Placement | None:
    """`bench run --on ...`: None runs here, as before."""
    if not on:
        return None
    p = Placement(on=on, workers=workers, tasks_per_node=tasks_per_node, start_lead_s=start_lead,
                  slo=slo, keep_raw=keep_raw)
    data = resolve.whole(config) if config else {}
    if on != "host" and not config:
        raise UserError(f"--on {on} needs --config: the target's " + ("hpc.slurm" if on == "slurm" else "kubernetes") + " section")
    p.coordinator_address = _coordinator_address(data, coordinator, on)
    if data.get("inference", {}).get("load", {}).get("distributed", {}).get("image"):
        p.image = data["inference"]["load"]["distributed"]["image"]
    return _scheduler(p, data, config or "")
