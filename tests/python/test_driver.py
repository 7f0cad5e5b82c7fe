"""The reference ai-how driver on libvirt's test:///default: lifecycle, GPU ownership, conflicts."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from clustercheck.driver.ops import Driver, DriverError
from conftest import BIN, run


@pytest.fixture
def driver(test_cluster: dict[str, Any]) -> Driver:
    return Driver(test_cluster["state"])


def _state(test_cluster: dict[str, Any]) -> dict[str, Any]:
    return json.loads(Path(test_cluster["state"]).read_text())


def test_cloud_start_runs_autostart_vms_and_assigns_gpu(driver: Driver, test_cluster: dict[str, Any]) -> None:
    messages = driver.cloud_start(str(test_cluster["path"]))
    assert any("gpu-1 started with GPU 0000:65:00.0" in m for m in messages)
    state = _state(test_cluster)
    vms = state["clusters"]["cc-unit"]["vms"]
    assert vms["cpu-1"]["status"] == "running" and vms["gpu-1"]["status"] == "running"
    assert vms["gpu-2"]["status"] == "stopped"
    assert state["gpus"]["0000:65:00.0"]["owner"] == "cc-unit/gpu-1"
    status = driver.vm_status("gpu-1")
    assert status["libvirt_state"] == "running" and status["vcpus"] == 2 and status["memory_mib"] == 224


def test_conflict_names_gpu_and_owner(driver: Driver, test_cluster: dict[str, Any]) -> None:
    driver.cloud_start(str(test_cluster["path"]))
    with pytest.raises(DriverError) as err:
        driver.vm_start("gpu-2")
    assert "0000:65:00.0" in str(err.value) and "cc-unit/gpu-1" in str(err.value)
    assert err.value.exit_code == 1
    assert _state(test_cluster)["gpus"]["0000:65:00.0"]["owner"] == "cc-unit/gpu-1"
    assert driver.vm_status("gpu-2")["libvirt_state"] == "shut off"


def test_stop_releases_and_gpu_switches(driver: Driver, test_cluster: dict[str, Any]) -> None:
    driver.cloud_start(str(test_cluster["path"]))
    assert "released GPU 0000:65:00.0" in driver.vm_stop("gpu-1")
    assert "0000:65:00.0" not in _state(test_cluster)["gpus"]
    driver.vm_start("gpu-2")
    assert _state(test_cluster)["gpus"]["0000:65:00.0"]["owner"] == "cc-unit/gpu-2"


def test_restart_keeps_gpu(driver: Driver, test_cluster: dict[str, Any]) -> None:
    driver.cloud_start(str(test_cluster["path"]))
    driver.vm_restart("gpu-1")
    assert _state(test_cluster)["gpus"]["0000:65:00.0"]["owner"] == "cc-unit/gpu-1"
    with pytest.raises(DriverError, match="not running"):
        driver.vm_restart("gpu-2")


def test_unknown_vm_is_usage_error(driver: Driver, test_cluster: dict[str, Any]) -> None:
    driver.cloud_start(str(test_cluster["path"]))
    with pytest.raises(DriverError) as err:
        driver.vm_start("ghost")
    assert err.value.exit_code == 2 and "'ghost' not found" in str(err.value)


def test_cloud_stop_and_destroy(driver: Driver, test_cluster: dict[str, Any]) -> None:
    path = str(test_cluster["path"])
    driver.cloud_start(path)
    driver.cloud_stop(path)
    state = _state(test_cluster)
    assert state["gpus"] == {} and all(v["status"] == "stopped" for v in state["clusters"]["cc-unit"]["vms"].values())
    driver.cloud_destroy(path)
    assert "cc-unit" not in _state(test_cluster)["clusters"]
    conn = driver.conn("test:///default")
    assert "cc-unit-gpu-1" not in [d.name() for d in conn.listAllDomains()]
    assert "cc-local-net" not in [n.name() for n in conn.listAllNetworks()]


def test_gpu_conflict_across_clusters(
    driver: Driver, test_cluster: dict[str, Any], write_config: Callable[..., Path]
) -> None:
    driver.cloud_start(str(test_cluster["path"]))
    other = json.loads(json.dumps(test_cluster["data"]))
    other["cloud_vm"]["cluster"]["name"] = "cc-other"
    other["cloud_vm"]["cluster"]["network"]["name"] = "cc-other-net"
    other["cloud_vm"]["cluster"]["network"].pop("bridge")
    other["cloud_vm"]["cluster"]["vms"] = [other["cloud_vm"]["cluster"]["vms"][1]]
    with pytest.raises(DriverError) as err:
        driver.cloud_start(str(write_config(other, "other.yaml")))
    assert "GPU 0000:65:00.0 is already in use by VM cc-unit/gpu-1" in str(err.value)


def test_twenty_concurrent_starts_one_winner(
    test_cluster: dict[str, Any], write_config: Callable[..., Path], env_state: dict[str, str]
) -> None:
    data = test_cluster["data"]
    cluster = data["cloud_vm"]["cluster"]
    cluster["vms"] = [
        {"name": f"vm-{i}", "vcpus": 1, "memory_mib": 128, "ip": f"192.168.213.{20 + i}", "gpu": "0000:65:00.0", "autostart": False}
        for i in range(20)
    ]
    cfg = write_config(data, "twenty.yaml")
    assert run([str(BIN / "clustercheck-ai-how"), "cloud", "start", str(cfg)], env=env_state).returncode == 0

    def start(i: int) -> Any:
        return run([str(BIN / "clustercheck-ai-how"), "vm", "start", f"vm-{i}"], env=env_state)

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(start, range(20)))
    winners = [i for i, r in enumerate(results) if r.returncode == 0]
    assert len(winners) == 1, [r.stderr for r in results]
    owner = f"cc-unit/vm-{winners[0]}"
    for r in results:
        if r.returncode != 0:
            assert r.returncode == 1
            assert "0000:65:00.0" in r.stderr and owner in r.stderr, r.stderr
            assert len(r.stderr.strip().splitlines()) == 1
    state = json.loads(Path(test_cluster["state"]).read_text())
    assert state["gpus"]["0000:65:00.0"]["owner"] == owner
    running = [v for v, e in state["clusters"]["cc-unit"]["vms"].items() if e["status"] == "running"]
    assert running == [f"vm-{winners[0]}"]
