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
    (["cloud_vm", "cli"], "ai-how && curl x", "cloud_vm.cli", "not allowed"),
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
    (["hpc", "resources", "cpu_overcommit"], 0.5, "hpc.resources.cpu_overcommit", "minimum"),
    (["hpc", "slurm", "nodes"], 3, "hpc.slurm.nodes", "is 3 but hpc.local.compute_nodes brings up 2"),
    (["hpc", "slurm", "failure_recovery", "stop_command"], "stack node-stop {node}; reboot", "hpc.slurm.failure_recovery.stop_command", "not allowed"),
    (["hpc", "local", "subnet"], "192.168.5.0/24", "hpc.local.subnet", "not allowed"),
    (["hpc", "local", "db_password"], KeyError, "hpc.local", "'db_password' is missing"),

    (["cloud_vm", "cli_config"], KeyError, "cloud_vm", "'cli_config' is missing"),
    (["cloud_vm", "cluster"], {"name": "x"}, "cloud_vm", "unknown key"),
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


# The platform's cluster YAML (cloud_vm.cli_config): its errors name that file and the key in it.
BAD_CLUSTERS = [
    (["clusters", "cloud", "worker_nodes", 0, "cpu_cores"], KeyError, "clusters.cloud.worker_nodes[0].cpu_cores", "is missing"),
    (["clusters", "cloud", "worker_nodes", 1, "memory_gb"], "lots", "clusters.cloud.worker_nodes[1].memory_gb", "must be an integer"),
    (["clusters", "cloud", "control_plane", "ip_address"], "10.9.9.9", "cc-local-control-plane", "outside the cluster network"),
    (["clusters", "cloud", "control_plane", "ip_address"], "no-ip", "clusters.cloud.control_plane.ip_address", "not an IPv4 address"),
    (["clusters", "cloud", "name"], "$(reboot)", "clusters.cloud.name", "not allowed"),
    (["clusters", "hpc", "name"], "cc-local", "clusters.hpc.name", "also the cloud cluster's name"),
    (["clusters", "hpc", "network", "subnet"], "192.168.0.0/16", "clusters.hpc.network.subnet", "overlaps the cloud cluster network"),
    (["clusters", "hpc", "compute_nodes"], "many", "clusters.hpc.compute_nodes", "must be a list"),
    (["clusters"], "none", "clusters", "not an ai-how cluster configuration"),
]


@pytest.mark.parametrize("path,value,key,problem", BAD_CLUSTERS)
def test_bad_cluster_yaml_is_one_line_exit_2(
    local_data: dict[str, Any], platform_data: dict[str, Any], write_target: Callable[..., Path], tmp_path: Path,
    path: list[Any], value: Any, key: str, problem: str,
) -> None:
    _set(platform_data, path, value)
    result = validate(write_target(local_data, platform_data))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(tmp_path / "clusters-cfg.yaml") in lines[0] and key in lines[0] and problem in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_missing_cluster_yaml_names_it(local_data: dict[str, Any], write_config: Callable[..., Path], tmp_path: Path) -> None:
    local_data["cloud_vm"]["cli_config"] = str(tmp_path / "gone.yaml")
    result = validate(write_config(local_data))
    assert result.returncode == 2 and f"{tmp_path / 'gone.yaml'}: (top level): file not found" in result.stderr


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.yaml"
    cfg.write_text("target:\n  name: x\n  kind: [local\n")
    result = validate(cfg)
    assert result.returncode == 2
    assert str(cfg) in result.stderr and "line" in result.stderr and "invalid YAML" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = validate(tmp_path / "nope.yaml")
    assert result.returncode == 2 and "file not found" in result.stderr


def test_bad_config_creates_nothing(
    local_data: dict[str, Any], platform_data: dict[str, Any], write_target: Callable[..., Path], tmp_path: Path
) -> None:
    platform_data["clusters"]["cloud"]["control_plane"]["memory_gb"] = "x"
    local_data["cloud_vm"]["state_file"] = str(tmp_path / "state.json")
    cfg = write_target(local_data, platform_data)
    result = run([str(BIN / "clustercheck-ai-how"), "--state", str(tmp_path / "state.json"), "cloud", "start",
                  str(tmp_path / "clusters-cfg.yaml")])
    assert result.returncode == 1 and "memory_gb" in result.stdout
    assert not (tmp_path / "state.json").exists()
    report_dir = tmp_path / "reports"
    fw = run([str(ROOT / "frameworks" / "test-cloud-vm-framework.sh"), "e2e", "--config", str(cfg), "--report-dir", str(report_dir)])
    assert fw.returncode == 2 and "memory_gb" in fw.stderr
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
    assert f"CC_CLOUD_VM_STATE_FILE={ROOT}/.local-target/ai-how/cloud-state.json" in exported


def test_an_hpc_cluster_needs_its_state_file_beside_the_clouds(local_data: dict[str, Any], write_config: Callable[..., Path]) -> None:
    del local_data["cloud_vm"]["hpc_state_file"]
    result = validate(write_config(local_data))
    assert result.returncode == 2 and "cloud_vm.hpc_state_file: is missing" in result.stderr
    local_data["cloud_vm"]["hpc_state_file"] = "/elsewhere/hpc-state.json"
    result = validate(write_config(local_data, "b.yaml"))
    assert result.returncode == 2 and "must be in the same folder as cloud_vm.state_file" in result.stderr


def test_local_slurm_nodes_are_derived_once_for_the_stack_and_the_checks() -> None:
    exported = run([str(BIN / "clustercheck"), "config", "export", str(LOCAL)]).stdout
    for line in ("CC_HPC_LOCAL_NODES_COUNT=2", "CC_HPC_LOCAL_NODES_0_NAME=cc-cn01", "CC_HPC_LOCAL_NODES_1_ADDRESS=10.99.0.12",
                 "CC_HPC_LOCAL_CONTROLLER_ADDRESS=10.99.0.1", "CC_HPC_LOCAL_NODES_1_VETH=cc-slurmv2"):
        assert line in exported.splitlines(), line
    # The MariaDB password is a secret: masked in every report.
    secrets = run([str(BIN / "clustercheck"), "config", "secrets", str(LOCAL)]).stdout
    assert "cc-local-slurmdb-8Hq3Wn" in secrets


def test_export_to_a_device_writes_through_it(tmp_path: Path) -> None:
    # -o /dev/stdout must print, not replace the link (an atomic rename onto it once swapped /dev/null for a file).
    link = tmp_path / "out"
    target = tmp_path / "target.env"
    target.write_text("")
    link.symlink_to(target)
    run([str(BIN / "clustercheck"), "config", "export", str(LOCAL), "-o", str(link)])
    assert link.is_symlink() and "CC_TARGET_NAME=local" in target.read_text()
