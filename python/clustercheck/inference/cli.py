"""`clustercheck inference`: facts about an inference endpoint for the inference-validation checks."""

from __future__ import annotations

import os

import click

from clustercheck.bench import summary_facts
from clustercheck.command import Group
from clustercheck.config import resolve
from clustercheck.errors import UserError
from clustercheck.facts import config_option, declares, emit

# What GPU sampling beside a load run prints, and what placed workers on Kubernetes add (their namespace).
GPU_SAMPLES = ("gpu_source", "gpu_error", "gpu_sample_hz", "gpu_samples", "gpu.*.mean_pct", "gpu.*.serving", "gpu.*.uuid")
PLACED = ("namespace", "namespace_deleted")


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def inference() -> None:
    """Inference endpoint facts: health, answers, load, throughput, cold start, GPU use."""


@inference.command()
@config_option
@declares("live", "ready", "metadata", "metadata_body", "metadata_name", "metadata_inputs")
def health(config: str | None) -> None:
    """Liveness, readiness and metadata routes of the endpoint's protocol."""
    from clustercheck.inference import probe

    cfg = resolve.inference(config)
    probe.health(cfg["endpoint"], cfg["load"]["timeout_s"])


@inference.command("request-response")
@config_option
@declares("sample.*", "predict_ms", "predict_status", "schema", "bad_input.*")
def request_response(config: str | None) -> None:
    """Known inputs and their answers; malformed requests and the status they get."""
    from clustercheck.inference import probe

    cfg = resolve.inference(config)
    probe.request_response(cfg["endpoint"], cfg["samples"], cfg["load"]["timeout_s"])


@inference.command()
@config_option
@click.option("--rate", type=click.FloatRange(0, 1_000_000, min_open=True), help="Requests per second (default: inference.load.rate_rps).")
@click.option("--duration", type=click.FloatRange(0, 86400, min_open=True), help="Measured seconds (default: inference.load.duration_s).")
@click.option("--gpu", "with_gpu", is_flag=True, help="Sample GPU utilisation while the load runs.")
@declares(*summary_facts.KEYS, *GPU_SAMPLES, "offered_rate", *PLACED)
def load(config: str | None, rate: float | None, duration: float | None, with_gpu: bool) -> None:
    """Open-loop load at the configured rate; latency, errors, schedule kept, GPU use."""
    from clustercheck.inference import runs

    cfg = resolve.inference(config)
    if with_gpu:
        rate = rate or cfg["gpu"].get("load_rate_rps") or cfg["load"]["rate_rps"]
        duration = duration or cfg["gpu"]["load_duration_s"]
    runs.load(cfg, rate or cfg["load"]["rate_rps"], duration or cfg["load"]["duration_s"], with_gpu)


@inference.command()
@config_option
@declares("step.*", "knee", "max_rate", "saturated", "spread", "stopped", "where", *PLACED)
def sweep(config: str | None) -> None:
    """Step the open-loop rate (inference.sweep.rates) until the latency objective is missed."""
    from clustercheck.inference import runs

    cfg = resolve.inference(config)
    runs.run_sweep(cfg)


@inference.command("replica-scaling")
@config_option
@declares("replicas", "ratio", "*.step.*", "*.max_rate", "*.stopped", "gpu_source", "gpu.*.mean_pct", "gpu.*.uuid",
          "split.*", "replica.*.url", "replica.*.gpu", "replica.*.throughput", "replica.*.errors")
def replica_scaling(config: str | None) -> None:
    """Capacity of one replica and of all (inference.replicas), their ratio, each replica beside its GPU."""
    from clustercheck.inference import replicas

    cfg = resolve.inference(config)
    if len(cfg.get("replicas") or []) < 2:
        raise UserError("inference.replicas: two or more replicas (url, gpu) are needed")
    replicas.scaling(cfg)


