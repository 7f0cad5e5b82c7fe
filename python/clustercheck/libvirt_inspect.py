"""`clustercheck libvirt facts`: what checks need from libvirt and ai-how's state files, in one call, as
tab-separated lines a shell check can read with awk:

    state-vm   VM  running|stopped  DOMAIN  GPU|-     (ai-how's state file: VM state, gpu_assigned)
    state-gpu  PCI OWNER                              (global-state.json: gpu_allocations)
    domain     NAME  STATE  VCPUS  MEMORY_MIB  GPU_PCI|-  hostdev|simulated|-
    disk       DOMAIN  TARGET  PATH  CAPACITY_BYTES|-  volume|missing
    network    NAME  active|inactive|missing
"""

from __future__ import annotations

import json
import os
import time
import xml.etree.ElementTree as ET
from typing import Any, Iterator

import click
import libvirt as lv

from clustercheck.command import Group
from clustercheck.errors import UserError
from clustercheck.facts import declares, emit

NS = "https://clustercheck.dev/xmlns/vm/1"


def _state_lines(paths: tuple[str, ...]) -> Iterator[list[str]]:
    from clustercheck.aihow import state as aistate

    for path in paths:
        for vm in aistate.vms(aistate.read_cluster(path)):
            status = "running" if aistate.running(vm) else "stopped"
            yield ["state-vm", str(vm.get("name")), status, str(vm.get("name")), aistate.pci_of(vm.get("gpu_assigned")) or "-"]
    owners: dict[str, str] = {}
    for path in paths:
        owners.update(aistate.gpu_allocations(path))
    for pci, owner in sorted(owners.items()):
        yield ["state-gpu", pci, owner]


def _gpu_of(root: ET.Element) -> tuple[str, str]:
    meta = root.find(f"metadata/{{{NS}}}vm/{{{NS}}}gpu")
    if meta is not None:
        kind = "simulated" if meta.get("simulated") == "yes" else "hostdev"
        if kind == "hostdev" and root.find("devices/hostdev") is None:
            kind = "missing-hostdev"
        return meta.get("pci", "-"), kind
    addr = root.find("devices/hostdev[@type='pci']/source/address")
    if addr is not None:
        pci = "%04x:%02x:%02x.%x" % tuple(int(addr.get(k, "0"), 16) for k in ("domain", "bus", "slot", "function"))
        return pci, "hostdev"
    return "-", "-"


def _domain_lines(conn: Any, lv: Any, name: str) -> Iterator[list[str]]:
    try:
        dom = conn.lookupByName(name)
    except lv.libvirtError:
        yield ["domain", name, "undefined", "-", "-", "-", "-"]
        return
    root = ET.fromstring(dom.XMLDesc(0))
    _st, maxmem_kib, _mem, vcpus, _cpu = dom.info()
    pci, kind = _gpu_of(root)
    state = "running" if dom.isActive() else "shut-off"
    yield ["domain", name, state, str(vcpus), str(maxmem_kib // 1024), pci, kind]
    for disk in root.findall("devices/disk[@device='disk']"):
        src = disk.find("source")
        target = disk.find("target")
        path = (src.get("file") or src.get("dev") or "-") if src is not None else "-"
        dev = target.get("dev", "-") if target is not None else "-"
        try:
            vol = conn.storageVolLookupByPath(path)
            yield ["disk", name, dev, path, str(vol.info()[1]), "volume"]
        except lv.libvirtError:
            size = str(os.path.getsize(path)) if os.path.exists(path) else "-"
            yield ["disk", name, dev, path, size, "missing"]


@click.group(cls=Group)
def libvirt() -> None:
    """Inspect libvirt and the cluster state file for checks."""


@libvirt.command()
@click.option("--uri", required=True, help="libvirt connection URI.")
@click.option("--state-file", "state_files", multiple=True, help="An ai-how cluster state file (repeatable); GPU owners from global-state.json beside it.")
@click.option("--domain", "domains", multiple=True, help="Domain to describe (repeatable).")
@click.option("--network", "networks", multiple=True, help="Network to describe (repeatable).")
@click.option("--all-state-domains", is_flag=True, help="Also describe every domain the state file names.")
@declares("state-vm", "state-gpu", "domain", "disk", "network")
def facts(
    uri: str, state_files: tuple[str, ...], domains: tuple[str, ...], networks: tuple[str, ...],
    all_state_domains: bool,
) -> None:
    """Print state, domain, disk and network facts as tab-separated lines."""

    lv.registerErrorHandler(lambda *_: None, None)
    lines: list[list[str]] = []
    lines += list(_state_lines(state_files))
    names = list(domains)
    if all_state_domains:
        names += [line[3] for line in lines if line[0] == "state-vm" and line[3] != "-" and line[3] not in names]
    try:
        conn = lv.open(uri)
    except lv.libvirtError as exc:
        raise UserError(f"cannot connect to libvirt at {uri}: {exc.get_error_message()}") from None
    for name in names:
        lines += list(_domain_lines(conn, lv, name))
    for net in networks:
        try:
            lines.append(["network", net, "active" if conn.networkLookupByName(net).isActive() else "inactive"])
        except lv.libvirtError:
            lines.append(["network", net, "missing"])
    for line in lines:
        emit(*line)


@libvirt.command("watch-state")
@click.option("--state-file", "state_files", multiple=True, required=True, help="An ai-how state file (repeatable); its global-state.json is watched too.")
@click.option("--stop-file", required=True, help="Watch until this file exists.")
@click.option("--max-seconds", type=click.FloatRange(0.1, 3600), default=600, show_default=True, help="Give up after this long.")
def watch_state(state_files: tuple[str, ...], stop_file: str, max_seconds: float) -> None:
    """Read the state files over and over while something changes them: each must parse as JSON every
    time (a missing file is fine: not written yet, or removed). Prints `reads N`, then `invalid FILE: ERROR`
    lines; exit 1 when any read was invalid."""

    from clustercheck.aihow import state as aistate

    paths = sorted({os.path.abspath(p) for p in state_files} | {aistate.global_path(p) for p in state_files})
    reads, invalid = 0, []
    deadline = time.monotonic() + max_seconds
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        for path in paths:
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except FileNotFoundError:
                continue
            reads += 1
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                invalid.append(f"invalid {path}: {exc}")
    click.echo(f"reads {reads}")
    for line in invalid[:20]:
        click.echo(line)
    if invalid:
        raise SystemExit(1)
