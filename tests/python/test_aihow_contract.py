"""The harness reads what the real ai-how writes (tests/fixtures/ai-how/, made by ai-how's own code), and
the reference driver says what the real one says in the same situations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

from conftest import AIHOW_FIXTURES, BIN, ROOT, run

from clustercheck.aihow import state as aistate
from aihow_double.ops import Driver

CLI = AIHOW_FIXTURES / "cli"


def _joined(text: str) -> str:
    """ai-how's messages as one line: from the first `Error:` on, rich's 80-column wrapping undone."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Error:"))
    return " ".join(line.strip() for line in lines[start:] if line.strip() and line.strip() != "Error:")


def test_reader_on_real_state_files() -> None:
    cloud = aistate.read_cluster(str(AIHOW_FIXTURES / "cloud-state.json"))
    assert cloud and cloud["state_file_version"] == "2.0"
    vms = {vm["name"]: vm for vm in aistate.vms(cloud)}
    assert list(vms) == ["cc-local-control-plane", "cc-local-gpu-worker-01", "cc-local-gpu-worker-02"]
    assert [aistate.running(vm) for vm in vms.values()] == [True, True, False]
    assert aistate.pci_of(vms["cc-local-gpu-worker-01"]["gpu_assigned"]) == "0000:65:00.0"
    assert aistate.pci_of("0000:01:00.0 (NVIDIA RTX A6000)") == "0000:01:00.0"
    hpc = aistate.read_cluster(str(AIHOW_FIXTURES / "hpc-state.json"))
    assert [vm["name"] for vm in aistate.vms(hpc)] == ["cc-hpc-controller", "cc-hpc-compute-01", "cc-hpc-compute-02"]
    assert aistate.gpu_allocations(str(AIHOW_FIXTURES / "cloud-state.json")) == {
        "0000:65:00.0": "cc-local-gpu-worker-01", "0000:ca:00.0": "cc-hpc-compute-01"}
    assert aistate.read_cluster(str(AIHOW_FIXTURES / "missing.json")) is None


def test_facts_on_real_state_files() -> None:
    uri = f"test://{AIHOW_FIXTURES / 'libvirt-test-node.xml'}"
    result = run([str(BIN / "clustercheck"), "libvirt", "facts", "--uri", uri,
                  "--state-file", str(AIHOW_FIXTURES / "cloud-state.json"),
                  "--state-file", str(AIHOW_FIXTURES / "hpc-state.json"), "--all-state-domains"])
    assert result.returncode == 0, result.stderr
    lines = {tuple(line.split("\t")) for line in result.stdout.splitlines()}
    assert ("state-vm", "cc-local-gpu-worker-01", "running", "cc-local-gpu-worker-01", "0000:65:00.0") in lines
    assert ("state-vm", "cc-local-gpu-worker-02", "stopped", "cc-local-gpu-worker-02", "0000:65:00.0") in lines
    assert ("state-vm", "cc-hpc-compute-01", "running", "cc-hpc-compute-01", "0000:ca:00.0") in lines
    assert ("state-gpu", "0000:65:00.0", "cc-local-gpu-worker-01") in lines
    assert ("state-gpu", "0000:ca:00.0", "cc-hpc-compute-01") in lines
    domains = {line[1]: line[2] for line in lines if line[0] == "domain"}
    assert domains["cc-local-gpu-worker-01"] == "running" and domains["cc-local-gpu-worker-02"] == "shut-off"
    assert domains["cc-hpc-controller"] == "undefined"


def test_a_corrupt_state_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "cloud-state.json"
    bad.write_text('{"cluster_name": "cc-local", "cluster_ty')
    result = run([str(BIN / "clustercheck"), "libvirt", "facts", "--uri", "test:///default", "--state-file", str(bad)])
    assert result.returncode == 2 and f"state file {bad} is not valid JSON" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_reference_driver_says_what_ai_how_says(test_cluster: dict[str, Any]) -> None:
    """Same situation, same message and exit code: an unknown VM for each vm command, and a GPU conflict."""
    cli = [str(BIN / "clustercheck-ai-how"), "--state", test_cluster["state"]]
    assert run([*cli, "cloud", "start", test_cluster["yaml"]]).returncode == 0
    for action in ("start", "stop", "restart", "status"):
        ours = run([*cli, "vm", action, "no-such-vm-cc"])
        real = (CLI / f"vm-{action}-no-such-vm-cc.stdout").read_text()
        assert ours.returncode == int((CLI / f"vm-{action}-no-such-vm-cc.exit").read_text()) == 1
        assert _joined(ours.stdout) == _joined(real) == "Error: VM 'no-such-vm-cc' not found in state"
        assert ours.stdout.splitlines()[0] == real.splitlines()[0]  # "Starting VM: ..." and the like
    ours = run([*cli, "vm", "start", "cc-unit-gpu-worker-02"])
    real = (CLI / "vm-start-cc-local-gpu-worker-02.stdout").read_text()
    assert ours.returncode == int((CLI / "vm-start-cc-local-gpu-worker-02.exit").read_text()) == 1
    assert _joined(ours.stdout) == _joined(real).replace("cc-local-", "cc-unit-")


