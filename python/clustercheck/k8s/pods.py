"""Probe pods: each probe works in a namespace of its own (cc-<check>-<random>) that is deleted on every
exit path - success, failure, timeout, an API error, SIGTERM. Images come from the config
(kubernetes.images), since clusters are often air-gapped."""

from __future__ import annotations

import contextlib
import secrets
import signal
import time
from typing import Any, Iterator

from clustercheck.facts import emit
from clustercheck.k8s.client import Cluster, describe


class Interrupted(Exception):
    pass


def _on_term(*_: object) -> None:
    raise Interrupted("terminated")


@contextlib.contextmanager
def namespace(cluster: Cluster, check: str) -> Iterator[str]:
    name = f"cc-{check}-{secrets.token_hex(3)}"[:63]
    previous = signal.signal(signal.SIGTERM, _on_term)
    cluster.core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": name, "labels": {"app.kubernetes.io/managed-by": "clustercheck"}}}, **cluster.kw())
    emit("namespace", name)
    try:
        yield name
    finally:
        try:
            cluster.core.delete_namespace(name, **cluster.kw())
            emit("namespace_deleted", name)
        except Exception as exc:
            emit("namespace_deleted", f"failed: {describe(exc, cluster.host)}")
        signal.signal(signal.SIGTERM, previous)


def _pod(name: str, image: str, command: list[str], node: str | None = None, gpus: int = 0) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "probe", "image": image, "command": command}
    if gpus:
        container["resources"] = {"limits": {"nvidia.com/gpu": str(gpus)}}
    spec: dict[str, Any] = {"restartPolicy": "Never", "containers": [container]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def _wait(cluster: Cluster, ns: str, name: str, phases: tuple[str, ...], within_s: float) -> Any:
    """The pod once its phase is one of PHASES (or Failed), or None after within_s."""
    end = time.monotonic() + within_s
    while True:
        pod = cluster.core.read_namespaced_pod(name, ns, **cluster.kw())
        if pod.status.phase in phases or pod.status.phase == "Failed":
            return pod
        for cs in pod.status.container_statuses or []:
            waiting = cs.state.waiting if cs.state else None
            if waiting and waiting.reason in ("ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull",
                                              "CreateContainerConfigError"):
                return pod
        if _unschedulable(pod):
            return pod
        if time.monotonic() > end:
            return None
        time.sleep(1)


def _unschedulable(pod: Any) -> str:
    """The scheduler's reason when it found no node for POD (its PodScheduled condition), else ''."""
    for cond in pod.status.conditions or []:
        if cond.type == "PodScheduled" and cond.status == "False" and cond.reason == "Unschedulable":
            return cond.message or cond.reason
    return ""


def _run(cluster: Cluster, cfg: dict[str, Any], ns: str, key: str, pod: dict[str, Any]) -> tuple[str, str]:
    """Create POD, wait for it to finish: (phase or why not, its log)."""
    name = pod["metadata"]["name"]
    cluster.core.create_namespaced_pod(ns, pod, **cluster.kw())
    done = _wait(cluster, ns, name, ("Succeeded",), float(cfg["pod_ready_s"]))
    if done is None:
        emit(key, f"not finished within {cfg['pod_ready_s']} s")
        return "timeout", ""
    phase = done.status.phase
    if _unschedulable(done):
        phase = f"Pending: Unschedulable: {_unschedulable(done)}"
    for cs in done.status.container_statuses or []:
        waiting = cs.state.waiting if cs.state else None
        if waiting and waiting.reason:
            phase = waiting.reason
    log = ""
    with contextlib.suppress(Exception):
        # a pod that never ran has no log: the client answers None
        log = cluster.core.read_namespaced_pod_log(name, ns, **cluster.kw()) or ""
    emit(key, phase)
    emit(f"{key}_log", " ".join(log.split())[:300])
    return phase, log


def _ready_nodes(cluster: Cluster) -> list[str]:
    nodes = cluster.core.list_node(**cluster.kw()).items
    out = []
    for n in nodes:
        ready = any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])
        if ready and not n.spec.unschedulable:
            out.append(n.metadata.name)
    return out


def _guard(fn: Any) -> Any:
    def wrapped(cluster: Cluster, cfg: dict[str, Any], check: str) -> None:
        try:
            fn(cluster, cfg, check)
        except Interrupted:
            emit("error", "interrupted (SIGTERM); the namespace was deleted")
            raise SystemExit(143) from None
        except Exception as exc:
            emit("error", describe(exc, cluster.host))

    return wrapped


@_guard
def dns(cluster: Cluster, cfg: dict[str, Any], check: str) -> None:
    with namespace(cluster, check) as ns:
        # A service with a cluster address: a headless one with no endpoints has no record to find.
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cc-dns-target"},
               "spec": {"ports": [{"port": 80}]}}
        cluster.core.create_namespaced_service(ns, svc, **cluster.kw())
        names = ["kubernetes.default.svc.cluster.local", f"cc-dns-target.{ns}.svc.cluster.local"]
        script = " && ".join(f"nslookup {n}" for n in names)
        _run(cluster, cfg, ns, "lookup", _pod("cc-dns-probe", cfg["images"]["busybox"], ["sh", "-c", script]))


