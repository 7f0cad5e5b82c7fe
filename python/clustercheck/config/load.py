"""Load a target config: YAML, JSON-schema validation with defaults, cross-field rules, path resolution.

Every problem is reported as one ConfigError naming the file, the key path and what is wrong.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from importlib import resources
from typing import Any, Iterator

from clustercheck.errors import UserError

# Keys whose values are paths; relative ones are resolved against the config file's directory.
PATH_KEYS = {
    "state_file", "private_key", "storage_dir", "kernel", "initrd", "cli_config", "state_dir", "kubeconfig",
    "conf", "munge_socket", "work_dir", "python",
}
SECRET_KEY = re.compile(r"(password|secret|token)", re.IGNORECASE)


class ConfigError(UserError):
    def __init__(self, path: str, key: str, problem: str) -> None:
        super().__init__(f"config error: {path}: {key or '(top level)'}: {problem}")


def key_path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _schema() -> dict[str, Any]:
    text = resources.files("clustercheck.config").joinpath("schema.json").read_text()
    return json.loads(text)


def _validator() -> Any:
    import jsonschema  # heavy: imported only when a config is validated

    base = jsonschema.Draft202012Validator

    def set_defaults(validator: Any, properties: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = json.loads(json.dumps(sub["default"]))
        yield from base.VALIDATORS["properties"](validator, properties, instance, schema)

    cls = jsonschema.validators.extend(base, {"properties": set_defaults})
    return cls(_schema())


def _describe(error: Any) -> str:
    if error.validator == "pattern":
        return f"{error.instance!r} is not allowed here (it must match {error.validator_value})"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    return error.message


def validate(data: Any, path: str) -> None:
    if not isinstance(data, dict):
        raise ConfigError(path, "", "the file must hold a mapping of keys")
    import jsonschema

    validator = _validator()
    errors = list(validator.iter_errors(data))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        raise ConfigError(path, key_path(best.absolute_path), _describe(best))
    _cross_checks(data, path)


def _cross_checks(data: dict[str, Any], path: str) -> None:
    if data.get("mlops"):
        _mlops_checks(data["mlops"], path)
    clusters: list[tuple[str, dict[str, Any]]] = []
    if data.get("cloud_vm"):
        clusters.append(("cloud_vm.cluster", data["cloud_vm"]["cluster"]))
    hpc_cluster = (data.get("hpc") or {}).get("cluster")
    if hpc_cluster:
        if not data.get("cloud_vm"):
            raise ConfigError(path, "hpc.cluster", "needs the cloud_vm section: its cli and state_file manage both clusters")
        clusters.append(("hpc.cluster", hpc_cluster))
    for base, cluster in clusters:
        _cluster_checks(cluster, base, path)
    if len(clusters) == 2:
        _two_cluster_checks(clusters[0][1], clusters[1][1], path)


def _cluster_checks(cluster: dict[str, Any], base: str, path: str) -> None:
    gpus = [g["pci"] for g in cluster.get("gpus", [])]
    seen: set[str] = set()
    for i, pci in enumerate(gpus):
        if pci in seen:
            raise ConfigError(path, f"{base}.gpus[{i}].pci", f"GPU {pci} is declared twice")
        seen.add(pci)
    net = cluster["network"]
    network = ipaddress.ip_network(f"{net['gateway']}/{net['prefix']}", strict=False)
    names: set[str] = set()
    ips: set[str] = {net["gateway"]}
    for i, vm in enumerate(cluster["vms"]):
        where = f"{base}.vms[{i}]"
        if vm["name"] in names:
            raise ConfigError(path, f"{where}.name", f"VM name {vm['name']!r} is used twice")
        names.add(vm["name"])
        if "gpu" in vm and vm["gpu"] not in gpus:
            raise ConfigError(path, f"{where}.gpu", f"{vm['gpu']!r} is not a GPU declared in {base}.gpus")
        if ipaddress.ip_address(vm["ip"]) not in network:
            raise ConfigError(path, f"{where}.ip", f"{vm['ip']} is outside the cluster network {network}")
        if vm["ip"] in ips:
            raise ConfigError(path, f"{where}.ip", f"{vm['ip']} is already used in the cluster network")
        ips.add(vm["ip"])
        disk_names = [d["name"] for d in vm.get("disks", [])]
        if len(set(disk_names)) != len(disk_names):
            raise ConfigError(path, f"{where}.disks", "disk names must be unique within a VM")


def _two_cluster_checks(cloud: dict[str, Any], hpc: dict[str, Any], path: str) -> None:
    """The cloud and HPC clusters share one host and one state file: names must not collide."""
    if hpc["name"] == cloud["name"]:
        raise ConfigError(path, "hpc.cluster.name", f"{hpc['name']!r} is also the cloud cluster's name")
    if hpc["network"]["name"] == cloud["network"]["name"]:
        raise ConfigError(path, "hpc.cluster.network.name", "must differ from cloud_vm.cluster.network.name")
    nets = [ipaddress.ip_network(f"{c['network']['gateway']}/{c['network']['prefix']}", strict=False) for c in (cloud, hpc)]
    if nets[0].overlaps(nets[1]):
        raise ConfigError(path, "hpc.cluster.network", f"{nets[1]} overlaps the cloud cluster network {nets[0]}")
    cloud_vms = {vm["name"] for vm in cloud["vms"]}
    for i, vm in enumerate(hpc["vms"]):
        if vm["name"] in cloud_vms:
            raise ConfigError(path, f"hpc.cluster.vms[{i}].name", f"VM name {vm['name']!r} is also a cloud VM")
    cloud_gpus = {g["pci"]: g for g in cloud.get("gpus", [])}
    for i, gpu in enumerate(hpc.get("gpus", [])):
        other = cloud_gpus.get(gpu["pci"])
        if other is not None and other.get("simulated", False) != gpu.get("simulated", False):
            raise ConfigError(path, f"hpc.cluster.gpus[{i}].simulated", f"GPU {gpu['pci']} is declared differently by the cloud cluster")


def _mlops_checks(mlops: dict[str, Any], path: str) -> None:
    s3 = mlops["s3"]
    s3.setdefault("test_bucket", s3["buckets"][0])
    if s3["test_bucket"] not in s3["buckets"]:
        raise ConfigError(path, "mlops.s3.test_bucket", f"{s3['test_bucket']!r} is not one of mlops.s3.buckets")
    bucket = mlops["mlflow"]["artifact_bucket"]
    if bucket not in s3["buckets"]:
        raise ConfigError(path, "mlops.mlflow.artifact_bucket", f"{bucket!r} is not one of mlops.s3.buckets")
    for i, sample in enumerate(mlops.get("serving", {}).get("samples", [])):
        if len(sample["input"]) != len(mlops["serving"]["samples"][0]["input"]):
            raise ConfigError(path, f"mlops.serving.samples[{i}].input", "every sample needs the same number of features")


def _resolve_paths(node: Any, base_dir: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PATH_KEYS and isinstance(value, str):
                node[key] = os.path.normpath(os.path.join(base_dir, os.path.expanduser(value)))
            else:
                _resolve_paths(value, base_dir)
    elif isinstance(node, list):
        for item in node:
            _resolve_paths(item, base_dir)


def load(path: str) -> dict[str, Any]:
    """Read, validate and normalise a config file; raise ConfigError on any problem."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(path, "", exc.strerror or str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(path, where, f"invalid YAML: {problem}") from None
    validate(data, path)
    _resolve_paths(data, os.path.dirname(os.path.abspath(path)))
    data.setdefault("runner", {})
    data["_file"] = os.path.abspath(path)
    return data


def secret_values(data: Any) -> list[str]:
    """Values to mask in outputs: keys named like password/secret/token, plus the `secrets` list."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "secrets" and isinstance(value, list):
                    found.extend(str(v) for v in value if v)
                elif SECRET_KEY.search(str(key)) and isinstance(value, (str, int)) and str(value):
                    found.append(str(value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return sorted(set(found), key=len, reverse=True)
