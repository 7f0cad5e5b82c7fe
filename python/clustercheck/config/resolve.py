"""Which config a helper command reads, and the section it needs, resolved once for every command
group: the file given with --config, else $CC_CONFIG_FILE as the runner exports it. A section that is
missing is an error saying what that means for the target."""

from __future__ import annotations

import os
from typing import Any

from clustercheck.config import defaults
from clustercheck.config.load import load, secret_values
from clustercheck.errors import UserError


def target(config: str | None) -> tuple[str, dict[str, Any]]:
    """(path, whole validated config) of the file given, or of $CC_CONFIG_FILE."""
    path = config or os.environ.get("CC_CONFIG_FILE")
    if not path:
        raise UserError("no config: pass --config FILE or set CC_CONFIG_FILE")
    return path, load(path)


def with_section(config: str | None, section: str, meaning: str) -> tuple[str, dict[str, Any]]:
    """target(), refusing a config without SECTION with what that means (MEANING)."""
    path, data = target(config)
    if section not in data:
        raise UserError(f"config error: {path}: {section}: is missing ({meaning})")
    return path, data


def mlops(config: str | None) -> dict[str, Any]:
    return with_section(config, "mlops", "this target has no MLOps stack")[1]["mlops"]


def kubernetes(config: str | None) -> tuple[str, dict[str, Any]]:
    return with_section(config, "kubernetes", "this target has no Kubernetes cluster")


def inference(config: str | None) -> dict[str, Any]:
    """The inference section with the known answers (inference.samples, else the model server's) and
    the registry's URL, which the model-match check compares with."""
    path, data = with_section(config, "inference", "this target has no inference endpoint")
    cfg = data["inference"]
    if not cfg.get("samples"):
        cfg["samples"] = data.get("mlops", {}).get("serving", {}).get("samples", [])
    if not cfg["samples"] and cfg["endpoint"]["protocol"] not in ("openai-completions", "openai-chat"):
        raise UserError(f"config error: {path}: inference.samples: known inputs and answers are needed")
    cfg["_mlflow_url"] = data.get("mlops", {}).get("mlflow", {}).get("url", "")
    # what placed load workers need (inference.load.distributed): the scheduler's sections
    cfg["_schedulers"] = {"path": path, "hpc": data.get("hpc", {}), "kubernetes": data.get("kubernetes", {})}
    return cfg


def gpu_node_of(data: dict[str, Any]) -> dict[str, Any]:
    """The gpu_node section of a loaded config, the schema's defaults where the target has none."""
    return defaults.of("gpu_node", data.get("gpu_node"))


def gpu_node(path: str | None) -> dict[str, Any]:
    """The gpu_node section; a probe run by hand without a config uses the schema's defaults."""
    return gpu_node_of(load(path) if path else {})


def whole(path: str) -> dict[str, Any]:
    return load(path)


def for_reports(path: str | None) -> tuple[dict[str, Any], list[str]]:
    """What a report writer needs of the config: its runner section (the schema's defaults without one)
    and the secret values to mask."""
    if not path:
        return defaults.of("runner"), []
    data = load(path)
    return data["runner"], secret_values(data)
