"""What the cloud and HPC clusters ask of the host at their peak, against what the host has.

GPUs are exclusive: of the VMs sharing a GPU only one runs at a time, so the peak counts the largest
of them once; VMs without a GPU all run. Two VMs that both start with their cluster and want the same
GPU can never run together - that is a shortfall too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from clustercheck.config import defaults


@dataclass
class Demand:
    vcpus: int = 0
    memory_mib: int = 0
    gpus: set[str] = field(default_factory=set)
    by_cluster: dict[str, tuple[int, int]] = field(default_factory=dict)
    start_conflicts: list[str] = field(default_factory=list)


def clusters(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    if cfg.get("cloud_vm"):
        out.append(cfg["cloud_vm"]["cluster"])
    if (cfg.get("hpc") or {}).get("cluster"):
        out.append(cfg["hpc"]["cluster"])
    return out


def demand(cfg: dict[str, Any]) -> Demand:
    d = Demand()
    sharers: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for cluster in clusters(cfg):
        vcpus = mem = 0
        for vm in cluster["vms"]:
            if vm.get("gpu"):
                sharers.setdefault(vm["gpu"], []).append((cluster["name"], vm))
            else:
                vcpus += vm["vcpus"]
                mem += vm["memory_mib"]
        d.by_cluster[cluster["name"]] = (vcpus, mem)
        d.vcpus += vcpus
        d.memory_mib += mem
    for pci, vms in sorted(sharers.items()):
        d.gpus.add(pci)
        d.vcpus += max(vm["vcpus"] for _, vm in vms)
        d.memory_mib += max(vm["memory_mib"] for _, vm in vms)
        at_start = [vm['name'] for _c, vm in vms if vm.get("autostart", True)]
        if len(at_start) > 1:
            d.start_conflicts.append(f"GPU {pci} is wanted at start by {' and '.join(at_start)}")
    return d


def host_gpus(cfg: dict[str, Any], sys_pci: str = "/sys/bus/pci/devices") -> set[str]:
    """Declared GPUs this host has: simulated ones always, real ones when their PCI device exists."""
    found = set()
    for cluster in clusters(cfg):
        for gpu in cluster.get("gpus", []):
            if gpu.get("simulated") or os.path.exists(os.path.join(sys_pci, gpu["pci"])):
                found.add(gpu["pci"])
    return found


def host_memory_mib(meminfo: str = "/proc/meminfo") -> int:
    with open(meminfo, encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise OSError(f"{meminfo} has no MemTotal line")


def shortfalls(cfg: dict[str, Any], cpus: int, memory_mib: int, gpus: set[str]) -> tuple[list[tuple[Any, ...]], list[str]]:
    """(facts, problems): one fact per resource (resource, needed, available, detail), and one line per
    shortfall naming what is missing."""
    res = defaults.of("hpc.resources", (cfg.get("hpc") or {}).get("resources"))
    overcommit = float(res["cpu_overcommit"])
    reserve = int(res["memory_reserve_mib"])
    d = demand(cfg)
    cpu_cap = int(cpus * overcommit)
    mem_cap = memory_mib - reserve
    split = ", ".join(f"{name} {v} vCPU / {m} MiB without GPU VMs" for name, (v, m) in d.by_cluster.items())
    facts = [
        ("vcpus", d.vcpus, cpu_cap, f"{cpus} CPUs x overcommit {overcommit:g}"),
        ("memory_mib", d.memory_mib, mem_cap, f"{memory_mib} MiB less a {reserve} MiB reserve"),
        ("gpus", len(d.gpus), len(gpus & d.gpus), " ".join(sorted(d.gpus)) or "-"),
        ("clusters", split),
    ]
    problems = []
    if d.vcpus > cpu_cap:
        problems.append(f"CPUs: the clusters need {d.vcpus} vCPUs at their peak, the host allows {cpu_cap} ({cpus} CPUs x overcommit {overcommit:g})")
    if d.memory_mib > mem_cap:
        problems.append(f"memory: the clusters need {d.memory_mib} MiB at their peak, the host has {mem_cap} MiB ({memory_mib} MiB less a {reserve} MiB reserve)")
    missing = sorted(d.gpus - gpus)
    if missing:
        problems.append(f"GPUs: {', '.join(missing)} configured but not on this host (no such PCI device)")
    problems += d.start_conflicts
    return facts, problems
