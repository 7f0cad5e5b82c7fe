"""Load a target config: YAML, JSON-schema validation with defaults, cross-field rules, path resolution.

Every problem is reported as one ConfigError naming the file, the key path and what is wrong.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
from importlib import resources
from typing import Any, Iterator
from urllib.parse import urlsplit

from clustercheck import yamlfile
from clustercheck.aihow import cluster_yaml
from clustercheck.errors import UserError

# Keys whose values are paths; relative ones are resolved against the config file's directory.
PATH_KEYS = {
    "state_file", "hpc_state_file", "private_key", "storage_dir", "kernel", "initrd", "cli_config", "state_dir", "kubeconfig",
    "conf", "munge_socket", "work_dir", "python", "scratch_dir", "program", "munge_key", "bundle",
    "prolog", "epilog", "epilog_slurmctld", "history_file", "record_dir", "debug_dir", "gpu_device_dir", "oci_runtime", "unreadable_path",
    "nvml_module", "devices_dir", "build_dir", "gpu_devices_dir",
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


@functools.lru_cache(maxsize=None)
def schema() -> dict[str, Any]:
    """schema.json, read once a process (shared: callers copy what they change)."""
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
    return cls(schema())


# Validators whose messages name keys only, never the value that failed.
_KEYS_ONLY = {"additionalProperties", "required"}
HIDDEN = "(value hidden: it is a secret)"


def is_secret_key(key: Any) -> bool:
    return isinstance(key, str) and (key == "secrets" or bool(SECRET_KEY.search(key)))


def _holds_secret(node: Any) -> bool:
    """NODE is, or contains, a value under a secret key (whatever its type)."""
    if isinstance(node, dict):
        return any(is_secret_key(k) and v not in (None, "") or _holds_secret(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_holds_secret(item) for item in node)
    return False


def _describe(error: Any) -> str:
    if error.validator not in _KEYS_ONLY and (
        any(is_secret_key(p) for p in error.absolute_path) or _holds_secret(error.instance)
    ):
        # jsonschema's messages quote the instance; a secret's value must not reach any output.
        return _describe_hidden(error)
    if error.validator == "pattern":
        return f"{error.instance!r} is not allowed here (it must match {error.validator_value})"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    return error.message


def _describe_hidden(error: Any) -> str:
    rule, want = error.validator, error.validator_value
    if rule == "type":
        return f"must be of type {want!r} {HIDDEN}"
    if rule == "pattern":
        return f"must match {want} {HIDDEN}"
    if rule in ("minLength", "maxLength"):
        return f"must be {'at least' if rule == 'minLength' else 'at most'} {want} characters long {HIDDEN}"
    return f"fails the schema's {rule!r} rule {HIDDEN}"


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
    if data.get("hpc", {}).get("local"):
        _hpc_local_derived(data, path)
        _hpc_local_nodes(data["hpc"], path)
    if data.get("kubernetes", {}).get("local"):
        _kube_local(data, path)
    gpu_node = data.get("gpu_node", {})
    if gpu_node.get("runs_on") == "kubernetes" and not gpu_node.get("kubernetes", {}).get("image"):
        raise ConfigError(path, "gpu_node.kubernetes.image", "needed with runs_on kubernetes: the image the probe Jobs run")


def _loopback_port(url: str | None) -> int | None:
    if not url:
        return None
    parsed = urlsplit(url)
    return parsed.port if parsed.hostname in ("127.0.0.1", "localhost") and parsed.port else None


def _hpc_local_derived(data: dict[str, Any], path: str) -> None:
    """What the local SLURM cluster is built with, from the keys that state each fact once: the nodes'
    CPUs and memory from hpc.slurm, the job user from hpc.runtime, the registry's and Prometheus's
    ports from their URLs, and the host services jobs reach from the URLs of MLflow and the registry."""
    hpc = data["hpc"]
    local, slurm = hpc["local"], hpc["slurm"]
    for key, source in (("cpus", "cpus_per_node"), ("memory_mib", "memory_mib_per_node")):
        if key not in local and source not in slurm:
            raise ConfigError(path, f"hpc.slurm.{source}", f"is missing: it sizes each local node (hpc.local.{key})")
        local.setdefault(key, slurm.get(source))
        if slurm.get(source, local[key]) != local[key]:
            raise ConfigError(path, f"hpc.local.{key}", f"is {local[key]} but hpc.slurm.{source} says {slurm[source]}")
    local.setdefault("job_user", hpc.get("runtime", {}).get("job_user") or "ccjob")
    registry = _loopback_port(hpc.get("containers", {}).get("registry", {}).get("url"))
    prometheus = _loopback_port(hpc.get("monitoring", {}).get("prometheus_url"))
    if registry:
        local["registry_port"] = registry
    if prometheus:
        local["prometheus_port"] = prometheus
    mlflow = _loopback_port(data.get("mlops", {}).get("mlflow", {}).get("url"))
    local["host_ports"] = [p for p in (mlflow, registry) if p and p not in local["host_ports"]] + local["host_ports"]


def _hpc_local_nodes(hpc: dict[str, Any], path: str) -> None:
    """The local SLURM cluster's compute nodes, derived once here so that the stack, Ansible and the
    checks agree: names cc-cnNN, the controller at .1 of hpc.local.subnet and the nodes from .11."""
    local = hpc["local"]
    count = local["compute_nodes"]
    if hpc["slurm"]["nodes"] != count:
        raise ConfigError(path, "hpc.slurm.nodes", f"is {hpc['slurm']['nodes']} but hpc.local.compute_nodes brings up {count}")
    net = ipaddress.ip_network(local["subnet"])
    local["controller_address"] = str(net.network_address + 1)
    local["prefix"] = net.prefixlen
    local["nodes"] = [
        {"name": f"cc-cn{i:02d}", "address": str(net.network_address + 10 + i), "veth": f"{local['bridge'][:8]}v{i}"}
        for i in range(1, count + 1)
    ]


def _kube_local(data: dict[str, Any], path: str) -> None:
    """The local Kubernetes cluster's addresses, derived once here so that the stack and the checks agree:
    the API server on .1 of kubernetes.local.subnet, nodes cc-knNN from .11, node N's pods in the Nth /24
    of pod_subnet, the API service at .1 and cluster DNS at .10 of service_subnet; the host ports its nodes
    forward to this host's loopback (the served model's and MLflow's, as on the SLURM nodes; S3's for KServe)."""
    kube = data["kubernetes"]
    local = kube["local"]
    net = ipaddress.ip_network(local["subnet"])
    pods = ipaddress.ip_network(local["pod_subnet"])
    services = ipaddress.ip_network(local["service_subnet"])
    if net.overlaps(pods) or net.overlaps(services) or pods.overlaps(services):
        raise ConfigError(path, "kubernetes.local.pod_subnet", f"{pods}, {services} (service_subnet) and {net} (subnet) must not overlap")
    version = kube.get("expected", {}).get("version")
    if version and not (local["release"] + ".").startswith(version + "."):
        raise ConfigError(path, "kubernetes.expected.version", f"is {version} but the local cluster runs {local['release']} (kubernetes.local.release)")
    local["apiserver_address"] = str(net.network_address + 1)
    local["prefix"] = net.prefixlen
    local["api_service_ip"] = str(services.network_address + 1)
    local["dns_service_ip"] = str(services.network_address + 10)
    local.setdefault("build_dir", os.path.join(local["state_dir"], "build"))
    served = [_loopback_port(data.get("inference", {}).get("endpoint", {}).get("url")),
              _loopback_port(data.get("mlops", {}).get("mlflow", {}).get("url"))]
    if "kserve" in local:  # KServe's storage initializer fetches the models from S3
        served.append(_loopback_port(data.get("mlops", {}).get("s3", {}).get("endpoint")))
    local["host_ports"] = [p for p in served if p and p not in local["host_ports"]] + local["host_ports"]
    subnets = list(pods.subnets(new_prefix=24))
    local["nodes"] = [
        {"name": f"cc-kn{i:02d}", "address": str(net.network_address + 10 + i), "veth": f"{local['bridge'][:8]}v{i}",
         "pod_cidr": str(subnets[i])}
        for i in range(1, local["nodes"] + 1)
    ]


def _platform_clusters(data: dict[str, Any], path: str) -> None:
    """cloud_vm.cluster and hpc.cluster, derived from the platform's cluster YAML (cloud_vm.cli_config):
    a user describes the cluster once, in ai-how's own format, and every check reads the same names."""

    cloud_vm = data.get("cloud_vm")
    if not cloud_vm:
        return
    yaml_path = cloud_vm["cli_config"]
    platform = cluster_yaml.load_yaml(yaml_path)
    cloud = cluster_yaml.describe(yaml_path, "cloud", platform)
    hpc = cluster_yaml.describe(yaml_path, "hpc", platform)
    if cloud:
        cloud_vm["cluster"] = cloud
    if hpc:
        data.setdefault("hpc", {})["cluster"] = hpc
        if not cloud_vm.get("hpc_state_file"):
            raise ConfigError(path, "cloud_vm.hpc_state_file", f"is missing: {yaml_path} describes an HPC cluster, whose state ai-how keeps in a file of its own")
        if os.path.dirname(cloud_vm["hpc_state_file"]) != os.path.dirname(cloud_vm["state_file"]):
            raise ConfigError(path, "cloud_vm.hpc_state_file", "must be in the same folder as cloud_vm.state_file: ai-how keeps GPU owners in one global-state.json beside them")
    for c in (cloud, hpc):
        if not c:
            continue
        net = ipaddress.ip_network(f"{c['network']['gateway']}/{c['network']['prefix']}", strict=False)
        for vm in c["vms"]:
            if ipaddress.ip_address(vm["ip"]) not in net:
                raise ConfigError(yaml_path, f"clusters.{c['kind']}: {vm['name']}", f"{vm['ip']} is outside the cluster network {net}")
    if cloud and hpc:
        if cloud["name"] == hpc["name"]:
            raise ConfigError(yaml_path, "clusters.hpc.name", f"{hpc['name']!r} is also the cloud cluster's name")
        nets = [ipaddress.ip_network(f"{c['network']['gateway']}/{c['network']['prefix']}", strict=False) for c in (cloud, hpc)]
        if nets[0].overlaps(nets[1]):
            raise ConfigError(yaml_path, "clusters.hpc.network.subnet", f"{nets[1]} overlaps the cloud cluster network {nets[0]}")


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

    data = yamlfile.read(path, ConfigError)
    try:
        validate(data, path)
        _resolve_paths(data, os.path.dirname(os.path.abspath(path)))
        _platform_clusters(data, path)
    except UserError as exc:
        # Last line of defence: a secret's value reused under another key, or quoted by a rule we
        # did not foresee, is masked before the message reaches any output.
        message = str(exc)
        for value in secret_values(data):
            if len(value) >= 4:
                message = message.replace(value, "********")
        if message != str(exc):
            raise UserError(message) from None
        raise
    data.setdefault("runner", {})
    data["_file"] = os.path.abspath(path)
    return data


def secret_values(data: Any) -> list[str]:
    """Values to mask in outputs: whatever is under keys named like password/secret/token (every
    scalar, also inside lists and mappings), plus the `secrets` list."""
    found: list[str] = []

    def leaves(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                leaves(value)
        elif isinstance(node, list):
            for item in node:
                leaves(item)
        elif node is not None and not isinstance(node, bool) and str(node):
            # a boolean is no secret worth the name, and masking every "True" would garble reports
            found.append(str(node))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if is_secret_key(key):
                    leaves(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return sorted(set(found), key=len, reverse=True)
