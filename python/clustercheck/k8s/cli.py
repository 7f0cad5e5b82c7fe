"""`clustercheck k8s`: Kubernetes facts for the cluster and KServe checks (one line per problem). What drives
load or serving against the cluster (an InferenceService, its replicas) is `clustercheck inference`'s."""

from __future__ import annotations

import click

from clustercheck.command import Group
from clustercheck.config import resolve
from clustercheck.facts import config_option, declares


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def k8s() -> None:
    """Kubernetes facts: health, components, CNI, metrics, GPUs, KServe, probe pods."""


@k8s.command()
@config_option
@click.argument("what", type=click.Choice(["health", "installation", "calico", "cni", "metrics", "gpu-plugin", "kserve",
                                           "knative", "cert-manager", "isvc-crd", "serving-runtime"]))
@declares("api", "nodes", "node.*", "kube_system", "kube_system_pods", "pod.*", "pods", "version", "kubelets", "kubelet.*",
          "component.*", "calico_node", "ip_pools", "ip_pool.*", "cni", "pod_outside.*", "pods_judged", "*_metrics",
          "node_usage.*", "gpu_node.*", "gpu_node_blocked.*", "crd.*", "controller.*", "deployment.*", "runtimes",
          "runtime.*", "error")
def facts(config: str | None, what: str) -> None:
    """Read WHAT from the API (nothing is created)."""
    from clustercheck.k8s import facts as k8s_facts
    from clustercheck.k8s.client import Cluster

    cfg = resolve.kubernetes(config)[1]["kubernetes"]
    k8s_facts.FACTS[what](Cluster(cfg), cfg)


@k8s.command()
@config_option
@click.argument("what", type=click.Choice(["networking", "dns", "ingress", "gpu-scheduling"]))
@click.option("--name", required=True, help="The check's name: its namespace is cc-NAME-<random>.")
@declares("namespace", "namespace_deleted", "lookup", "lookup_log", "client", "client_log", "gpu_pod", "gpu_pod_log",
          "ready_nodes", "server", "client_node", "ingress_controller", "controller", "gpus_asked", "skip", "error")
def probe(config: str | None, what: str, name: str) -> None:
    """Run WHAT's probe pods in a namespace of their own, deleted on every exit path."""
    from clustercheck.k8s import pods
    from clustercheck.k8s.client import Cluster

    cfg = resolve.kubernetes(config)[1]["kubernetes"]
    pods.PROBES[what](Cluster(cfg), cfg, name)
