"""libvirt XML for the cluster's network, storage pool, volumes and domains."""

from __future__ import annotations

import hashlib
from typing import Any
from xml.sax.saxutils import escape, quoteattr

NS = "https://clustercheck.dev/xmlns/vm/1"


def pool_name(cluster: str) -> str:
    return f"{cluster}-pool"


def volume_name(vm: str) -> str:
    """One volume per VM, named as ai-how names it."""
    return f"{vm}.qcow2"


def mac_for(cluster: str, vm: str) -> str:
    digest = hashlib.sha256(f"{cluster}/{vm}".encode()).digest()
    return "52:54:00:%02x:%02x:%02x" % (digest[0], digest[1], digest[2])


def network_xml(net: dict[str, Any]) -> str:
    bridge = f"<bridge name={quoteattr(net['bridge'])}/>" if net.get("bridge") else ""
    # Isolated: no <forward>, so guests reach each other and the host, nothing else.
    return (
        f"<network><name>{escape(net['name'])}</name>{bridge}"
        f"<ip address={quoteattr(net['gateway'])} prefix={quoteattr(str(net['prefix']))}/></network>"
    )


def pool_xml(name: str, path: str) -> str:
    return f"<pool type='dir'><name>{escape(name)}</name><target><path>{escape(path)}</path></target></pool>"


def volume_xml(name: str, size_mib: int) -> str:
    return (
        f"<volume><name>{escape(name)}</name><capacity unit='MiB'>{size_mib}</capacity>"
        f"<allocation unit='MiB'>0</allocation><target><format type='qcow2'/></target></volume>"
    )


def _gpu_hostdev(pci: str) -> str:
    dom, bus, rest = pci.split(":")
    slot, fn = rest.split(".")
    return (
        "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
        f"<address domain='0x{dom}' bus='0x{bus}' slot='0x{slot}' function='0x{fn}'/>"
        "</source></hostdev>"
    )


def domain_xml(
    cluster: dict[str, Any], vm: dict[str, Any], disk_paths: list[str], domain_type: str, console_log: str | None
) -> str:
    name = vm["name"]  # ai-how's derived VM name is the libvirt domain name
    gpus = {g["pci"]: g for g in cluster.get("gpus", [])}
    gpu = gpus.get(vm.get("gpu", ""))
    net = cluster["network"]
    meta = f"<cc:cluster>{escape(cluster['name'])}</cc:cluster><cc:name>{escape(vm['name'])}</cc:name>"
    if gpu:
        simulated = "yes" if gpu.get("simulated") else "no"
        meta += f"<cc:gpu pci={quoteattr(gpu['pci'])} simulated='{simulated}'/>"
    image = cluster.get("image", {})
    os_xml = "<type arch='x86_64'>hvm</type>"
    if image:
        cmdline = f"console=ttyS0 cc.ip={vm['ip']}/{net['prefix']} cc.hostname={vm['name']} {image.get('cmdline', '')}"
        os_xml += (
            f"<kernel>{escape(image['kernel'])}</kernel><initrd>{escape(image['initrd'])}</initrd>"
            f"<cmdline>{escape(cmdline.strip())}</cmdline>"
        )
    disks = "".join(
        f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file={quoteattr(path)}/>"
        f"<target dev='vd{chr(ord('a') + i)}' bus='virtio'/></disk>"
        for i, path in enumerate(disk_paths)
    )
    serial = ""
    if console_log:
        src = f"<source path={quoteattr(console_log)}/>"
        serial = f"<serial type='file'>{src}<target port='0'/></serial><console type='file'>{src}<target type='serial' port='0'/></console>"
    hostdev = _gpu_hostdev(gpu["pci"]) if gpu and not gpu.get("simulated") else ""
    return (
        f"<domain type={quoteattr(domain_type)}><name>{escape(name)}</name>"
        f"<metadata><cc:vm xmlns:cc='{NS}'>{meta}</cc:vm></metadata>"
        f"<memory unit='MiB'>{vm['memory_mib']}</memory><vcpu>{vm['vcpus']}</vcpu>"
        f"<os>{os_xml}</os><features><acpi/></features>"
        "<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>"
        f"<devices>{disks}"
        f"<interface type='network'><source network={quoteattr(net['name'])}/>"
        f"<mac address='{mac_for(cluster['name'], vm['name'])}'/><model type='virtio'/></interface>"
        # an entropy source: the tiny guest's dropbear blocks in getrandom() until the kernel's RNG is
        # seeded, which an emulated CPU with nothing else to feed it took minutes to do (a CI guest hung so)
        "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
        f"{serial}{hostdev}</devices></domain>"
    )
