"""Config validation: good files pass; bad ones give exit 2 and one line naming file and key."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import BIN, LOCAL, ROOT, run


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return run([str(BIN / "clustercheck"), "config", "validate", str(path)])


@pytest.mark.parametrize("name", ["local.yaml", "test-cloud-vm.yaml"])
def test_shipped_configs_are_valid(name: str) -> None:
    result = validate(ROOT / "test-infra" / "configs" / name)
    assert result.returncode == 0, result.stderr


def _set(data: dict[str, Any], path: list[Any], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value


BAD = [
    (["cloud_vm", "cluster", "vms", 0, "vcpus"], KeyError, "cloud_vm.cluster.vms[0]", "'vcpus' is missing"),
    (["cloud_vm", "cluster", "vms", 1, "memory_mib"], "lots", "cloud_vm.cluster.vms[1].memory_mib", "not of type 'integer'"),
    (["cloud_vm", "cluster", "vms", 1, "gpu"], "0000:99:00.0", "cloud_vm.cluster.vms[1].gpu", "not a GPU declared"),
    (["cloud_vm", "cluster", "vms", 0, "name"], "vm1; rm -rf /", "cloud_vm.cluster.vms[0].name", "not allowed"),
    (["cloud_vm", "cluster", "name"], "$(reboot)", "cloud_vm.cluster.name", "not allowed"),
    (["cloud_vm", "cli"], "ai-how && curl x", "cloud_vm.cli", "not allowed"),
    (["cloud_vm", "cluster", "vms", 2, "ip"], "192.168.213.11", "cloud_vm.cluster.vms[2].ip", "already used"),
    (["cloud_vm", "cluster", "vms", 0, "ip"], "10.9.9.9", "cloud_vm.cluster.vms[0].ip", "outside the cluster network"),
    (["cloud_vm", "colour"], "blue", "cloud_vm", "unknown key"),
    (["target", "kind"], "cloud", "target.kind", "is not one of"),
    (["mlops", "s3", "endpoint"], "ftp://127.0.0.1:18333", "mlops.s3.endpoint", "not allowed"),
    (["mlops", "s3", "buckets", 0], "Bad_Bucket", "mlops.s3.buckets[0]", "not allowed"),
    (["mlops", "s3", "secret_key"], KeyError, "mlops.s3", "'secret_key' is missing"),
    (["mlops", "s3", "test_bucket"], "elsewhere", "mlops.s3.test_bucket", "is not one of mlops.s3.buckets"),
    (["mlops", "s3", "flavor"], "ceph", "mlops.s3.flavor", "is not one of"),
    (["mlops", "postgresql", "port"], 70000, "mlops.postgresql.port", "maximum"),
    (["mlops", "postgresql", "restart_command"], "stack restart; reboot", "mlops.postgresql.restart_command", "not allowed"),
    (["mlops", "mlflow", "artifact_bucket"], "nowhere", "mlops.mlflow.artifact_bucket", "is not one of mlops.s3.buckets"),
    (["mlops", "serving", "endpoints", 0, "protocol"], "grpc", "mlops.serving.endpoints[0].protocol", "is not one of"),
    (["mlops", "serving", "samples", 1, "input"], [1.0], "mlops.serving.samples[1].input", "same number of features"),
    (["mlops", "timeouts", "ready_s"], 0, "mlops.timeouts.ready_s", "minimum"),
    (["hpc", "slurm", "partition"], "gpu; scancel -u root", "hpc.slurm.partition", "not allowed"),
    (["hpc", "slurm", "gpus_per_node"], -1, "hpc.slurm.gpus_per_node", "minimum"),
    (["hpc", "cluster", "name"], "cc-local", "hpc.cluster.name", "also the cloud cluster's name"),
    (["hpc", "cluster", "network", "name"], "cc-local-net", "hpc.cluster.network.name", "must differ"),
    (["hpc", "cluster", "network", "prefix"], 16, "hpc.cluster.network", "overlaps the cloud cluster network"),
    (["hpc", "cluster", "vms", 0, "name"], "gpu-2", "hpc.cluster.vms[0].name", "also a cloud VM"),
    (["hpc", "cluster", "vms", 1, "gpu"], "0000:99:00.0", "hpc.cluster.vms[1].gpu", "not a GPU declared in hpc.cluster.gpus"),
    (["hpc", "cluster", "gpus", 1, "simulated"], False, "hpc.cluster.gpus[1].simulated", "declared differently"),
    (["hpc", "resources", "cpu_overcommit"], 0.5, "hpc.resources.cpu_overcommit", "minimum"),
]


@pytest.mark.parametrize("path,value,key,problem", BAD)
def test_bad_config_is_one_line_exit_2(
    local_data: dict[str, Any], write_config: Callable[..., Path], path: list[Any], value: Any, key: str, problem: str
) -> None:
    _set(local_data, path, value)
    cfg = write_config(local_data)
    result = validate(cfg)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(cfg) in lines[0] and key in lines[0] and problem in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.yaml"
    cfg.write_text("target:\n  name: x\n  kind: [local\n")
    result = validate(cfg)
    assert result.returncode == 2
    assert str(cfg) in result.stderr and "line" in result.stderr and "invalid YAML" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = validate(tmp_path / "nope.yaml")
    assert result.returncode == 2 and "file not found" in result.stderr


def test_bad_config_creates_nothing(local_data: dict[str, Any], write_config: Callable[..., Path], tmp_path: Path) -> None:
    local_data["cloud_vm"]["cluster"]["vms"][0]["memory_mib"] = "x"
    local_data["cloud_vm"]["state_file"] = str(tmp_path / "state.json")
    cfg = write_config(local_data)
    result = run([str(BIN / "clustercheck-ai-how"), "--state", str(tmp_path / "state.json"), "cloud", "start", str(cfg)])
    assert result.returncode == 2 and "memory_mib" in result.stderr
    assert not (tmp_path / "state.json").exists()
    report_dir = tmp_path / "reports"
    fw = run([str(ROOT / "frameworks" / "test-cloud-vm-framework.sh"), "e2e", "--config", str(cfg), "--report-dir", str(report_dir)])
    assert fw.returncode == 2 and "memory_mib" in fw.stderr
    assert not report_dir.exists()


def test_export_is_shell_safe(local_data: dict[str, Any], write_config: Callable[..., Path]) -> None:
    local_data["target"]["description"] = "it's $(touch /tmp/cc-pwned) `x` \"q\""
    cfg = write_config(local_data)
    exported = run([str(BIN / "clustercheck"), "config", "export", str(cfg)])
    assert exported.returncode == 0
    shown = subprocess.run(
        ["bash", "-c", 'eval "$1"; printf "%s|%s|%s" "$CC_TARGET_DESCRIPTION" "$CC_CLOUD_VM_CLUSTER_VMS_COUNT" "$CC_CLOUD_VM_CLUSTER_VMS_1_GPU"', "_", exported.stdout],
        capture_output=True, text=True, check=True,
    ).stdout
    assert shown == f"{local_data['target']['description']}|3|0000:65:00.0"
    assert not Path("/tmp/cc-pwned").exists()


def test_relative_paths_resolve_against_the_config_file() -> None:
    exported = run([str(BIN / "clustercheck"), "config", "export", str(LOCAL)]).stdout
    assert f"CC_CLOUD_VM_STATE_FILE={ROOT}/.local-target/ai-how/state.json" in exported


def test_hpc_cluster_needs_the_cloud_cli(local_data: dict[str, Any], write_config: Callable[..., Path]) -> None:
    del local_data["cloud_vm"]
    result = validate(write_config(local_data))
    assert result.returncode == 2 and "hpc.cluster: needs the cloud_vm section" in result.stderr
