"""Shared fixtures: repository paths and a cluster config on libvirt's built-in test driver."""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
LOCAL = ROOT / "test-infra" / "configs" / "local.yaml"
LOCAL_CLUSTERS = ROOT / "test-infra" / "configs" / "local-cluster.yaml"
AIHOW_FIXTURES = ROOT / "tests" / "fixtures" / "ai-how"


def pytest_configure(config: pytest.Config) -> None:
    # make test runs these alone, before the e2e files start: their figures are judged against a CPU
    # that answers in time, which two busy cores beside an e2e run do not (CI: a sweep generator-limited
    # at 90 req/s, its load generator starved, not the server measured).
    config.addinivalue_line("markers", "timing: the assertions depend on a CPU that is not busy elsewhere")


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    def write(data: dict[str, Any], name: str = "cfg.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data))
        return path

    return write


@pytest.fixture
def local_data() -> dict[str, Any]:
    """local.yaml as written, its cluster YAML made absolute (configs written elsewhere still find it)."""
    data = copy.deepcopy(yaml.safe_load(LOCAL.read_text()))
    data["cloud_vm"]["cli_config"] = str(LOCAL_CLUSTERS)
    return data


@pytest.fixture
def platform_data() -> dict[str, Any]:
    """The local target's ai-how cluster YAML, as written."""
    return copy.deepcopy(yaml.safe_load(LOCAL_CLUSTERS.read_text()))


@pytest.fixture
def loaded_local() -> dict[str, Any]:
    """local.yaml loaded: clusters derived from its cluster YAML."""
    from clustercheck.config import load

    return load.load(str(LOCAL))


@pytest.fixture
def write_target(tmp_path: Path) -> Callable[..., Path]:
    """write_target(config, platform): both files in tmp_path, the config pointing at the cluster YAML."""
    def write(config: dict[str, Any], platform: dict[str, Any], name: str = "cfg.yaml") -> Path:
        clusters = tmp_path / f"clusters-{name}"
        clusters.write_text(yaml.safe_dump(platform))
        config = copy.deepcopy(config)
        config["cloud_vm"]["cli_config"] = str(clusters)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(config))
        return path

    return write


@pytest.fixture
def test_cluster(local_data: dict[str, Any], platform_data: dict[str, Any], write_target: Callable[..., Path],
                 tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The local target's clusters, moved onto test:///default (no daemon, no QEMU), cloud renamed cc-unit."""
    extra = platform_data["global"]["clustercheck"]
    extra["libvirt_uri"] = "test:///default"
    extra["storage_dir"] = str(tmp_path / "volumes")
    extra.pop("image")
    platform_data["clusters"]["cloud"]["name"] = "cc-unit"
    platform_data["clusters"]["hpc"]["name"] = "cc-unit-hpc"
    local_data["cloud_vm"]["state_file"] = str(tmp_path / "state" / "cloud-state.json")
    local_data["cloud_vm"]["hpc_state_file"] = str(tmp_path / "state" / "hpc-state.json")
    path = write_target(local_data, platform_data)
    yield {
        "data": local_data, "platform": platform_data, "path": path, "yaml": str(tmp_path / "clusters-cfg.yaml"),
        "state": local_data["cloud_vm"]["state_file"], "hpc_state": local_data["cloud_vm"]["hpc_state_file"],
        "global": str(tmp_path / "state" / "global-state.json"),
    }
    _forget_test_driver_objects("cc-unit")


def _forget_test_driver_objects(prefix: str) -> None:
    """test:///default keeps its domains, networks and pools for the life of the process: remove ours."""
    import libvirt

    conn = libvirt.open("test:///default")
    for dom in conn.listAllDomains():
        if dom.name().startswith(prefix):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    for net in conn.listAllNetworks():
        if net.name().startswith(prefix):
            if net.isActive():
                net.destroy()
            net.undefine()
    for pool in conn.listAllStoragePools():
        if pool.name().startswith(prefix):
            if pool.isActive():
                pool.destroy()
            pool.undefine()
    conn.close()
