"""The reference ai-how driver on libvirt's test:///default: ai-how's files, names, messages and exit
codes - lifecycle, GPU ownership in global-state.json, conflicts, concurrent starts."""

from __future__ import annotations

import concurrent.futures
import json
import threading
from pathlib import Path
from typing import Any, Callable

import pytest

from aihow_double.ops import Driver, DriverError
from conftest import BIN, run

CLOUD = ["cc-unit-control-plane", "cc-unit-gpu-worker-01", "cc-unit-gpu-worker-02"]


@pytest.fixture
def driver(test_cluster: dict[str, Any]) -> Driver:
    return Driver(test_cluster["state"])


def _json(path: str) -> Any:
    return json.loads(Path(path).read_text())


def _vms(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    vms = [state["controller"], *state["compute_nodes"], *state["worker_nodes"]]
    return {vm["name"]: vm for vm in vms}


def _owners(test_cluster: dict[str, Any]) -> dict[str, str]:
    return _json(test_cluster["global"])["shared_resources"]["gpu_allocations"]


def test_cloud_start_writes_ai_how_state_and_global_state(driver: Driver, test_cluster: dict[str, Any]) -> None:
    assert driver.cluster_start(test_cluster["yaml"], "cloud") == ["✅ Cloud cluster started successfully!"]
    state = _json(test_cluster["state"])
    assert state["cluster_name"] == "cc-unit" and state["cluster_type"] == "cloud"
    assert state["state_file_version"] == "2.0" and state["compute_nodes"] == []
    assert list(_vms(state)) == CLOUD
    vms = _vms(state)
    assert vms["cc-unit-gpu-worker-01"]["state"] == "running" and vms["cc-unit-gpu-worker-02"]["state"] == "shutoff"
    assert vms["cc-unit-gpu-worker-01"]["gpu_assigned"] == "0000:65:00.0 (simulated-h100)"
    assert vms["cc-unit-control-plane"]["vm_type"] == "controller" and vms["cc-unit-gpu-worker-01"]["vm_type"] == "worker"
    assert vms["cc-unit-gpu-worker-01"]["cpu_cores"] == 2 and vms["cc-unit-gpu-worker-01"]["memory_gb"] == 1
    assert vms["cc-unit-gpu-worker-01"]["volume_path"].endswith("cc-unit-gpu-worker-01.qcow2")
    assert _owners(test_cluster) == {"0000:65:00.0": "cc-unit-gpu-worker-01"}
    status = dict(driver.vm_status("cc-unit-gpu-worker-01"))
    assert status["State"] == "running" and status["CPU Cores"] == "2" and status["GPU"].startswith("0000:65:00.0")
    conn = driver.conn("test:///default")
    assert {d.name() for d in conn.listAllDomains()} >= set(CLOUD)
    assert "cc-unit-network" in [n.name() for n in conn.listAllNetworks()]


def test_conflict_is_ai_hows_message(driver: Driver, test_cluster: dict[str, Any]) -> None:
    driver.cluster_start(test_cluster["yaml"], "cloud")
    with pytest.raises(DriverError) as err:
        driver.vm_start("cc-unit-gpu-worker-02")
    assert str(err.value) == ("GPU 0000:65:00.0 is currently allocated to cc-unit-gpu-worker-01. "
                              "Stop that VM before starting cc-unit-gpu-worker-02.")
    assert err.value.exit_code == 1
    assert _owners(test_cluster) == {"0000:65:00.0": "cc-unit-gpu-worker-01"}
    assert dict(driver.vm_status("cc-unit-gpu-worker-02"))["State"] == "shutoff"


def test_stop_releases_and_gpu_switches(driver: Driver, test_cluster: dict[str, Any]) -> None:
    driver.cluster_start(test_cluster["yaml"], "cloud")
    # Stopping a VM that never held the GPU leaves its holder alone.
    driver.vm_stop("cc-unit-gpu-worker-02")
    assert _owners(test_cluster) == {"0000:65:00.0": "cc-unit-gpu-worker-01"}
    driver.vm_stop("cc-unit-gpu-worker-01")
    assert _owners(test_cluster) == {}
    driver.vm_start("cc-unit-gpu-worker-02")
    assert _owners(test_cluster) == {"0000:65:00.0": "cc-unit-gpu-worker-02"}
    assert _vms(_json(test_cluster["state"]))["cc-unit-gpu-worker-02"]["state"] == "running"


def test_restart_keeps_gpu(driver: Driver, test_cluster: dict[str, Any]) -> None:
    driver.cluster_start(test_cluster["yaml"], "cloud")
    driver.vm_restart("cc-unit-gpu-worker-01")
    assert _owners(test_cluster) == {"0000:65:00.0": "cc-unit-gpu-worker-01"}
    with pytest.raises(DriverError, match="not running"):
        driver.vm_restart("cc-unit-gpu-worker-02")


def test_unknown_vm_and_no_state_are_ai_hows_errors(test_cluster: dict[str, Any]) -> None:
    cli = [str(BIN / "clustercheck-ai-how"), "--state", test_cluster["state"]]
    none = run([*cli, "vm", "status", "ghost"])
    assert none.returncode == 1 and none.stdout.strip() == "Error: No cluster state found"
    assert run([*cli, "cloud", "start", test_cluster["yaml"]]).returncode == 0
    for action in ("start", "stop", "restart", "status"):
        result = run([*cli, "vm", action, "ghost"])
        assert result.returncode == 1 and "Error: VM 'ghost' not found in state" in result.stdout, result.stdout
        assert "Traceback" not in result.stdout + result.stderr


def test_cloud_stop_and_destroy(driver: Driver, test_cluster: dict[str, Any]) -> None:
    driver.cluster_start(test_cluster["yaml"], "cloud")
    driver.cluster_stop(test_cluster["yaml"], "cloud")
    assert _owners(test_cluster) == {}
    assert {vm["state"] for vm in _vms(_json(test_cluster["state"])).values()} == {"shutoff"}
    driver.cluster_destroy(test_cluster["yaml"], "cloud")
    assert not Path(test_cluster["state"]).exists()  # ai-how removes the state file on destroy
    conn = driver.conn("test:///default")
    assert not {d.name() for d in conn.listAllDomains()} & set(CLOUD)
    assert "cc-unit-network" not in [n.name() for n in conn.listAllNetworks()]


def test_gpu_conflict_across_clusters(test_cluster: dict[str, Any]) -> None:
    cloud, hpc = Driver(test_cluster["state"]), Driver(test_cluster["hpc_state"])
    cloud.cluster_start(test_cluster["yaml"], "cloud")
    hpc.cluster_start(test_cluster["yaml"], "hpc")
    assert _owners(test_cluster) == {"0000:65:00.0": "cc-unit-gpu-worker-01", "0000:ca:00.0": "cc-unit-hpc-compute-01"}
    with pytest.raises(DriverError, match="allocated to cc-unit-gpu-worker-01. Stop that VM before starting cc-unit-hpc-compute-02"):
        hpc.vm_start("cc-unit-hpc-compute-02")
    cloud.vm_stop("cc-unit-gpu-worker-01")
    hpc.vm_start("cc-unit-hpc-compute-02")
    assert _owners(test_cluster)["0000:65:00.0"] == "cc-unit-hpc-compute-02"


def test_twenty_concurrent_starts_one_winner(
    test_cluster: dict[str, Any], write_target: Callable[..., Path]
) -> None:
    platform = test_cluster["platform"]
    worker = platform["clusters"]["cloud"]["worker_nodes"][1]
    platform["clusters"]["cloud"]["worker_nodes"] = [
        {**worker, "ip": f"192.168.213.{20 + i}", "auto_start": False} for i in range(20)
    ]
    write_target(test_cluster["data"], platform)
    cli = [str(BIN / "clustercheck-ai-how"), "--state", test_cluster["state"]]
    assert run([*cli, "cloud", "start", test_cluster["yaml"]]).returncode == 0
    names = [f"cc-unit-gpu-worker-{i:02d}" for i in range(1, 21)]
    seen_invalid: list[str] = []
    done = threading.Event()

    def watch() -> None:  # the files must be valid JSON at every moment a reader could look
        while not done.is_set():
            for path in (test_cluster["state"], test_cluster["global"]):
                try:
                    json.loads(Path(path).read_text())
                except FileNotFoundError:
                    pass
                except json.JSONDecodeError as exc:
                    seen_invalid.append(f"{path}: {exc}")

    watcher = threading.Thread(target=watch)
    watcher.start()
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda n: run([*cli, "vm", "start", n]), names))
    done.set()
    watcher.join()
    assert not seen_invalid
    winners = [n for n, r in zip(names, results) if r.returncode == 0]
    assert len(winners) == 1, [r.stdout for r in results]
    for r in results:
        if r.returncode != 0:
            assert r.returncode == 1
            assert f"GPU 0000:65:00.0 is currently allocated to {winners[0]}." in r.stdout, r.stdout
    assert _owners(test_cluster) == {"0000:65:00.0": winners[0]}
    running = [n for n, vm in _vms(_json(test_cluster["state"])).items() if vm["state"] == "running" and n in names]
    assert running == [winners[0]]