def test_vm_status_has_ai_hows_rows(test_cluster: dict[str, Any]) -> None:
    # In one process: test:///default forgets its domains when the process that defined them ends.
    driver = Driver(test_cluster["state"])
    driver.cluster_start(test_cluster["yaml"], "cloud")
    ours = dict(driver.vm_status("cc-unit-gpu-worker-02"))
    real = (CLI / "vm-status-cc-local-gpu-worker-02.stdout").read_text()
    rows = ["Name", "UUID", "Type", "State", "CPU Cores", "Memory (GB)", "Volume Path", "IP Address", "GPU"]
    assert list(ours) == rows
    for row in rows:
        assert f"│ {row} " in real, row
    assert "│ State       │ shutoff" in real and ours["State"] == "shutoff"


def test_stopping_a_non_holder_keeps_the_holders_gpu(test_cluster: dict[str, Any]) -> None:
    """ai-how's vm stop releases the GPU whoever holds it (recorded); the reference driver does not."""
    real_after = json.loads((AIHOW_FIXTURES / "global-state-after-stopping-a-non-holder.json").read_text())
    assert "0000:65:00.0" not in real_after["shared_resources"]["gpu_allocations"]
    cli = [str(BIN / "clustercheck-ai-how"), "--state", test_cluster["state"]]
    assert run([*cli, "cloud", "start", test_cluster["yaml"]]).returncode == 0
    assert run([*cli, "vm", "stop", "cc-unit-gpu-worker-02"]).returncode == 0
    owners = json.loads(Path(test_cluster["global"]).read_text())["shared_resources"]["gpu_allocations"]
    assert owners["0000:65:00.0"] == "cc-unit-gpu-worker-01"


def test_multi_clusters_reads_real_state_files(
    local_data: dict[str, Any], platform_data: dict[str, Any], write_target: Callable[..., Path], tmp_path: Path
) -> None:
    states = tmp_path / "output"
    shutil.copytree(AIHOW_FIXTURES, states, ignore=shutil.ignore_patterns("cli", "*.md"))
    platform_data["global"]["clustercheck"]["libvirt_uri"] = f"test://{AIHOW_FIXTURES / 'libvirt-test-node.xml'}"
    local_data["cloud_vm"]["state_file"] = str(states / "cloud-state.json")
    local_data["cloud_vm"]["hpc_state_file"] = str(states / "hpc-state.json")
    result = run([str(BIN / "clustercheck"), "multi", "clusters", "--config", str(write_target(local_data, platform_data))])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "state\tcloud\trunning" in lines and "autostart_running\tcloud\t2/2" in lines
    assert "vm\tcloud\tcc-local-gpu-worker-01\trunning\t0000:65:00.0\tcc-local-gpu-worker-01" in lines
    assert "state\thpc\tstopped" in lines  # its domains are not in this libvirt
    (states / "hpc-state.json").unlink()  # ai-how removes the state file on destroy
    result = run([str(BIN / "clustercheck"), "multi", "clusters", "--config", str(tmp_path / "cfg.yaml")])
    assert "state\thpc\tnot-started" in result.stdout.splitlines()


def _framework_on_recorded_files(local_data: dict[str, Any], platform_data: dict[str, Any],
                                 write_target: Callable[..., Path], tmp_path: Path, global_state: str) -> dict[str, str]:
    """The cloud-VM framework's read-only checks on ai-how's recorded state files, with libvirt's test
    driver holding the domains as ai-how defines them (a GPU worker carries its GPU as a <hostdev>)."""
    states = tmp_path / "output"
    states.mkdir()
    for name in ("cloud-state.json", "hpc-state.json"):
        shutil.copy(AIHOW_FIXTURES / name, states / name)
    shutil.copy(AIHOW_FIXTURES / global_state, states / "global-state.json")
    extra = platform_data["global"]["clustercheck"]
    extra["libvirt_uri"] = f"test://{AIHOW_FIXTURES / 'libvirt-test-node.xml'}"
    extra["gpus"] = [{"pci": "0000:65:00.0", "model": "NVIDIA H100"}, {"pci": "0000:ca:00.0", "model": "NVIDIA H100"}]
    local_data["target"]["kind"] = "remote"
    local_data["cloud_vm"]["state_file"] = str(states / "cloud-state.json")
    local_data["cloud_vm"]["hpc_state_file"] = str(states / "hpc-state.json")
    report = tmp_path / "report"
    run([str(ROOT / "frameworks" / "test-cloud-vm-framework.sh"), "run-tests", "--config",
         str(write_target(local_data, platform_data)), "--report-dir", str(report),
         "--filter", "^check-(state-tracking|gpu-ownership-tracking)$"])
    rows = [json.loads(line) for line in (report / "results.jsonl").read_text().splitlines()]
    return {row["name"]: f"{row['status']}: {row['message']}" for row in rows}


def test_checks_pass_on_the_real_files(local_data: dict[str, Any], platform_data: dict[str, Any],
                                       write_target: Callable[..., Path], tmp_path: Path) -> None:
    results = _framework_on_recorded_files(local_data, platform_data, write_target, tmp_path, "global-state.json")
    assert results["check-state-tracking"].startswith("passed"), results
    assert results["check-gpu-ownership-tracking"].startswith("passed"), results


def test_checks_fail_on_the_real_files_after_ai_how_released_a_running_vms_gpu(
    local_data: dict[str, Any], platform_data: dict[str, Any], write_target: Callable[..., Path], tmp_path: Path
) -> None:
    results = _framework_on_recorded_files(local_data, platform_data, write_target, tmp_path,
                                           "global-state-after-stopping-a-non-holder.json")
    assert results["check-gpu-ownership-tracking"].startswith("failed"), results
    assert "cc-local-gpu-worker-01 runs with GPU 0000:65:00.0 but the state file says the owner is ''" in \
        results["check-gpu-ownership-tracking"]
