"""Shared fixtures: repository paths and a cluster config on libvirt's built-in test driver."""

from __future__ import annotations

import copy
import os
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
LOCAL = ROOT / "test-infra" / "configs" / "local.yaml"


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
    return copy.deepcopy(yaml.safe_load(LOCAL.read_text()))


@pytest.fixture
def test_cluster(local_data: dict[str, Any], write_config: Callable[..., Path], tmp_path: Path) -> dict[str, Any]:
    """The local target's cluster, moved onto test:///default (no daemon, no QEMU)."""
    data = local_data
    data["cloud_vm"]["cluster"]["libvirt_uri"] = "test:///default"
    data["cloud_vm"]["cluster"]["name"] = "cc-unit"
    data["cloud_vm"]["cluster"]["storage_dir"] = str(tmp_path / "volumes")
    data["cloud_vm"]["state_file"] = str(tmp_path / "state.json")
    return {"data": data, "path": write_config(data), "state": str(tmp_path / "state.json")}


@pytest.fixture
def env_state(test_cluster: dict[str, Any]) -> dict[str, str]:
    return {**os.environ, "AI_HOW_STATE_FILE": test_cluster["state"]}
