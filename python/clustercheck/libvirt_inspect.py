"""`clustercheck libvirt facts`: what checks need from libvirt and the cluster CLI's state file, in one
call, as tab-separated lines a shell check can read with awk:

    state-vm   VM  STATUS  DOMAIN  GPU|-
    state-gpu  PCI OWNER
    domain     NAME  STATE  VCPUS  MEMORY_MIB  GPU_PCI|-  hostdev|simulated|-
    disk       DOMAIN  TARGET  PATH  CAPACITY_BYTES|-  volume|missing
    network    NAME  active|inactive|missing
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from typing import Any, Iterator

import click

from clustercheck.errors import UserError

NS = "https://clustercheck.dev/xmlns/vm/1"


def _state_lines(path: str, clusters: tuple[str, ...]) -> Iterator[list[str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            state = json.load(fh)
    except FileNotFoundError:
        return
    except json.JSONDecodeError as exc:
        raise UserError(f"state file {path} is not valid JSON: {exc}") from None
    for cluster in clusters:
        for vm, entry in sorted(state.get("clusters", {}).get(cluster, {}).get("vms", {}).items()):
            yield ["state-vm", vm, entry.get("status", "?"), entry.get("domain", "-"), entry.get("gpu") or "-"]
    for pci, gpu in sorted(state.get("gpus", {}).items()):
        yield ["state-gpu", pci, gpu.get("owner", "-")]


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


@click.group()
def libvirt() -> None:
    """Inspect libvirt and the cluster state file for checks."""


@libvirt.command()
@click.option("--uri", required=True, help="libvirt connection URI.")
@click.option("--state-file", help="The cluster CLI's state file.")
@click.option("--cluster", "clusters", multiple=True, help="Cluster name inside the state file (repeatable).")
@click.option("--domain", "domains", multiple=True, help="Domain to describe (repeatable).")
@click.option("--network", "networks", multiple=True, help="Network to describe (repeatable).")
@click.option("--all-state-domains", is_flag=True, help="Also describe every domain the state file names.")
def facts(
    uri: str, state_file: str | None, clusters: tuple[str, ...], domains: tuple[str, ...], networks: tuple[str, ...],
    all_state_domains: bool,
) -> None:
    """Print state, domain, disk and network facts as tab-separated lines."""
    import libvirt as lv

    lv.registerErrorHandler(lambda *_: None, None)
    lines: list[list[str]] = []
    if state_file and clusters:
        lines += list(_state_lines(state_file, clusters))
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
        click.echo("\t".join(line))
