"""The local Kubernetes cluster's pieces that need no cluster: the addresses the config derives, the OCI
archives its images are written as, and the manifests the Jobs are made of (simulated GPUs mounted,
host-network load workers). The cluster itself is exercised by tests/e2e/12-kubernetes-local.bats."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from clustercheck.bench import k8s_workers
from clustercheck.config.load import ConfigError, load
from clustercheck.gpunode import judge, k8s_jobs

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / "test-infra" / "configs" / "local.yaml"
OCI = ROOT / "test-infra" / "local" / "k8s" / "oci-image.py"


def _local(tmp_path: Path, edit: Any = None) -> dict[str, Any]:
    data = yaml.safe_load(LOCAL.read_text())
    if edit:
        edit(data)
    path = LOCAL.parent / f".test-{tmp_path.name}.yaml"  # relative paths resolve beside local.yaml
    path.write_text(yaml.safe_dump(data))
    try:
        return load(str(path))
    finally:
        path.unlink()


def test_the_local_cluster_is_derived_once(tmp_path: Path) -> None:
    local = _local(tmp_path)["kubernetes"]["local"]
    assert local["apiserver_address"] == "10.98.0.1" and local["api_service_ip"] == "10.96.0.1"
    assert local["dns_service_ip"] == "10.96.0.10"
    assert [(n["name"], n["address"], n["pod_cidr"]) for n in local["nodes"]] == [
        ("cc-kn01", "10.98.0.11", "10.244.1.0/24"), ("cc-kn02", "10.98.0.12", "10.244.2.0/24")]
    # the served model's and MLflow's ports reach the nodes' loopback
    assert local["host_ports"][:2] == [15001, 15000]
    assert local["build_dir"] == str(ROOT / ".local-target" / "k8s" / "build")


def test_overlapping_networks_and_a_version_the_cluster_does_not_run_are_config_errors(tmp_path: Path) -> None:
    def overlap(d: dict[str, Any]) -> None:
        d["kubernetes"]["local"]["pod_subnet"] = "10.96.0.0/16"

    with pytest.raises(ConfigError, match=r"kubernetes.local.pod_subnet: .* must not overlap"):
        _local(tmp_path, overlap)

    def version(d: dict[str, Any]) -> None:
        d["kubernetes"]["expected"]["version"] = "v1.33"

    with pytest.raises(ConfigError, match=r"kubernetes.expected.version: is v1.33 but the local cluster runs v1.34.4"):
        _local(tmp_path, version)


def _oci(tmp_path: Path, name: str, *args: str) -> dict[str, bytes]:
    out = tmp_path / f"{name}.tar"
    subprocess.run([sys.executable, str(OCI), "--ref", f"cc.local/{name}:1", "--out", str(out), *args], check=True)
    with tarfile.open(out) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]


def test_an_image_is_an_oci_layout_whose_digests_hold_and_the_same_inputs_give_the_same_image(tmp_path: Path) -> None:
    src = tmp_path / "tool"
    src.write_text("#!/bin/sh\necho hi\n")
    src.chmod(0o755)
    files = _oci(tmp_path, "one", "--add", f"{src}:/bin/tool", "--link", "/bin/alias:tool", "--entrypoint", "/bin/tool")
    index = json.loads(files["index.json"])
    desc = index["manifests"][0]
    assert desc["annotations"]["io.containerd.image.name"] == "cc.local/one:1"
    for name, data in files.items():
        if name.startswith("blobs/sha256/"):
            assert hashlib.sha256(data).hexdigest() == name.rsplit("/", 1)[1]
    manifest = json.loads(files["blobs/sha256/" + desc["digest"].split(":")[1]])
    config = json.loads(files["blobs/sha256/" + manifest["config"]["digest"].split(":")[1]])
    layer = files["blobs/sha256/" + manifest["layers"][0]["digest"].split(":")[1]]
    assert config["rootfs"]["diff_ids"] == [manifest["layers"][0]["digest"]]
    assert config["config"]["Entrypoint"] == ["/bin/tool"]
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["bin/tool"].mode & 0o111 and members["bin/alias"].linkname == "tool"
    assert {m.uid for m in members.values()} == {0} and {m.mtime for m in members.values()} == {0}
    again = _oci(tmp_path, "one", "--add", f"{src}:/bin/tool", "--link", "/bin/alias:tool", "--entrypoint", "/bin/tool")
    assert json.loads(again["index.json"]) == index


def test_a_link_never_replaces_a_real_directory_of_the_image(tmp_path: Path) -> None:
    src = tmp_path / "busybox"
    src.write_text("x")
    files = _oci(tmp_path, "bb", "--add", f"{src}:/bin/busybox", "--link", "/bin:usr/bin", "--link", "/bin/busybox:busybox")
    manifest = json.loads(files["blobs/sha256/" + json.loads(files["index.json"])["manifests"][0]["digest"].split(":")[1]])
    layer = files["blobs/sha256/" + manifest["layers"][0]["digest"].split(":")[1]]
    with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["bin"].isdir() and members["bin/busybox"].isfile()


def test_a_gpu_node_job_on_simulated_gpus_mounts_the_nvml_stand_in_and_the_nodes_own_device_file(tmp_path: Path) -> None:
    (tmp_path / "default.json").write_text("{}")
    (tmp_path / "cc-kn02.json").write_text("{}")
    cfg = judge.settings({"simulated": {"nvml_module": "/sim/nvml", "devices_dir": str(tmp_path)},
                          "kubernetes": {"image": "cc.local/clustercheck:1"}})
    for node, file in (("cc-kn01", "default.json"), ("cc-kn02", "cc-kn02.json")):
        spec = k8s_jobs.manifest(node, 2, cfg)["spec"]["template"]["spec"]
        env = {e["name"]: e["value"] for e in spec["containers"][0]["env"]}
        assert env["CC_NVML_SIM"] == f"{k8s_jobs.SIM_DIR}/devices/{file}" and env["PYTHONPATH"] == f"{k8s_jobs.SIM_DIR}/nvml"
        assert {v["hostPath"]["path"] for v in spec["volumes"]} == {"/sim/nvml", str(tmp_path)}
    real = k8s_jobs.manifest("gpu-1", 8, judge.settings({"kubernetes": {"image": "x"}}))["spec"]["template"]["spec"]
    assert "volumes" not in real and not any(e["name"] == "CC_NVML_SIM" for e in real["containers"][0]["env"])


def test_load_workers_use_their_nodes_network_only_when_asked() -> None:
    plan = {"workers": 2}
    job = k8s_workers.manifests(plan, "img", "00001", 60)[1]["spec"]["template"]["spec"]
    assert "hostNetwork" not in job
    job = k8s_workers.manifests(plan, "img", "00001", 60, host_network=True)[1]["spec"]["template"]["spec"]
    assert job["hostNetwork"] is True and job["dnsPolicy"] == "ClusterFirstWithHostNet"


class _Taint:
    def __init__(self, key: str, value: str, effect: str) -> None:
        self.key, self.value, self.effect = key, value, effect

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "effect": self.effect, "time_added": None}


class _Core:
    def __init__(self, taints: list[_Taint]) -> None:
        self.node = type("N", (), {"spec": type("S", (), {"taints": taints})()})()
        self.patches: list[dict[str, Any]] = []

    def read_node(self, name: str, **_: Any) -> Any:
        return self.node

    def patch_node(self, name: str, body: dict[str, Any], **_: Any) -> None:
        self.patches.append(body)


def test_a_node_marked_unhealthy_keeps_its_other_taints_and_gets_one_naming_the_check() -> None:
    core = _Core([_Taint("dedicated", "gpu", "NoSchedule"), _Taint(k8s_jobs.UNHEALTHY, "old", "NoSchedule")])
    cluster = type("C", (), {"core": core, "kw": lambda self: {}})()
    got = k8s_jobs.mark_unhealthy(cluster, "cc-kn02", "check-gpu-memory-health", "GPU 1: a row remap is pending")
    assert got == "clustercheck.io/gpu-unhealthy=check-gpu-memory-health:NoSchedule"
    patch = core.patches[0]
    assert patch["spec"]["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                                       {"key": k8s_jobs.UNHEALTHY, "value": "check-gpu-memory-health", "effect": "NoSchedule"}]
    assert patch["metadata"]["labels"] == {"clustercheck.io/gpu-health": "failed"}
    assert "row remap" in patch["metadata"]["annotations"]["clustercheck.io/gpu-unhealthy-reason"]


def _node(name: str, capacity: int, allocatable: int, ready: str = "True", cordoned: bool = False) -> Any:
    ns = type("NS", (), {})
    n = ns()
    n.metadata = ns()
    n.metadata.name, n.metadata.labels = name, {"kubernetes.io/hostname": name}
    n.spec = ns()
    n.spec.unschedulable = cordoned or None
    cond = ns()
    cond.type, cond.status, cond.reason = "Ready", ready, None if ready == "True" else "NodeStatusUnknown"
    n.status = ns()
    n.status.conditions = [cond]
    n.status.capacity = {"cpu": "4", **({k8s_jobs.GPU: str(capacity)} if capacity else {})}
    n.status.allocatable = {"cpu": "4", **({k8s_jobs.GPU: str(allocatable)} if capacity else {})}
    return n


def test_gpu_nodes_are_probed_named_out_of_service_or_named_broken_the_way_slurm_nodes_are() -> None:
    nodes = [_node("cpu-1", 0, 0), _node("ok", 8, 8), _node("cordoned", 8, 8, cordoned=True),
             _node("down", 8, 8, ready="Unknown"), _node("rebooted", 8, 0)]
    core = type("Core", (), {"list_node": lambda self, **_: type("L", (), {"items": nodes})()})()
    cluster = type("C", (), {"core": core, "kw": lambda self: {}})()
    probe, skipped, broken = k8s_jobs.gpu_nodes(cluster)
    assert probe == {"ok": 8}
    assert skipped == {"cordoned": "out of service: cordoned (spec.unschedulable)"}
    assert broken["down"] == "not taking pods: NotReady (NodeStatusUnknown)"
    assert broken["rebooted"].startswith("0 of 8 GPU(s) allocatable: the device plugin has not registered")
    assert set(broken) == {"down", "rebooted"}


def test_a_gpu_node_job_tolerates_the_taint_an_earlier_run_left_so_the_node_can_be_cleared() -> None:
    spec = k8s_jobs.manifest("gpu-1", 8, judge.settings({"kubernetes": {"image": "x"}}))["spec"]["template"]["spec"]
    assert {"key": k8s_jobs.UNHEALTHY, "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
