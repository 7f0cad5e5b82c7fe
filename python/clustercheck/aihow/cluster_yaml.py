"""The platform's cluster YAML (`ai-how validate`'s format), read into what the harness needs per cluster.

VM names are derived exactly as ai-how derives them - they are also the libvirt domain names:
cloud `<cluster>-control-plane`, `<cluster>-gpu-worker-NN`, `<cluster>-cpu-worker-NN` (GPU and CPU
workers counted apart, in file order); HPC `<cluster>-controller`, `<cluster>-compute-NN`. The network
is `<cluster>-network` on the YAML's bridge, the storage pool `<cluster>-pool`.

What only this machine needs (libvirt URI, a kernel and initrd to boot directly, simulated GPUs, where
volumes live) sits under `global.clustercheck`, which ai-how's schema leaves open and ai-how ignores.
"""

from __future__ import annotations

import ipaddress
import os
import re
from typing import Any

from clustercheck import yamlfile
from clustercheck.errors import UserError

KINDS = ("cloud", "hpc")
# Derived names become libvirt domain names and shell values: keep them to what both accept.
NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$")


class ClusterYamlError(UserError):
    def __init__(self, path: str, key: str, problem: str) -> None:
        super().__init__(f"cluster config error: {path}: {key or '(top level)'}: {problem}")


def load_yaml(path: str) -> dict[str, Any]:
    data = yamlfile.read(path, ClusterYamlError)
    if not isinstance(data, dict) or not isinstance(data.get("clusters"), dict):
        raise ClusterYamlError(path, "clusters", "missing: not an ai-how cluster configuration")
    return data


def _need(node: Any, key: str, kind: type, path: str, where: str) -> Any:
    value = node.get(key) if isinstance(node, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        want = {int: "an integer", str: "a string", dict: "a mapping", list: "a list"}[kind]
        raise ClusterYamlError(path, f"{where}.{key}", f"must be {want}" if value is not None else "is missing")
    return value


def gpu_pcis(node: dict[str, Any]) -> list[str]:
    """The GPU functions a VM passes through (ai-how: pcie_passthrough enabled, device_type gpu)."""
    pcie = node.get("pcie_passthrough") or {}
    if not pcie.get("enabled"):
        return []
    return [d["pci_address"] for d in pcie.get("devices") or [] if d.get("device_type") == "gpu" and d.get("pci_address")]


def _vm(node: dict[str, Any], name: str, role: str, ip_key: str, path: str, where: str) -> dict[str, Any]:
    memory_gb = _need(node, "memory_gb", int, path, where)
    disk_gb = _need(node, "disk_gb", int, path, where)
    gpus = gpu_pcis(node)
    ip = _need(node, ip_key, str, path, where)
    try:
        ipaddress.IPv4Address(ip)
    except ValueError:
        raise ClusterYamlError(path, f"{where}.{ip_key}", f"{ip!r} is not an IPv4 address") from None
    return {
        "name": name,
        "role": role,
        "vcpus": _need(node, "cpu_cores", int, path, where),
        "memory_mib": memory_gb * 1024,
        "ip": ip,
        "gpu": gpus[0] if gpus else None,
        "autostart": node.get("auto_start", True) is not False,
        "disks": [{"name": "root", "size_mib": disk_gb * 1024}],
    }


def vm_nodes(kind: str, cluster: dict[str, Any], path: str) -> list[dict[str, Any]]:
    base = f"clusters.{kind}"
    name = _need(cluster, "name", str, path, base)
    if not NAME.match(name):
        raise ClusterYamlError(path, f"{base}.name", f"{name!r} is not allowed here (lower-case letters, digits and '-')")
    if kind == "cloud":
        cp = _need(cluster, "control_plane", dict, path, base)
        vms = [_vm(cp, f"{name}-control-plane", "controller", "ip_address", path, f"{base}.control_plane")]
        counters = {"gpu": 0, "cpu": 0}
        for i, worker in enumerate(_need(cluster, "worker_nodes", list, path, base)):
            kind_of = "gpu" if gpu_pcis(worker) else "cpu"
            counters[kind_of] += 1
            vms.append(_vm(worker, f"{name}-{kind_of}-worker-{counters[kind_of]:02d}", "worker", "ip", path,
                           f"{base}.worker_nodes[{i}]"))
        return vms
    ctl = _need(cluster, "controller", dict, path, base)
    vms = [_vm(ctl, f"{name}-controller", "controller", "ip_address", path, f"{base}.controller")]
    for i, node in enumerate(_need(cluster, "compute_nodes", list, path, base)):
        if "count" in node:
            raise ClusterYamlError(path, f"{base}.compute_nodes[{i}].count", "compute node groups are not supported yet: list each node")
        vms.append(_vm(node, f"{name}-compute-{i + 1:02d}", "compute", "ip", path, f"{base}.compute_nodes[{i}]"))
    return vms


def _abs(path: str, value: str) -> str:
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(value)))


def describe(path: str, kind: str, data: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The cluster of KIND (cloud|hpc) as the harness and the reference driver use it; None when absent."""
    data = data if data is not None else load_yaml(path)
    cluster = data["clusters"].get(kind)
    if not cluster:
        return None
    if not isinstance(cluster, dict):
        raise ClusterYamlError(path, f"clusters.{kind}", "must be a mapping")
    extra = (data.get("global") or {}).get("clustercheck") or {}
    vms = vm_nodes(kind, cluster, path)
    net = _need(cluster, "network", dict, path, f"clusters.{kind}")
    try:
        subnet = ipaddress.ip_network(_need(net, "subnet", str, path, f"clusters.{kind}.network"), strict=False)
    except ValueError as exc:
        raise ClusterYamlError(path, f"clusters.{kind}.network.subnet", str(exc)) from None
    declared = {g["pci"]: g for g in extra.get("gpus") or [] if isinstance(g, dict) and g.get("pci")}
    gpus = []
    for vm in vms:
        if vm["gpu"] and vm["gpu"] not in [g["pci"] for g in gpus]:
            info = declared.get(vm["gpu"], {})
            gpus.append({"pci": vm["gpu"], "model": info.get("model", "GPU"), "simulated": bool(info.get("simulated"))})
    image = extra.get("image") or {}
    out: dict[str, Any] = {
        "name": cluster["name"],
        "kind": kind,
        "libvirt_uri": extra.get("libvirt_uri", "qemu:///system"),
        "network": {
            "name": f"{cluster['name']}-network",
            "bridge": _need(net, "bridge", str, path, f"clusters.{kind}.network"),
            "gateway": str(next(subnet.hosts())),
            "prefix": subnet.prefixlen,
        },
        "gpus": gpus,
        "vms": vms,
    }
    if extra.get("storage_dir"):
        out["storage_dir"] = _abs(path, extra["storage_dir"])
    if image.get("kernel") and image.get("initrd"):
        out["image"] = {"kernel": _abs(path, image["kernel"]), "initrd": _abs(path, image["initrd"])}
    return out


def vm_kind(path: str, vm_name: str) -> str | None:
    """Which cluster (cloud|hpc) of the YAML has a VM of that name."""
    data = load_yaml(path)
    for kind in KINDS:
        cluster = describe(path, kind, data)
        if cluster and any(vm["name"] == vm_name for vm in cluster["vms"]):
            return kind
    return None