@_guard
def networking(cluster: Cluster, cfg: dict[str, Any], check: str) -> None:
    nodes = _ready_nodes(cluster)
    emit("ready_nodes", len(nodes))
    if len(nodes) < 2:
        emit("skip", f"needs two schedulable Ready nodes, the cluster has {len(nodes)}")
        return
    with namespace(cluster, check) as ns:
        server = _pod("cc-net-server", cfg["images"]["busybox"],
                      ["sh", "-c", "echo cc-net-ok > /tmp/index.html && httpd -f -p 8080 -h /tmp"], nodes[0])
        cluster.core.create_namespaced_pod(ns, server, **cluster.kw())
        up = _wait(cluster, ns, "cc-net-server", ("Running",), float(cfg["pod_ready_s"]))
        if up is None or up.status.phase != "Running":
            emit("server", "not running" if up is None else up.status.phase)
            return
        emit("server", f"Running on {nodes[0]} at {up.status.pod_ip}")
        client = _pod("cc-net-client", cfg["images"]["busybox"],
                      ["timeout", "5", "wget", "-q", "-O", "-", f"http://{up.status.pod_ip}:8080/"], nodes[1])
        _run(cluster, cfg, ns, "client", client)
        emit("client_node", nodes[1])


# kubernetes.expected.ingress -> (the controller's Deployment and Service, its IngressClass)
INGRESS_CONTROLLERS = {"nginx": ("ingress-nginx-controller", "nginx"), "traefik": ("traefik", "traefik")}


@_guard
def ingress(cluster: Cluster, cfg: dict[str, Any], check: str) -> None:
    ing_ns = cfg["expected"]["ingress_namespace"]
    controller, ingress_class = INGRESS_CONTROLLERS[cfg["expected"]["ingress"]]
    emit("ingress_controller", f"{controller} (IngressClass {ingress_class}) in {ing_ns}")
    dep = cluster.apps.read_namespaced_deployment(controller, ing_ns, **cluster.kw())
    emit("controller", f"{dep.status.available_replicas or 0}/{dep.spec.replicas or 0} ready")
    with namespace(cluster, check) as ns:
        backend = _pod("cc-ing-backend", cfg["images"]["busybox"],
                       ["sh", "-c", "echo cc-ingress-ok > /tmp/index.html && httpd -f -p 8080 -h /tmp"])
        backend["metadata"]["labels"] = {"app": "cc-ing-backend"}
        cluster.core.create_namespaced_pod(ns, backend, **cluster.kw())
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cc-ing-backend"},
               "spec": {"selector": {"app": "cc-ing-backend"}, "ports": [{"port": 80, "targetPort": 8080}]}}
        cluster.core.create_namespaced_service(ns, svc, **cluster.kw())
        from kubernetes import client

        ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "cc-ing"},
               "spec": {"ingressClassName": ingress_class, "rules": [{"host": "cc-probe.clustercheck.local", "http": {"paths": [
                   {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "cc-ing-backend",
                                                                               "port": {"number": 80}}}}]}}]}}
        client.NetworkingV1Api(cluster.api).create_namespaced_ingress(ns, ing, **cluster.kw())
        url = f"http://{controller}.{ing_ns}.svc.cluster.local/"
        probe = _pod("cc-ing-client", cfg["images"]["busybox"], ["sh", "-c",
                     f"for i in $(seq 30); do timeout 3 wget -q -O - --header 'Host: cc-probe.clustercheck.local' {url} "
                     "&& exit 0; sleep 2; done; exit 1"])
        _run(cluster, cfg, ns, "client", probe)


@_guard
def gpu_scheduling(cluster: Cluster, cfg: dict[str, Any], check: str) -> None:
    """A pod asking for kubernetes.gpu_probe.gpus GPUs: nvidia-smi -L lists them, or on simulated GPUs
    (no driver to ask) the device plugin's allocation in NVIDIA_VISIBLE_DEVICES."""
    gpus = cfg["gpu_probe"]["gpus"]
    emit("gpus_asked", gpus)
    with namespace(cluster, check) as ns:
        if cfg["expected"]["simulated_gpus"]:
            pod = _pod("cc-gpu-probe", cfg["images"]["busybox"],
                       ["sh", "-c", 'echo "NVIDIA_VISIBLE_DEVICES=$NVIDIA_VISIBLE_DEVICES"'], gpus=gpus)
        else:
            pod = _pod("cc-gpu-probe", cfg["images"]["cuda"], ["nvidia-smi", "-L"], gpus=gpus)
        _run(cluster, cfg, ns, "gpu_pod", pod)


PROBES = {"dns": dns, "networking": networking, "ingress": ingress, "gpu-scheduling": gpu_scheduling}
