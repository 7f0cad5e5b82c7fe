"""`clustercheck gpu`: what NVML says about this host's GPUs, for the PCIe passthrough checks (run on a
bare GPU host, or inside a VM over SSH where nvidia-smi stands in)."""

from __future__ import annotations

import sys
from typing import Any

import click

from clustercheck.command import Group
from clustercheck.facts import emit

NO_DRIVER_EXIT = 3


def inventory() -> list[dict[str, Any]]:
    """One dict per GPU: index, name, memory_mib, pci_bus_id, driver, uuid. Raises RuntimeError naming why
    NVML cannot answer (no nvidia-ml-py, no driver)."""
    try:
        import pynvml
    except ImportError as exc:
        raise RuntimeError("nvidia-ml-py is not installed") from exc
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, NVMLError_DriverNotLoaded, ...
        raise RuntimeError(f"NVML unavailable ({exc.__class__.__name__}): no NVIDIA driver on this host") from exc
    try:
        driver = text(pynvml.nvmlSystemGetDriverVersion())
        gpus = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            gpus.append({
                "index": i,
                "name": text(pynvml.nvmlDeviceGetName(h)),
                "memory_mib": int(pynvml.nvmlDeviceGetMemoryInfo(h).total // (1024 * 1024)),
                "pci_bus_id": text(pynvml.nvmlDeviceGetPciInfo(h).busId).lower(),
                "driver": driver,
                "uuid": text(pynvml.nvmlDeviceGetUUID(h)),
            })
        return gpus
    finally:
        pynvml.nvmlShutdown()


def text(value: Any) -> str:
    """NVML's strings: bytes from older nvidia-ml-py, str from newer."""
    return value.decode() if isinstance(value, bytes) else str(value)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
def gpu() -> None:
    """GPU facts from NVML."""


@gpu.command("inventory")
def inventory_cmd() -> None:
    """One tab-separated line per GPU: INDEX NAME MEMORY_MIB PCI_BUS_ID DRIVER UUID.

    Exit 3 when NVML cannot answer (the reason on stderr)."""
    try:
        gpus = inventory()
    except RuntimeError as exc:
        click.echo(f"clustercheck gpu: {exc}", err=True)
        sys.exit(NO_DRIVER_EXIT)
    for g in gpus:
        # nvidia-smi --query-gpu's columns, so that one parser reads this host's GPUs and a guest's
        emit(str(g["index"]), g["name"], g["memory_mib"], g["pci_bus_id"], g["driver"], g["uuid"])
