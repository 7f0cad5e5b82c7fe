"""GPU node acceptance on Kubernetes: one Job per GPU node (pinned to it by its host name label, asking for
all its GPUs, tolerating the GPU taint), each running `clustercheck gpu-node probe` from the image in
gpu_node.kubernetes.image and printing its record as the last line of its log. The Jobs live in a
namespace of their own, deleted on every exit path (clustercheck.k8s.pods.namespace)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from clustercheck.errors import UserError
from clustercheck.gpunode.active import QUIET_NCCL
from clustercheck.k8s.pods import namespace

GPU = "nvidia.com/gpu"
UNHEALTHY = "clustercheck.io/gpu-unhealthy"


def job_name(node: str) -> str:
    """A DNS-1123 name per node (cc-gpu-node-<node>), at most 63 characters."""
    return ("cc-gpu-node-" + re.sub(r"[^a-z0-9-]", "-", node.lower())).strip("-")[:63].rstrip("-")


SIM_DIR = "/cc-simulated"


def _simulated(node: str, gpu_node: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """For simulated GPUs (gpu_node.simulated): the NVML stand-in and the node's device file, mounted from
    the node's file system, and the environment that makes the probe use them (env, mounts, volumes)."""
    sim = gpu_node.get("simulated")
    if not sim:
        return [], [], []
    devices = Path(sim["devices_dir"])
    name = f"{node}.json" if (devices / f"{node}.json").exists() else "default.json"
    env = [{"name": "PYTHONPATH", "value": f"{SIM_DIR}/nvml"}, {"name": "CC_NVML_SIM", "value": f"{SIM_DIR}/devices/{name}"}]
    mounts = [{"name": "sim-nvml", "mountPath": f"{SIM_DIR}/nvml", "readOnly": True},
              {"name": "sim-devices", "mountPath": f"{SIM_DIR}/devices", "readOnly": True}]
    volumes = [{"name": "sim-nvml", "hostPath": {"path": sim["nvml_module"], "type": "Directory"}},
               {"name": "sim-devices", "hostPath": {"path": str(devices), "type": "Directory"}}]
    return env, mounts, volumes


def _image(gpu_node: dict[str, Any]) -> str:
    if not gpu_node["kubernetes"].get("image"):
        raise UserError("gpu_node.kubernetes.image: is missing (the image the probe Jobs run)")
    return str(gpu_node["kubernetes"]["image"])


def manifest(node: str, gpus: int, gpu_node: dict[str, Any]) -> dict[str, Any]:
    """The Job that probes NODE's GPUS GPUs."""
    kube = gpu_node["kubernetes"]
    command = ["python3", "-m", "clustercheck", "gpu-node", "probe", "--node", node,
               "--memtest-fraction", str(gpu_node["active"]["memtest_fraction"]),
               "--xid-lookback-s", str(gpu_node["xid"]["kernel_log_lookback_s"])]
    if not gpu_node["active"]["enabled"]:
        command.append("--passive")
    sim_env, sim_mounts, sim_volumes = _simulated(node, gpu_node)
    container = {
        "name": "probe", "image": _image(gpu_node), "command": command,
        "env": [{"name": k, "value": v} for k, v in QUIET_NCCL.items()] + sim_env,
        "resources": {"limits": {GPU: str(gpus)}},
    }
    if sim_mounts:
        container["volumeMounts"] = sim_mounts
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": job_name(node), "labels": {"app.kubernetes.io/managed-by": "clustercheck",
                                                        "clustercheck/check": "gpu-node"}},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": int(gpu_node["probe_timeout_s"]),
            "template": {"spec": {
                "restartPolicy": "Never",
                "nodeSelector": {"kubernetes.io/hostname": node},
                # a node that an earlier run marked unhealthy is probed again: that is how it is cleared
                "tolerations": [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"},
                                {"key": UNHEALTHY, "operator": "Exists", "effect": "NoSchedule"}],
                "containers": [container],
                **({"volumes": sim_volumes} if sim_volumes else {}),
            }},
        },
    }


def _ready(node: Any) -> str:
    """'' when NODE is Ready, else its Ready condition as it reads (NotReady (Reason))."""
    for c in node.status.conditions or []:
        if c.type == "Ready":
            return "" if c.status == "True" else f"NotReady ({c.reason or c.status})"
    return "NotReady (no Ready condition)"