@inference.command("per-gpu")
@config_option
@click.argument("max_rate", type=click.FloatRange(0, None))
@declares("per_gpu_rate", "gpus", "basis")
def per_gpu(config: str | None, max_rate: float) -> None:
    """Divide MAX_RATE by the GPUs serving (NVML), or judge it per instance without a GPU."""
    from clustercheck.inference import runs

    cfg = resolve.inference(config)
    rate, count, basis = runs.throughput_per_gpu(cfg, max_rate)
    emit("per_gpu_rate", round(rate, 2))
    emit("gpus", count)
    emit("basis", basis)


@inference.command("gpu-source")
@config_option
@declares("source", "reason")
def gpu_source(config: str | None) -> None:
    """Whether GPU utilisation can be sampled here (NVML or Prometheus), and why not."""
    from clustercheck.bench import gpu

    kind, why = gpu.source(resolve.inference(config)["gpu"])
    emit("source", kind or "none")
    emit("reason", why)


@inference.command("cold-start")
@config_option
@declares("cold_start", "cold_start_s", "first_good_answer", "restart_error", "restart_exit")
def cold_start(config: str | None) -> None:
    """Run the endpoint's restart_command; seconds until it first answers a known input right."""
    from clustercheck.inference import runs

    root = os.environ.get("CC_ROOT") or os.getcwd()
    runs.cold_start(resolve.inference(config), root)


@inference.command("model-match")
@config_option
@click.option("--rows", type=click.IntRange(0, 100_000), default=50, show_default=True, help="Random rows besides the samples.")
@declares("rows", "agree", "first_difference", "registry_version", "served")
def model_match(config: str | None, rows: int) -> None:
    """The served model predicts as the registry's NAME@ALIAS does (loaded through MLflow)."""
    from clustercheck.inference import runs

    cfg = resolve.inference(config)
    if not cfg["_mlflow_url"] or not cfg["endpoint"].get("registry_alias"):
        raise UserError("model-match needs mlops.mlflow.url and inference.endpoint.registry_alias in the config")
    runs.model_match(cfg, cfg["_mlflow_url"], rows)


@inference.command("deploy-isvc")
@config_option
@click.option("--remove", is_flag=True, help="Delete the InferenceService afterwards.")
@declares("storage_uri", "artifact_key_prefix", "model_version", "source", "created", "deleted", "ready", "url",
          "predict", "sample.*", "error")
def deploy_isvc(config: str | None, remove: bool) -> None:
    """Create the InferenceService of the MLflow-registered model, wait for Ready, predict known inputs."""
    from clustercheck.inference import isvc
    from clustercheck.k8s.client import Cluster

    path, data = resolve.kubernetes(config)
    cfg = data["kubernetes"]
    if "inference" not in cfg or "mlops" not in data:
        raise UserError(f"config error: {path}: kubernetes.inference and mlops are needed to deploy an InferenceService")
    samples = data["mlops"].get("serving", {}).get("samples") or data.get("inference", {}).get("samples") or []
    isvc.deploy(Cluster(cfg), cfg, data["mlops"], samples, remove)


@inference.command()
@config_option
@click.argument("what", type=click.Choice(["up", "down", "balance"]))
@declares("offered_rate", "baseline_replicas", "max_replicas", "scaled_up_after_s", "start_replicas", "min_replicas",
          "scaled_down_after_s", "replicas", "cpu.*", "error")
def scaling(config: str | None, what: str) -> None:
    """Replicas of kubernetes.inference under the inference load (up), after it (down), CPU per replica."""
    from clustercheck.inference import scaling as k8s_scaling
    from clustercheck.k8s.client import Cluster

    path, data = resolve.kubernetes(config)
    cfg = data["kubernetes"]
    if "inference" not in cfg:
        raise UserError(f"config error: {path}: kubernetes.inference: is missing (the InferenceService to watch)")
    fn = {"up": k8s_scaling.scale_up, "down": k8s_scaling.scale_down, "balance": k8s_scaling.balance}[what]
    fn(Cluster(cfg), cfg, resolve.inference(config))
