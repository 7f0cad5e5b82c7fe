"""`clustercheck gpu inventory` on simulated NVML devices (no GPU here): what it prints, and exit 3
with the reason when NVML cannot answer."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from click.testing import CliRunner

from clustercheck import gpu_inventory


def fake_nvml(gpus: list[dict[str, Any]], init_error: Exception | None = None) -> types.ModuleType:
    mod = types.ModuleType("pynvml")

    def init() -> None:
        if init_error:
            raise init_error

    mod.nvmlInit = init  # type: ignore[attr-defined]
    mod.nvmlShutdown = lambda: None  # type: ignore[attr-defined]
    mod.nvmlSystemGetDriverVersion = lambda: b"550.54.15"  # type: ignore[attr-defined]
    mod.nvmlDeviceGetCount = lambda: len(gpus)  # type: ignore[attr-defined]
    mod.nvmlDeviceGetHandleByIndex = lambda i: gpus[i]  # type: ignore[attr-defined]
    mod.nvmlDeviceGetName = lambda h: h["name"]  # type: ignore[attr-defined]
    mod.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(total=h["mib"] * 1024 * 1024)  # type: ignore[attr-defined]
    mod.nvmlDeviceGetPciInfo = lambda h: types.SimpleNamespace(busId=h["bus"])  # type: ignore[attr-defined]
    mod.nvmlDeviceGetUUID = lambda h: h["uuid"]  # type: ignore[attr-defined]
    return mod


class DriverNotLoaded(Exception):
    pass


def test_inventory_lists_every_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    gpus = [{"name": b"NVIDIA H200", "mib": 143771, "bus": b"00000000:1B:00.0", "uuid": b"GPU-aa"},
            {"name": "NVIDIA H200", "mib": 143771, "bus": "00000000:43:00.0", "uuid": "GPU-bb"}]
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(gpus))
    result = CliRunner().invoke(gpu_inventory.gpu, ["inventory"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "0\tNVIDIA H200\t143771\t00000000:1b:00.0\t550.54.15\tGPU-aa",
        "1\tNVIDIA H200\t143771\t00000000:43:00.0\t550.54.15\tGPU-bb",
    ]


def test_no_driver_exits_3_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml([], DriverNotLoaded("driver")))
    result = CliRunner().invoke(gpu_inventory.gpu, ["inventory"])
    assert result.exit_code == 3
    assert "NVML unavailable (DriverNotLoaded): no NVIDIA driver on this host" in result.output
