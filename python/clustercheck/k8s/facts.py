"""Cluster facts read from the API (nothing is created): version and components, node and system-pod
health, Calico, metrics-server, GPU allocatable, and the KServe / Knative / cert-manager installs."""

from __future__ import annotations

import ipaddress
from typing import Any, Callable

from clustercheck.facts import emit
from clustercheck.k8s.client import Cluster, describe


def call(cluster: Cluster, key: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """fn(...) with the timeout; on failure emit KEY as 'error: why' and return None."""
    try:
        return fn(*args, **kw, **cluster.kw())
    except Exception as exc:  # the API's answer is a fact about the cluster
        emit(key, f"error: {describe(exc, cluster.host)}")
        return None


def _ready(node: Any) -> str:
    for cond in node.status.conditions or []:
        if cond.type == "Ready":
            return "Ready" if cond.status == "True" else f"NotReady ({cond.reason or cond.status})"
    return "NotReady (no Ready condition)"


def pod_problem(pod: Any) -> str:
    """'' for a Running (all containers ready) or Succeeded pod, else why not: an init container that
    failed or waits, by name, before the containers."""
    phase = pod.status.phase
    for cs in pod.status.init_container_statuses or []:
        term = (cs.state.terminated if cs.state else None) or (cs.last_state.terminated if cs.last_state else None)
        waiting = cs.state.waiting if cs.state else None
        if term and term.exit_code:
            return f"init container {cs.name}: {term.reason or 'Error'} (exit {term.exit_code}, restarts {cs.restart_count})"
        if waiting and waiting.reason and waiting.reason != "PodInitializing":
            return f"init container {cs.name}: {waiting.reason} (restarts {cs.restart_count})"
    for cs in pod.status.container_statuses or []:
        waiting = cs.state.waiting if cs.state else None
        if waiting and waiting.reason:
            return f"{waiting.reason} (restarts {cs.restart_count})"
    if phase == "Succeeded":
        return ""
    if phase != "Running":
        return phase or "Unknown"
    not_ready = [cs.name for cs in pod.status.container_statuses or [] if not cs.ready]
    return f"Running, not ready: {', '.join(not_ready)}" if not_ready else ""


def health(cluster: Cluster, cfg: dict[str, Any]) -> None:
    v = call(cluster, "api", cluster.version_api.get_code)
    if v is None:
        return
    emit("api", f"ok {v.git_version}")
    nodes = call(cluster, "nodes", cluster.core.list_node)
    if nodes is not None:
        emit("nodes", len(nodes.items))
        for n in nodes.items:
            emit(f"node.{n.metadata.name}", _ready(n))
    pods = call(cluster, "kube_system", cluster.core.list_namespaced_pod, "kube-system")
    if pods is not None:
        emit("kube_system_pods", len(pods.items))
        for p in pods.items:
            problem = pod_problem(p)
            if problem:
                emit(f"pod.{p.metadata.name}", problem)


def installation(cluster: Cluster, cfg: dict[str, Any]) -> None:
    """Version and the components Kubespray deploys: kubelet versions, CoreDNS, kube-proxy, Calico."""
    v = call(cluster, "version", cluster.version_api.get_code)
    if v is None:
        return
    emit("version", v.git_version)
    nodes = call(cluster, "kubelets", cluster.core.list_node)
    if nodes is not None:
        for n in nodes.items:
            emit(f"kubelet.{n.metadata.name}", n.status.node_info.kubelet_version)
    components = [("kube-system", "deployment", "coredns"), ("kube-system", "daemonset", "kube-proxy")]
    if cfg["expected"]["cni"] == "calico":
        components.append((cfg["expected"]["calico_namespace"], "daemonset", "calico-node"))
    for ns, kind, name in components:
        _workload(cluster, f"component.{name}", ns, kind, name)


def _workload(cluster: Cluster, key: str, ns: str, kind: str, name: str) -> None:
    if kind == "daemonset":
        ds = call(cluster, key, cluster.apps.read_namespaced_daemon_set, name, ns)
        if ds is not None:
            s = ds.status
            emit(key, f"{s.number_ready or 0}/{s.desired_number_scheduled or 0} ready")
    else:
        dep = call(cluster, key, cluster.apps.read_namespaced_deployment, name, ns)
        if dep is not None:
            s = dep.status
            emit(key, f"{s.available_replicas or 0}/{dep.spec.replicas or 0} ready")


def calico(cluster: Cluster, cfg: dict[str, Any]) -> None:
    _workload(cluster, "calico_node", cfg["expected"]["calico_namespace"], "daemonset", "calico-node")
    pools = call(cluster, "ip_pools", cluster.custom.list_cluster_custom_object, "crd.projectcalico.org", "v1",
                 "ippools")
    if pools is not None:
        items = pools.get("items", [])
        emit("ip_pools", len(items))
        for p in items:
            spec = p.get("spec", {})
            emit(f"ip_pool.{p['metadata']['name']}", f"{spec.get('cidr')} disabled={spec.get('disabled', False)}")


def cni(cluster: Cluster, cfg: dict[str, Any]) -> None:
    """The CNI the config says the cluster runs: Calico's node agent and IP pools, or for the bridge
    plugin each node's pod CIDR and every pod's address inside its node's CIDR."""
    kind = cfg["expected"]["cni"]
    emit("cni", kind)
    if kind == "calico":
        calico(cluster, cfg)
        return
    nodes = call(cluster, "nodes", cluster.core.list_node)
    if nodes is None:
        return
    cidrs = {}
    for n in nodes.items:
        cidr = n.spec.pod_cidr
        emit(f"node.{n.metadata.name}", f"podCIDR={cidr or 'none'} {_ready(n)}")
        if cidr:
            cidrs[n.metadata.name] = ipaddress.ip_network(cidr)
    pods = call(cluster, "pods", cluster.core.list_pod_for_all_namespaces)
    if pods is None:
        return
    judged = 0
    for p in pods.items:
        if p.spec.host_network or not p.status.pod_ip or p.spec.node_name not in cidrs:
            continue
        judged += 1
        if ipaddress.ip_address(p.status.pod_ip) not in cidrs[p.spec.node_name]:
            emit(f"pod_outside.{p.metadata.namespace}/{p.metadata.name}",
                 f"{p.status.pod_ip} is outside {p.spec.node_name}'s {cidrs[p.spec.node_name]}")
    emit("pods_judged", judged)


def metrics(cluster: Cluster, cfg: dict[str, Any]) -> None:
    for kind in ("nodes", "pods"):
        got = call(cluster, f"{kind}_metrics", cluster.custom.list_cluster_custom_object, "metrics.k8s.io",
                   "v1beta1", kind)
        if got is not None:
            items = got.get("items", [])
            emit(f"{kind}_metrics", len(items))
            if kind == "nodes":
                for m in items:
                    emit(f"node_usage.{m['metadata']['name']}", f"cpu={m['usage'].get('cpu')} memory={m['usage'].get('memory')}")


def gpu_plugin(cluster: Cluster, cfg: dict[str, Any]) -> None:
    nodes = call(cluster, "nodes", cluster.core.list_node)
    if nodes is None:
        return
    wanted = set(cfg["expected"].get("gpu_nodes") or [])
    for n in nodes.items:
        labels = n.metadata.labels or {}
        gpu_node = n.metadata.name in wanted or labels.get("nvidia.com/gpu.present") == "true"
        if not gpu_node:
            continue
        alloc = (n.status.allocatable or {}).get("nvidia.com/gpu", "0")
        emit(f"gpu_node.{n.metadata.name}", f"allocatable nvidia.com/gpu={alloc}")
        # A GPU node that takes no new pods: cordoned, or tainted against pods without a toleration.
        blocked = ["cordoned"] if n.spec.unschedulable else []
        blocked += [f"tainted {t.key}{'=' + t.value if t.value else ''}:{t.effect}" for t in n.spec.taints or []
                    if t.effect in ("NoSchedule", "NoExecute") and t.key != "node.kubernetes.io/unschedulable"]
        if blocked:
            emit(f"gpu_node_blocked.{n.metadata.name}", ", ".join(blocked))
    for name in sorted(wanted - {n.metadata.name for n in nodes.items}):
        emit(f"gpu_node.{name}", "missing from the cluster")


def _crd(cluster: Cluster, name: str) -> None:
    crd = call(cluster, f"crd.{name}", cluster.ext.read_custom_resource_definition, name)
    if crd is None:
        return
    conds = {c.type: c.status for c in (crd.status.conditions or [])}
    served = [v.name for v in crd.spec.versions if v.served]
    emit(f"crd.{name}", f"{'established' if conds.get('Established') == 'True' else 'not established'} "
         f"served={','.join(served)}")


KSERVE_CRDS = ("inferenceservices.serving.kserve.io", "servingruntimes.serving.kserve.io",
               "clusterservingruntimes.serving.kserve.io")
KNATIVE = ("activator", "autoscaler", "controller", "webhook")
CERT_MANAGER = ("cert-manager", "cert-manager-cainjector", "cert-manager-webhook")


def kserve(cluster: Cluster, cfg: dict[str, Any]) -> None:
    for name in KSERVE_CRDS:
        _crd(cluster, name)
    _workload(cluster, "controller.kserve-controller-manager", "kserve", "deployment", "kserve-controller-manager")


def knative(cluster: Cluster, cfg: dict[str, Any]) -> None:
    _crd(cluster, "services.serving.knative.dev")
    for name in KNATIVE:
        _workload(cluster, f"deployment.{name}", "knative-serving", "deployment", name)


def cert_manager(cluster: Cluster, cfg: dict[str, Any]) -> None:
    for name in ("certificates.cert-manager.io", "issuers.cert-manager.io", "clusterissuers.cert-manager.io"):
        _crd(cluster, name)
    for name in CERT_MANAGER:
        _workload(cluster, f"deployment.{name}", "cert-manager", "deployment", name)


def isvc_crd(cluster: Cluster, cfg: dict[str, Any]) -> None:
    _crd(cluster, "inferenceservices.serving.kserve.io")


def serving_runtime(cluster: Cluster, cfg: dict[str, Any]) -> None:
    got = call(cluster, "runtimes", cluster.custom.list_cluster_custom_object, "serving.kserve.io", "v1alpha1",
               "clusterservingruntimes")
    if got is None:
        return
    emit("runtimes", len(got.get("items", [])))
    for rt in got.get("items", []):
        spec = rt.get("spec", {})
        formats = [f.get("name") for f in spec.get("supportedModelFormats", []) if f.get("autoSelect", True)]
        emit(f"runtime.{rt['metadata']['name']}", f"formats={','.join(formats)} "
             f"protocols={','.join(spec.get('protocolVersions', []))} disabled={spec.get('disabled', False)}")


FACTS = {"health": health, "installation": installation, "calico": calico, "cni": cni, "metrics": metrics,
         "gpu-plugin": gpu_plugin, "kserve": kserve, "knative": knative, "cert-manager": cert_manager,
         "isvc-crd": isvc_crd, "serving-runtime": serving_runtime}
