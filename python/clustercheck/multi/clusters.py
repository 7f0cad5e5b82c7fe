"""Each cluster's state as ai-how records it (its state file and global-state.json) and libvirt runs it."""

from __future__ import annotations

from typing import Any

import libvirt as lv  # heavy C extension: imported on first use

from clustercheck.aihow import state as aistate

STATE_KEYS = {"cloud": "state_file", "hpc": "hpc_state_file"}
SECTIONS = {"cloud": "cloud_vm", "hpc": "hpc"}


def _libvirt_states(uri: str, names: list[str]) -> dict[str, str]:
    lv.registerErrorHandler(lambda *_: None, None)
    try:
        conn = lv.open(uri)
    except lv.libvirtError as exc:
        raise RuntimeError(f"cannot connect to libvirt at {uri}: {exc.get_error_message()}") from None
    out = {}
    for name in names:
        try:
            out[name] = "running" if conn.lookupByName(name).isActive() else "shut off"
        except lv.libvirtError:
            out[name] = "undefined"
    conn.close()
    return out


def facts(cfg: dict[str, Any], kind: str, timeout_s: float = 0) -> list[tuple[str, ...]]:
    """Facts (fields): `state  KIND  running|stopped|not-started|not-configured`, `autostart_running  KIND  N/M`,
    and `vm  KIND  NAME  LIBVIRT_STATE  GPU|-  OWNER|-` for each VM of the cluster."""
    cluster = (cfg.get(SECTIONS[kind]) or {}).get("cluster")
    if not cluster:
        return [("state", kind, "not-configured")]
    autostart = [vm["name"] for vm in cluster["vms"] if vm.get("autostart", True)]
    path = cfg["cloud_vm"].get(STATE_KEYS[kind]) or ""
    if not path or aistate.read_cluster(path) is None:
        return [("state", kind, "not-started"), ("autostart_running", kind, f"0/{len(autostart)}")]
    owners = aistate.gpu_allocations(path)
    libvirt = _libvirt_states(cluster["libvirt_uri"], [vm["name"] for vm in cluster["vms"]])
    up = sum(1 for name in autostart if libvirt[name] == "running")
    lines = [
        ("state", kind, "running" if up == len(autostart) else "stopped"),
        ("autostart_running", kind, f"{up}/{len(autostart)}"),
    ]
    for vm in cluster["vms"]:
        gpu = vm.get("gpu") or "-"
        lines.append(("vm", kind, vm["name"], libvirt[vm["name"]], gpu, owners.get(gpu, "-")))
    return lines
