"""XID lines the NVIDIA driver writes to the kernel log ("NVRM: Xid (PCI:0000:1b:00): 79, pid=..., GPU has
fallen off the bus."): they catch an XID from before the run, which NVML's event set cannot. dmesg is
often unreadable to users (kernel.dmesg_restrict): that is reported, not failed. CC_GPU_NODE_KERNEL_LOG
names a file in dmesg's format to read instead (tests)."""

from __future__ import annotations

import os
import re
from typing import Any

from clustercheck import proc

_XID = re.compile(r"^\[\s*(\d+\.\d+)\]\s.*NVRM: Xid \(PCI:([0-9a-fA-F:.]+)\): (\d+),?\s*(.*)$")


def _uptime() -> float:
    try:
        with open("/proc/uptime") as fh:
            return float(fh.read().split()[0])
    except OSError:
        return 0.0


def read(lookback_s: float) -> dict[str, Any]:
    """{"readable": bool, "why": ..., "xids": [{"pci", "xid", "age_s", "text"}]} for the XID lines of
    the last LOOKBACK_S seconds (older ones counted in "older")."""
    path = os.environ.get("CC_GPU_NODE_KERNEL_LOG")
    if path:
        try:
            with open(path) as fh:
                text = fh.read()
        except OSError as exc:
            return {"readable": False, "why": f"{path}: {exc.strerror}", "xids": [], "older": 0}
        now = float(os.environ.get("CC_GPU_NODE_UPTIME", "0") or 0) or _uptime()
    else:
        try:
            done = proc.run(["dmesg"], timeout=10)
        except (OSError, proc.TimeoutExpired) as exc:
            return {"readable": False, "why": f"dmesg could not run: {exc}", "xids": [], "older": 0}
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return {"readable": False, "why": f"dmesg: {why}", "xids": [], "older": 0}
        text, now = done.stdout, _uptime()
    xids, older = [], 0
    for line in text.splitlines():
        m = _XID.match(line)
        if not m:
            continue
        age = max(0.0, now - float(m.group(1)))
        if age > lookback_s:
            older += 1
            continue
        xids.append({"pci": m.group(2).lower(), "xid": int(m.group(3)), "age_s": round(age, 1),
                     "text": m.group(4)[:200], "source": "kernel log"})
    return {"readable": True, "why": "", "xids": xids, "older": older}
