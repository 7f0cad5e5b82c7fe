"""Each cluster's state as the cluster CLI reports it (`<cli> cloud|hpc status CONFIG --json`)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from typing import Any

SECTIONS = {"cloud": "cloud_vm", "hpc": "hpc"}


def status(cfg: dict[str, Any], kind: str, timeout_s: float) -> dict[str, Any] | None:
    """The CLI's JSON status of the cloud or hpc cluster; None when it is not started."""
    cli = shlex.split(cfg["cloud_vm"]["cli"])
    cli_config = cfg["cloud_vm"].get("cli_config") or cfg["_file"]
    env = dict(os.environ, AI_HOW_STATE_FILE=cfg["cloud_vm"]["state_file"])
    proc = subprocess.run(
        [*cli, kind, "status", cli_config, "--json"], capture_output=True, text=True, timeout=timeout_s, env=env
    )
    if proc.returncode != 0:
        if "is not started" in proc.stderr:
            return None
        raise RuntimeError(f"{kind} status failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def facts(cfg: dict[str, Any], kind: str, timeout_s: float) -> list[str]:
    """TSV lines: `state  KIND  running|stopped|not-started`, `autostart_running  N/M`, one `vm` line each."""
    section = SECTIONS[kind]
    cluster = (cfg.get(section) or {}).get("cluster")
    if not cluster:
        return [f"state\t{kind}\tnot-configured"]
    autostart = {vm["name"] for vm in cluster["vms"] if vm.get("autostart", True)}
    st = status(cfg, kind, timeout_s)
    if st is None:
        return [f"state\t{kind}\tnot-started", f"autostart_running\t{kind}\t0/{len(autostart)}"]
    running = [vm for vm in st["vms"] if vm["libvirt_state"] == "running"]
    up = sum(1 for vm in running if vm["name"] in autostart)
    lines = [f"state\t{kind}\t{st['status']}", f"autostart_running\t{kind}\t{up}/{len(autostart)}"]
    for vm in st["vms"]:
        lines.append(f"vm\t{kind}\t{vm['name']}\t{vm['libvirt_state']}\t{vm['gpu'] or '-'}\t{vm['gpu_owner'] or '-'}")
    return lines
