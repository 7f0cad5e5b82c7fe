"""`clustercheck k8s`: Kubernetes facts for the cluster and KServe checks (one line per problem). What drives
load or serving against the cluster (an InferenceService, its replicas) is `clustercheck inference`'s."""

from __future__ import annotations

import click

from clustercheck.command import Group
from clustercheck.config import resolve
from clustercheck.facts import config_option


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def k8s() -> None:
    """Kubernetes facts: health, components, CNI, metrics, GPUs, KServe, probe pods."""


@k8s.command()
@config_option
@click.argument("what", type=click.Choice(["health", "installation", "calico", "cni", "metrics", "gpu-plugin", "kserve",
                                           "knative", "cert-manager", "isvc-crd", "serving-runtime"]))
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
def probe(config: str | None, what: str, name: str) -> None:
    """Run WHAT's probe pods in a namespace of their own, deleted on every exit path."""
    from clustercheck.k8s import pods
    from clustercheck.k8s.client import Cluster

    cfg = resolve.kubernetes(config)[1]["kubernetes"]
    pods.PROBES[what](Cluster(cfg), cfg, name)
