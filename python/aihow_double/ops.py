"""Cluster and VM lifecycle on libvirt, keeping ai-how's state files and messages.

What the real ai-how does, this does with the same files, names, messages and exit codes; it adds only
what this machine needs (TCG domains, direct kernel boot, simulated GPUs recorded in domain metadata)
and what the real one lacks (a lock and atomic writes around the state files and GPU allocation).
"""

from __future__ import annotations

import os
from typing import Any

import libvirt  # heavy C extension: imported on first use

from aihow_double import xml
from aihow_double.store import ClusterStateFile, GlobalState, now
from clustercheck.aihow import cluster_yaml
from clustercheck.aihow import state as aistate

TITLES = {"cloud": "Cloud", "hpc": "HPC"}
LISTS = {"cloud": "worker_nodes", "hpc": "compute_nodes"}


class DriverError(Exception):
    """Printed as ai-how prints it (`Error: ...`); exit 1 like every ai-how failure."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _libvirt() -> Any:
    libvirt.registerErrorHandler(lambda *_: None, None)  # errors arrive as exceptions, not stderr noise
    return libvirt


class Driver:
    def __init__(self, state_path: str) -> None:
        self.state = ClusterStateFile(state_path)
        self.gpus = GlobalState(state_path)
        self._conns: dict[str, Any] = {}

    # -- libvirt ------------------------------------------------------------------------------------
    def conn(self, uri: str) -> Any:
        if uri not in self._conns:
            lv = _libvirt()
            try:
                self._conns[uri] = lv.open(uri)
            except lv.libvirtError as exc:
                raise DriverError(f"Failed to connect to libvirt at {uri}: {exc.get_error_message()}") from None
        return self._conns[uri]

    @staticmethod
    def _domain_type(uri: str) -> str:
        return "test" if uri.startswith("test:") else os.environ.get("AI_HOW_DOMAIN_TYPE", "qemu")

    def _domain(self, uri: str, name: str) -> Any | None:
        lv = _libvirt()
        try:
            return self.conn(uri).lookupByName(name)
        except lv.libvirtError:
            return None

    def _ensure_infra(self, cluster: dict[str, Any]) -> None:
        lv = _libvirt()
        conn = self.conn(cluster["libvirt_uri"])
        try:
            net = conn.networkLookupByName(cluster["network"]["name"])
        except lv.libvirtError:
            net = conn.networkDefineXML(xml.network_xml(cluster["network"]))
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
            try:
                pool.storageVolLookupByName(xml.volume_name(vm["name"]))
            except lv.libvirtError:
                pool.createXML(xml.volume_xml(xml.volume_name(vm["name"]), vm["disks"][0]["size_mib"]), 0)

    def _define(self, cluster: dict[str, Any], vm: dict[str, Any]) -> Any:
        uri = cluster["libvirt_uri"]
        dom = self._domain(uri, vm["name"])
        if dom is not None:
            return dom
        pool = self.conn(uri).storagePoolLookupByName(xml.pool_name(cluster["name"]))
        volume = pool.storageVolLookupByName(xml.volume_name(vm["name"])).path()
        log = None
        if cluster.get("storage_dir") and not uri.startswith("test:"):
            log = os.path.join(cluster["storage_dir"], cluster["name"], f"{vm['name']}.console.log")
        return self.conn(uri).defineXML(xml.domain_xml(cluster, vm, [volume], self._domain_type(uri), log))

    # -- the cluster a state file belongs to ----------------------------------------------------------
    def _cluster_of_state(self, state: dict[str, Any]) -> dict[str, Any]:
        path = state.get("config_file_path") or ""
        cluster = cluster_yaml.describe(path, state["cluster_type"]) if path else None
        if not cluster:
            raise DriverError(f"Cluster configuration {path or '(none)'} recorded in the state has no {state['cluster_type']} cluster")
        return cluster

    def _vm_entry(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        state = self.state.read()
        if not state:
            raise DriverError("No cluster state found")
        for vm in aistate.vms(state):
            if vm.get("name") == name:
                return state, vm
        raise DriverError(f"VM '{name}' not found in state")

    def _set_vm_state(self, name: str, value: str) -> None:
        with self.state.edit() as state:
            for vm in aistate.vms(state):
                if vm.get("name") == name:
                    vm["state"] = value
                    vm["last_modified"] = now()

    # -- VMs ------------------------------------------------------------------------------------------
    def vm_start(self, name: str) -> str:
        lv = _libvirt()
        state, entry = self._vm_entry(name)
        cluster = self._cluster_of_state(state)
        pci = aistate.pci_of(entry.get("gpu_assigned"))
        if pci:
            # Check and take in one locked step: of many concurrent starts, one wins and the rest are told who.
            with self.gpus.allocations() as allocations:
                owner = allocations.get(pci)
                if owner and owner != name:
                    raise DriverError(f"GPU {pci} is currently allocated to {owner}. Stop that VM before starting {name}.")
                allocations[pci] = name
        try:
            self._ensure_infra(cluster)
            dom = self._define(cluster, next(v for v in cluster["vms"] if v["name"] == name))
            if not dom.isActive():
                dom.create()
        except (lv.libvirtError, StopIteration) as exc:
            message = exc.get_error_message() if isinstance(exc, lv.libvirtError) else "not in the cluster configuration"
            if pci:
                with self.gpus.allocations() as allocations:
                    if allocations.get(pci) == name:
                        del allocations[pci]
            raise DriverError(f"Failed to start VM {name}: {message}") from None
        self._set_vm_state(name, "running")
        return f"✅ VM '{name}' started successfully"

    def vm_stop(self, name: str) -> str:
        state, entry = self._vm_entry(name)
        cluster = self._cluster_of_state(state)
        dom = self._domain(cluster["libvirt_uri"], name)
        if dom is not None and dom.isActive():
            dom.destroy()
        pci = aistate.pci_of(entry.get("gpu_assigned"))
        if pci:
            # Only the VM's own allocation: stopping a VM that never held the GPU leaves its holder alone.
            with self.gpus.allocations() as allocations:
                if allocations.get(pci) == name:
                    del allocations[pci]
        self._set_vm_state(name, "shutoff")
        return f"✅ VM '{name}' stopped successfully"

    def vm_restart(self, name: str) -> str:
        state, _entry = self._vm_entry(name)
        cluster = self._cluster_of_state(state)
        dom = self._domain(cluster["libvirt_uri"], name)
        if dom is None or not dom.isActive():
            raise DriverError(f"Failed to restart VM {name}: VM is not running")
        # The GPU stays allocated across the restart: nobody can take it in between.
        dom.destroy()
        dom.create()
        return f"✅ VM '{name}' restarted successfully"

    def vm_status(self, name: str) -> list[tuple[str, str]]:
        state, entry = self._vm_entry(name)
        cluster = self._cluster_of_state(state)
        dom = self._domain(cluster["libvirt_uri"], name)
        current = "undefined" if dom is None else ("running" if dom.isActive() else "shutoff")
        return [
            ("Name", name),
            ("UUID", str(entry.get("domain_uuid", ""))),
            ("Type", str(entry.get("vm_type", ""))),
            ("State", current),
            ("CPU Cores", str(entry.get("cpu_cores", ""))),
            ("Memory (GB)", str(entry.get("memory_gb", ""))),
            ("Volume Path", str(entry.get("volume_path", ""))),
            ("IP Address", entry.get("ip_address") or "Not assigned"),
            ("GPU", entry.get("gpu_assigned") or "None"),
        ]

    # -- clusters -------------------------------------------------------------------------------------
    @staticmethod
    def _cluster(config_path: str, kind: str) -> dict[str, Any]:
        if not os.path.isfile(config_path):
            raise DriverError(f"Configuration file not found: {config_path}")
        cluster = cluster_yaml.describe(config_path, kind)
        if not cluster:
            raise DriverError(f"{TITLES[kind]} cluster configuration not found in {config_path} (clusters.{kind})")
        return cluster

    def _vm_info(self, cluster: dict[str, Any], vm: dict[str, Any], dom: Any) -> dict[str, Any]:
        gpus = {g["pci"]: g for g in cluster["gpus"]}
        gpu = gpus.get(vm["gpu"] or "")
        pool = self.conn(cluster["libvirt_uri"]).storagePoolLookupByName(xml.pool_name(cluster["name"]))
        return {
            "name": vm["name"],
            "domain_uuid": dom.UUIDString(),
            "state": "running" if dom.isActive() else "shutoff",
            "cpu_cores": vm["vcpus"],
            "memory_gb": vm["memory_mib"] // 1024,
            "volume_path": pool.storageVolLookupByName(xml.volume_name(vm["name"])).path(),
            "vm_type": vm["role"],
            "ip_address": vm["ip"],
            "gpu_assigned": f"{gpu['pci']} ({gpu['model']})" if gpu else None,
            "created_at": now(),
            "last_modified": now(),
        }

    def cluster_start(self, config_path: str, kind: str) -> list[str]:
        cluster = self._cluster(config_path, kind)
        self._ensure_infra(cluster)
        doms = {vm["name"]: self._define(cluster, vm) for vm in cluster["vms"]}
        existing = self.state.read()
        if existing is None:
            infos = [self._vm_info(cluster, vm, doms[vm["name"]]) for vm in cluster["vms"]]
            self.state.write_new({
                "cluster_name": cluster["name"],
                "cluster_type": kind,
                "controller": infos[0],
                "compute_nodes": infos[1:] if kind == "hpc" else [],
                "worker_nodes": infos[1:] if kind == "cloud" else [],
                "network_config": {
                    "subnet": f"{cluster['network']['gateway']}/{cluster['network']['prefix']}",
                    "bridge": cluster["network"]["bridge"],
                    "dns_mode": "isolated",
                    "dns_servers": [],
                    "static_leases": {vm["name"]: vm["ip"] for vm in cluster["vms"]},
                },
                "storage_pool": None,
                "config_file_path": os.path.abspath(config_path),
                "state_file_version": "2.0",
                "created_at": now(),
                "last_modified": now(),
            })
        elif existing.get("cluster_name") != cluster["name"]:
            raise DriverError(f"State file {self.state.path} belongs to cluster {existing.get('cluster_name')}, not {cluster['name']}")
        errors = []
        for vm in cluster["vms"]:
            if vm["autostart"]:
                try:
                    self.vm_start(vm["name"])
                except DriverError as exc:
                    errors.append(str(exc))
        if errors:
            raise DriverError("; ".join(errors))
        return [f"✅ {TITLES[kind]} cluster started successfully!"]

    def _started(self, config_path: str, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
        cluster = self._cluster(config_path, kind)
        state = self.state.read()
        if not state or state.get("cluster_name") != cluster["name"]:
            raise DriverError(f"No cluster state found for {TITLES[kind]} cluster {cluster['name']}")
        return cluster, state

    def cluster_stop(self, config_path: str, kind: str) -> list[str]:
        _cluster, state = self._started(config_path, kind)
        for vm in aistate.vms(state):
            self.vm_stop(vm["name"])
        return [f"✅ {TITLES[kind]} cluster stopped successfully!"]

    def cluster_status(self, config_path: str, kind: str) -> list[tuple[str, str, str, str]]:
        cluster, state = self._started(config_path, kind)
        with self.gpus.allocations() as allocations:
            owners = dict(allocations)
        rows = []
        for vm in aistate.vms(state):
            dom = self._domain(cluster["libvirt_uri"], vm["name"])
            current = "undefined" if dom is None else ("running" if dom.isActive() else "shutoff")
            pci = aistate.pci_of(vm.get("gpu_assigned")) or ""
            rows.append((vm["name"], current, vm.get("ip_address") or "-", f"{pci} (owner {owners[pci]})" if pci in owners else pci or "-"))
        return rows

    def cluster_destroy(self, config_path: str, kind: str) -> list[str]:
        """Remove the cluster's domains, volumes, pool, network and state file; release its GPUs."""
        lv = _libvirt()
        cluster = self._cluster(config_path, kind)
        uri = cluster["libvirt_uri"]
        conn = self.conn(uri)
        names = {vm["name"] for vm in cluster["vms"]}
        for name in sorted(names):
            dom = self._domain(uri, name)
            if dom is not None:
                if dom.isActive():
                    dom.destroy()
                dom.undefine()
        with self.gpus.allocations() as allocations:
            for pci in [p for p, owner in allocations.items() if owner in names]:
                del allocations[pci]
        try:
            pool = conn.storagePoolLookupByName(xml.pool_name(cluster["name"]))
            if not pool.isActive():
                pool.create()
            for vol in pool.listAllVolumes():
                vol.delete(0)
            # Console logs are written beside the volumes (not pool volumes): they go with the cluster.
            for name in names:
                log = os.path.join(cluster.get("storage_dir") or "", cluster["name"], f"{name}.console.log")
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
        self.state.remove()
        return [f"✅ {TITLES[kind]} cluster destroyed successfully!"]