def gpu_nodes(cluster: Any) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
    """The cluster's GPU nodes (GPU capacity or allocatable above 0), sorted three ways, the way SLURM's
    are: to probe (name -> allocatable GPUs); not checked, out of service on purpose (cordoned: name ->
    why); broken (NotReady, or GPUs in capacity that the device plugin does not offer: name -> why)."""
    probe: dict[str, int] = {}
    skipped: dict[str, str] = {}
    broken: dict[str, str] = {}
    for n in cluster.core.list_node(**cluster.kw()).items:
        allocatable = int((n.status.allocatable or {}).get(GPU, "0") or 0)
        capacity = int((n.status.capacity or {}).get(GPU, "0") or 0)
        if not (allocatable or capacity):
            continue
        name, not_ready = n.metadata.labels.get("kubernetes.io/hostname", n.metadata.name), _ready(n)
        if n.spec.unschedulable:
            skipped[name] = "out of service: cordoned (spec.unschedulable)"
        elif not_ready:
            broken[name] = f"not taking pods: {not_ready}"
        elif not allocatable:
            broken[name] = (f"0 of {capacity} GPU(s) allocatable: the device plugin has not registered "
                            f"{GPU} with the kubelet, or reports every GPU unhealthy")
        else:
            probe[name] = allocatable
    return probe, skipped, broken


def record_from_log(node: str, log: str) -> dict[str, Any]:
    """The probe record the Job printed last, or a record saying why there is none."""
    for line in reversed(log.strip().splitlines()):
        if line.startswith("{"):
            try:
                return dict(json.loads(line))
            except ValueError:
                break
    tail = " ".join(log.split())[-200:] or "no output"
    return {"version": 1, "node": node, "error": f"the probe Job printed no record: {tail}"}


def mark_unhealthy(cluster: Any, node: str, check: str, why: str) -> str:
    """The Kubernetes counterpart of SLURM's drain: NODE tainted clustercheck.io/gpu-unhealthy=CHECK:NoSchedule
    (no new pod lands there; running ones stay), labelled clustercheck.io/gpu-health=failed, and annotated
    with WHY. Returns the taint as it reads."""
    value = re.sub(r"[^A-Za-z0-9._-]", "-", check)[:63].strip("-.") or "failed"
    current = cluster.core.read_node(node, **cluster.kw())
    taints = [t.to_dict() for t in current.spec.taints or [] if t.key != UNHEALTHY]
    taints.append({"key": UNHEALTHY, "value": value, "effect": "NoSchedule"})
    patch = {"metadata": {"labels": {"clustercheck.io/gpu-health": "failed"},
                          "annotations": {"clustercheck.io/gpu-unhealthy-reason": why[:1000]}},
             "spec": {"taints": [{k: v for k, v in t.items() if v is not None} for t in taints]}}
    cluster.core.patch_node(node, patch, **cluster.kw())
    return f"{UNHEALTHY}={value}:NoSchedule"


def run(cluster: Any, gpu_node: dict[str, Any], out: Path) -> list[str]:
    """Probe every GPU node at once; one record per node in OUT. Returns the nodes probed."""
    from kubernetes import client

    batch = client.BatchV1Api(cluster.api)
    nodes, skipped, broken = gpu_nodes(cluster)
    if not (nodes or skipped or broken):
        raise RuntimeError(f"no node of the cluster has {GPU} in its capacity")
    with (out / "not-checked.tsv").open("a") as tsv:
        tsv.writelines(f"{node}\t{why}\n" for node, why in sorted(skipped.items()))
    for node, why in broken.items():
        (out / f"{node}.json").write_text(json.dumps({"version": 1, "node": node, "error": why}) + "\n")
    if not nodes:
        return []
    deadline = time.monotonic() + int(gpu_node["probe_timeout_s"]) + 60
    with namespace(cluster, "gpu-node") as ns:
        for node, count in nodes.items():
            batch.create_namespaced_job(ns, manifest(node, count, gpu_node), **cluster.kw())
        pending = dict(nodes)
        while pending and time.monotonic() < deadline:
            for node in list(pending):
                job = batch.read_namespaced_job(job_name(node), ns, **cluster.kw())
                if (job.status.succeeded or 0) + (job.status.failed or 0) == 0:
                    continue
                pods = cluster.core.list_namespaced_pod(ns, label_selector=f"job-name={job_name(node)}", **cluster.kw()).items
                log = ""
                if pods:
                    log = cluster.core.read_namespaced_pod_log(pods[0].metadata.name, ns, **cluster.kw())
                (out / f"{node}.json").write_text(json.dumps(record_from_log(node, log)) + "\n")
                del pending[node]
            if pending:
                time.sleep(2)
        for node in pending:
            (out / f"{node}.json").write_text(json.dumps(
                {"version": 1, "node": node, "error": f"the probe Job did not finish within {gpu_node['probe_timeout_s']} s"}) + "\n")
    return sorted(nodes)
