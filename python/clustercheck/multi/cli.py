"""`clustercheck multi`: the cloud and HPC clusters together - host resources and cluster states."""

from __future__ import annotations

import os
import sys

import click

from clustercheck.command import Group
from clustercheck.config import resolve
from clustercheck.errors import UserError
from clustercheck.facts import declares, emit


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def multi() -> None:
    """Facts about the cloud and HPC clusters sharing one host."""


@multi.command("resources")
@click.option("--config", "config_path", required=True, help="Target config whose cluster YAML (cloud_vm.cli_config) has the clusters.")
@declares("vcpus", "memory_mib", "gpus", "clusters")
def resources(config_path: str) -> None:
    """Host CPUs, memory and GPUs against what both clusters need at their peak.

    Prints "resource<TAB>needed<TAB>available<TAB>detail" lines; exit 1 with a "shortfall:" line
    per missing resource.
    """
    from clustercheck.multi import resources as res

    cfg = resolve.whole(config_path)
    if not res.clusters(cfg):
        raise UserError(f"{config_path}: no cluster in cloud_vm.cli_config: nothing to size")
    facts, problems = res.shortfalls(cfg, os.cpu_count() or 1, res.host_memory_mib(), res.host_gpus(cfg))
    for fact in facts:
        emit(*fact)
    for p in problems:
        click.echo(f"shortfall: {p}", err=True)
    if problems:
        sys.exit(1)


@multi.command("clusters")
@click.option("--config", "config_path", required=True, help="Target config.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0, 86400, min_open=True), default=60, show_default=True,
              help="Accepted for compatibility; unused.")
@declares("state", "autostart_running", "vm")
def clusters(config_path: str, timeout_s: float) -> None:
    """Both clusters' states from ai-how's state files and libvirt, as "key<TAB>..." lines."""
    from clustercheck.multi import clusters as cl

    cfg = resolve.whole(config_path)
    if not cfg.get("cloud_vm"):
        raise UserError(f"{config_path}: no cloud_vm section: the cluster CLI is not configured")
    for kind in ("cloud", "hpc"):
        try:
            lines = cl.facts(cfg, kind, timeout_s)
        except (RuntimeError, ValueError) as exc:
            raise UserError(str(exc)) from None
        for fact in lines:
            emit(*fact)


def _mlops(cfg: dict, config_path: str) -> dict:
    if not cfg.get("mlops"):
        raise UserError(f"{config_path}: no mlops section: the workflow needs MLflow")
    return cfg["mlops"]


@multi.command("train")
@click.option("--config", "config_path", required=True, help="Target config (mlops.mlflow, hpc.workflow).")
@declares("run_id", "version", "model_uri", "slurm_job_id", "slurm_node", "cuda_visible_devices")
def train(config_path: str) -> None:
    """Train and register the workflow's model in MLflow (run inside the HPC job)."""
    from clustercheck.multi import workflow

    cfg = resolve.whole(config_path)
    workflow.train(_mlops(cfg, config_path)["mlflow"]["url"], cfg["hpc"]["workflow"]["model_name"])


@multi.command("predict")
@click.option("--config", "config_path", required=True, help="Target config (mlops.serving.samples).")
@click.option("--url", required=True, help="The serving endpoint (MLflow's scoring protocol).")
@declares("endpoint", "ready", "predict", "predict_ms", "sample.*")
def predict(config_path: str, url: str) -> None:
    """Ask a served model for the configured samples' predictions."""
    from clustercheck.mlops import serving
    from clustercheck.multi import workflow

    cfg = resolve.whole(config_path)
    mlops = _mlops(cfg, config_path)
    serving.probe(url, "mlflow", cfg["hpc"]["workflow"]["model_name"], workflow.samples(cfg), float(mlops["timeouts"]["request_s"]))


@multi.command("forget-model")
@click.option("--config", "config_path", required=True, help="Target config.")
@click.option("--run-id", help="The training run to delete too.")
@declares("deleted_*")
def forget_model(config_path: str, run_id: str | None) -> None:
    """Delete the workflow's registered model (and its training run)."""
    from clustercheck.multi import workflow

    cfg = resolve.whole(config_path)
    mlops = _mlops(cfg, config_path)
    workflow.forget(mlops["mlflow"]["url"], cfg["hpc"]["workflow"]["model_name"], run_id, float(mlops["timeouts"]["request_s"]))
