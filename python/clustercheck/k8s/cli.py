"""`clustercheck k8s`: Kubernetes facts for the cluster and KServe checks (one line per problem)."""

from __future__ import annotations

import click

from clustercheck.command import Group
from clustercheck.config import resolve
from clustercheck.errors import UserError
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


@k8s.command("deploy-isvc")
@config_option
@click.option("--remove", is_flag=True, help="Delete the InferenceService afterwards.")
def deploy_isvc(config: str | None, remove: bool) -> None:
    """Create the InferenceService of the MLflow-registered model, wait for Ready, predict known inputs."""
    from clustercheck.k8s import isvc
    from clustercheck.k8s.client import Cluster

    path, data = resolve.kubernetes(config)
    cfg = data["kubernetes"]
    if "inference" not in cfg or "mlops" not in data:
        raise UserError(f"config error: {path}: kubernetes.inference and mlops are needed to deploy an InferenceService")
    samples = data["mlops"].get("serving", {}).get("samples") or data.get("inference", {}).get("samples") or []
    isvc.deploy(Cluster(cfg), cfg, data["mlops"], samples, remove)


@k8s.command()
@config_option
@click.argument("what", type=click.Choice(["up", "down", "balance"]))
def scaling(config: str | None, what: str) -> None:
    """Replicas of kubernetes.inference under the inference load (up), after it (down), CPU per replica."""
    from clustercheck.k8s import scaling as k8s_scaling
    from clustercheck.k8s.client import Cluster

    path, data = resolve.kubernetes(config)
    cfg = data["kubernetes"]
    if "inference" not in cfg:
        raise UserError(f"config error: {path}: kubernetes.inference: is missing (the InferenceService to watch)")
    fn = {"up": k8s_scaling.scale_up, "down": k8s_scaling.scale_down, "balance": k8s_scaling.balance}[what]
    fn(Cluster(cfg), cfg, resolve.inference(config))
