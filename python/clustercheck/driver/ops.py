"""Cluster and VM lifecycle on libvirt, with GPU ownership kept in the shared state file."""

from __future__ import annotations

import os
import time
from typing import Any

from clustercheck.driver import xml
from clustercheck.driver.state import StateStore


class DriverError(Exception):
    """An operation the driver refuses or could not do; exit_code 1 (refused/failed) or 2 (usage)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _libvirt() -> Any:
    import libvirt  # heavy C extension: imported on first use

    libvirt.registerErrorHandler(lambda *_: None, None)  # errors arrive as exceptions, not stderr noise
    return libvirt


class Driver:
    def __init__(self, state_path: str) -> None:
        self.store = StateStore(state_path)
        self._conns: dict[str, Any] = {}

    # -- connections and lookups -------------------------------------------------------------------
    def conn(self, uri: str) -> Any:
        if uri not in self._conns:
            lv = _libvirt()
            try:
                self._conns[uri] = lv.open(uri)
            except lv.libvirtError as exc:
                raise DriverError(f"cannot connect to libvirt at {uri}: {exc.get_error_message()}", 2) from None
        return self._conns[uri]

    @staticmethod
    def _domain_type(uri: str) -> str:
        if uri.startswith("test:"):
            return "test"
        return os.environ.get("AI_HOW_DOMAIN_TYPE", "qemu")

    def _lookup_domain(self, uri: str, name: str) -> Any | None:
        lv = _libvirt()
        try:
            return self.conn(uri).lookupByName(name)
        except lv.libvirtError:
            return None

    @staticmethod
    def _find_vm(state: dict[str, Any], name: str) -> tuple[str, str]:
        """Resolve NAME or CLUSTER/NAME to (cluster, vm) among started clusters."""
        if "/" in name:
            cluster, vm = name.split("/", 1)
            if vm in state["clusters"].get(cluster, {}).get("vms", {}):
                return cluster, vm
            raise DriverError(f"VM '{name}' not found: no such VM in a started cluster", 2)
        hits = [(c, name) for c, info in state["clusters"].items() if name in info.get("vms", {})]
        if not hits:
            raise DriverError(f"VM '{name}' not found: no started cluster has a VM of that name", 2)
        if len(hits) > 1:
            names = ", ".join(f"{c}/{v}" for c, v in hits)
            raise DriverError(f"VM name '{name}' is ambiguous: use one of {names}", 2)
        return hits[0]

    @staticmethod
    def _vm_config(cluster_cfg: dict[str, Any], vm: str) -> dict[str, Any]:
        for entry in cluster_cfg["vms"]:
            if entry["name"] == vm:
                return entry
        raise DriverError(f"VM '{vm}' is not in cluster {cluster_cfg['name']}'s config", 2)

    @staticmethod
    def _load_cluster(config_path: str, section: str = "cloud_vm") -> dict[str, Any]:
        """The cluster a config describes: cloud_vm.cluster, or hpc.cluster for the HPC side."""
        from clustercheck.config import load

        data = load.load(config_path)
        cluster = (data.get(section) or {}).get("cluster")
        if not cluster:
            raise DriverError(f"{config_path}: no {section}.cluster section: not a {section} cluster config", 2)
        return cluster

    # -- infrastructure -------------------------------------------------------------------------------
    def _ensure_infra(self, cluster: dict[str, Any]) -> None:
        lv = _libvirt()
        conn = self.conn(cluster["libvirt_uri"])
        net_cfg = cluster["network"]
        try:
            net = conn.networkLookupByName(net_cfg["name"])
        except lv.libvirtError:
            net = conn.networkDefineXML(xml.network_xml(net_cfg))
        if not net.isActive():
            net.create()
        pname = xml.pool_name(cluster["name"])
        try:
            pool = conn.storagePoolLookupByName(pname)
        except lv.libvirtError:
            base = cluster.get("storage_dir") or "/var/lib/libvirt/images"
            pool = conn.storagePoolDefineXML(xml.pool_xml(pname, os.path.join(base, cluster["name"])))
            pool.build(0)
        if not pool.isActive():
            pool.create()
        for vm in cluster["vms"]:
            for disk in vm.get("disks", []):
                vname = xml.volume_name(vm["name"], disk["name"])
                try:
                    pool.storageVolLookupByName(vname)
                except lv.libvirtError:
                    pool.createXML(xml.volume_xml(vname, disk["size_mib"]), 0)

    def _define_domain(self, cluster: dict[str, Any], vm: dict[str, Any]) -> Any:
        uri = cluster["libvirt_uri"]
        name = xml.domain_name(cluster["name"], vm["name"])
        dom = self._lookup_domain(uri, name)
        if dom is not None:
            return dom
        pool = self.conn(uri).storagePoolLookupByName(xml.pool_name(cluster["name"]))
        paths = [pool.storageVolLookupByName(xml.volume_name(vm["name"], d["name"])).path() for d in vm.get("disks", [])]
        log = None
        if cluster.get("storage_dir") and not uri.startswith("test:"):
            log = os.path.join(cluster["storage_dir"], cluster["name"], f"{vm['name']}.console.log")
        return self.conn(uri).defineXML(xml.domain_xml(cluster, vm, paths, self._domain_type(uri), log))

    # -- VMs ------------------------------------------------------------------------------------------
    def vm_start(self, name: str, cluster: dict[str, Any] | None = None) -> str:
        """Start NAME; `cluster` is the already-loaded cluster config when the caller has it."""
        lv = _libvirt()
        with self.store.locked() as state:
            cname, vname = self._find_vm(state, name)
            info = state["clusters"][cname]
            entry = info["vms"][vname]
            owner_id = f"{cname}/{vname}"
            dom = self._lookup_domain(info["uri"], entry["domain"])
            if dom is not None and dom.isActive() and entry["status"] == "running":
                return f"VM {owner_id} is already running"
            pci = entry.get("gpu")
            if pci:
                holder = state["gpus"].get(pci, {}).get("owner")
                if holder and holder != owner_id:
                    raise DriverError(
                        f"GPU {pci} is already in use by VM {holder}; stop {holder} before starting {owner_id}"
                    )
                state["gpus"][pci] = {"owner": owner_id, "since": time.time()}
            entry["status"] = "starting"
            config_path = info["config"]
            section = info.get("section", "cloud_vm")
        try:
            cluster = cluster or self._load_cluster(config_path, section)
            self._ensure_infra(cluster)
            dom = self._define_domain(cluster, self._vm_config(cluster, vname))
            if not dom.isActive():
                dom.create()
        except (lv.libvirtError, DriverError) as exc:
            message = exc.get_error_message() if isinstance(exc, lv.libvirtError) else str(exc)
            with self.store.locked() as state:
                entry = state["clusters"][cname]["vms"][vname]
                entry["status"] = "stopped"
                if pci and state["gpus"].get(pci, {}).get("owner") == owner_id:
                    del state["gpus"][pci]
            raise DriverError(f"VM {owner_id} failed to start: {message}") from None
        with self.store.locked() as state:
            state["clusters"][cname]["vms"][vname]["status"] = "running"
        return f"VM {owner_id} started" + (f" with GPU {pci}" if pci else "")

    def vm_stop(self, name: str) -> str:
        with self.store.locked() as state:
            cname, vname = self._find_vm(state, name)
            info = state["clusters"][cname]
            entry = info["vms"][vname]
            dom = self._lookup_domain(info["uri"], entry["domain"])
            if dom is not None and dom.isActive():
                dom.destroy()
            entry["status"] = "stopped"
            owner_id = f"{cname}/{vname}"
            released = [p for p, g in state["gpus"].items() if g.get("owner") == owner_id]
            for pci in released:
                del state["gpus"][pci]
        return f"VM {owner_id} stopped" + (f"; released GPU {', '.join(released)}" if released else "")

    def vm_restart(self, name: str) -> str:
        with self.store.locked() as state:
            cname, vname = self._find_vm(state, name)
            info = state["clusters"][cname]
            entry = info["vms"][vname]
            if entry["status"] != "running":
                raise DriverError(f"VM {cname}/{vname} is not running (status {entry['status']}); use vm start")
            # The GPU stays owned across the restart: the VM is rebound to it, nobody can take it between.
            dom = self._lookup_domain(info["uri"], entry["domain"])
            if dom is None:
                raise DriverError(f"VM {cname}/{vname}: domain {entry['domain']} is missing from libvirt")
            if dom.isActive():
                dom.destroy()
            dom.create()
        return f"VM {cname}/{vname} restarted" + (f" with GPU {entry['gpu']}" if entry.get("gpu") else "")

    def vm_status(self, name: str) -> dict[str, Any]:
        state = self.store.read()
        cname, vname = self._find_vm(state, name)
        info = state["clusters"][cname]
        entry = info["vms"][vname]
        dom = self._lookup_domain(info["uri"], entry["domain"])
        owner = state["gpus"].get(entry.get("gpu") or "", {}).get("owner", "")
        out: dict[str, Any] = {
            "name": vname,
            "cluster": cname,
            "domain": entry["domain"],
            "status": entry["status"],
            "libvirt_state": "undefined",
            "ip": entry.get("ip", ""),
            "gpu": entry.get("gpu") or "",
            "gpu_owner": owner,
        }
        if dom is not None:
            st, _maxmem, mem_kib, vcpus, _cpu = dom.info()
            out["libvirt_state"] = "running" if dom.isActive() else "shut off"
            out["vcpus"] = vcpus
            out["memory_mib"] = mem_kib // 1024
        return out

    # -- clusters -------------------------------------------------------------------------------------
    def cloud_start(self, config_path: str, section: str = "cloud_vm") -> list[str]:
        cluster = self._load_cluster(config_path, section)
        cname = cluster["name"]
        self._ensure_infra(cluster)
        for vm in cluster["vms"]:
            self._define_domain(cluster, vm)
        with self.store.locked() as state:
            info = state["clusters"].setdefault(cname, {"vms": {}})
            info.update(
                {"config": os.path.abspath(config_path), "section": section, "uri": cluster["libvirt_uri"], "status": "running"}
            )
            for vm in cluster["vms"]:
                entry = info["vms"].setdefault(vm["name"], {"status": "stopped"})
                entry.update(
                    {"domain": xml.domain_name(cname, vm["name"]), "gpu": vm.get("gpu"), "ip": vm["ip"]}
                )
        messages, errors = [], []
        for vm in cluster["vms"]:
            if vm.get("autostart", True):
                try:
                    messages.append(self.vm_start(f"{cname}/{vm['name']}", cluster))
                except DriverError as exc:
                    errors.append(str(exc))
        if errors:
            raise DriverError("; ".join(errors))
        return messages

    def _cluster_info(self, state: dict[str, Any], config_path: str, section: str) -> tuple[str, dict[str, Any]]:
        cluster = self._load_cluster(config_path, section)
        cname = cluster["name"]
        if cname not in state["clusters"]:
            raise DriverError(f"cluster {cname} is not started (no entry in {self.store.path})", 2)
        return cname, state["clusters"][cname]

    def cloud_stop(self, config_path: str, section: str = "cloud_vm") -> list[str]:
        cname, info = self._cluster_info(self.store.read(), config_path, section)
        messages = [self.vm_stop(f"{cname}/{vm}") for vm in info["vms"]]
        with self.store.locked() as state:
            state["clusters"][cname]["status"] = "stopped"
        return messages

    def cloud_status(self, config_path: str, section: str = "cloud_vm") -> dict[str, Any]:
        cname, info = self._cluster_info(self.store.read(), config_path, section)
        vms = [self.vm_status(f"{cname}/{vm}") for vm in info["vms"]]
        return {"cluster": cname, "status": info.get("status", "unknown"), "vms": vms}

    def cloud_destroy(self, config_path: str, section: str = "cloud_vm") -> list[str]:
        """Stop and remove everything the cluster owns: domains, volumes, pool, network, state."""
        lv = _libvirt()
        cluster = self._load_cluster(config_path, section)
        cname = cluster["name"]
        uri = cluster["libvirt_uri"]
        state = self.store.read()
        messages = []
        if cname in state["clusters"]:
            messages += [self.vm_stop(f"{cname}/{vm}") for vm in state["clusters"][cname]["vms"]]
        conn = self.conn(uri)
        for vm in cluster["vms"]:
            dom = self._lookup_domain(uri, xml.domain_name(cname, vm["name"]))
            if dom is not None:
                if dom.isActive():
                    dom.destroy()
                dom.undefine()
        try:
            pool = conn.storagePoolLookupByName(xml.pool_name(cname))
            if not pool.isActive():
                pool.create()
            for vol in pool.listAllVolumes():
                vol.delete(0)
            # Console logs are written beside the volumes (not pool volumes): they go with the cluster.
            for vm in cluster["vms"]:
                log = os.path.join(cluster.get("storage_dir") or "", cname, f"{vm['name']}.console.log")
                if cluster.get("storage_dir") and os.path.exists(log):
                    os.unlink(log)
            pool.destroy()
            try:
                pool.delete(0)
            except lv.libvirtError:
                pass  # a directory with foreign files in it stays; the pool itself goes
            pool.undefine()
        except lv.libvirtError:
            pass
        try:
            net = conn.networkLookupByName(cluster["network"]["name"])
            if net.isActive():
                net.destroy()
            net.undefine()
        except lv.libvirtError:
            pass
        with self.store.locked() as state:
            state["clusters"].pop(cname, None)
            for pci in [p for p, g in state["gpus"].items() if g.get("owner", "").startswith(f"{cname}/")]:
                del state["gpus"][pci]
        messages.append(f"cluster {cname} destroyed")
        return messages
