"""ai-how's state files, read: one cluster per state file (`--state`), GPU owners in `global-state.json`
beside it. Layout (state_file_version 2.0): `cluster_name`, `cluster_type`, `controller`,
`compute_nodes[]`, `worker_nodes[]`, each VM `{name, domain_uuid, state, cpu_cores, memory_gb,
volume_path, vm_type, ip_address, gpu_assigned, ...}`; global state `{"shared_resources":
{"gpu_allocations": {PCI: OWNER_VM}}}`.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from clustercheck.errors import UserError

PCI = re.compile(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]")


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as exc:
        raise UserError(f"state file {path} is not valid JSON: {exc}") from None
    except OSError as exc:
        raise UserError(f"state file {path}: {exc.strerror or exc}") from None


def read_cluster(path: str) -> dict[str, Any] | None:
    """The cluster state in PATH; None when there is none (never started, or destroyed)."""
    data = _read_json(path)
    if data is None:
        return None
    if not isinstance(data, dict) or "cluster_name" not in data or "cluster_type" not in data:
        raise UserError(f"state file {path} is not an ai-how cluster state (no cluster_name/cluster_type)")
    return data


def vms(state: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not state:
        return []
    out = [state["controller"]] if isinstance(state.get("controller"), dict) else []
    for key in ("compute_nodes", "worker_nodes"):
        out += [vm for vm in state.get(key) or [] if isinstance(vm, dict)]
    return out


def global_path(state_path: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(state_path)), "global-state.json")


def gpu_allocations(state_path: str) -> dict[str, str]:
    """PCI address -> owner VM, from the global state beside STATE_PATH."""
    data = _read_json(global_path(state_path)) or {}
    allocations = (data.get("shared_resources") or {}).get("gpu_allocations") or {}
    if not isinstance(allocations, dict):
        raise UserError(f"{global_path(state_path)}: shared_resources.gpu_allocations is not a mapping")
    return {str(k): str(v) for k, v in allocations.items()}


def pci_of(gpu_assigned: Any) -> str | None:
    """The PCI address in a VM's gpu_assigned ("0000:65:00.0", "0000:65:00.0 (NVIDIA H100)")."""
    if not isinstance(gpu_assigned, str):
        return None
    match = PCI.search(gpu_assigned)
    return match.group(0).lower() if match else None


def running(vm: dict[str, Any]) -> bool:
    return vm.get("state") == "running"
