"""The multi-cluster helpers: peak resource sums, shortfall messages, and combined reports."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable

from conftest import BIN, run

from clustercheck.multi import resources


def test_peak_counts_a_shared_gpu_once(loaded_local: dict[str, Any]) -> None:
    d = resources.demand(loaded_local)
    # control plane and HPC controller (1 vCPU, 1 GiB each) + GPU 65:00.0 (largest sharer gpu-worker-01:
    # 2 vCPU, 1 GiB) + GPU ca:00.0 (compute-01: 1 vCPU, 1 GiB)
    assert (d.vcpus, d.memory_mib) == (5, 4096)
    assert d.gpus == {"0000:65:00.0", "0000:ca:00.0"}
    assert d.start_conflicts == []


def test_enough_host_no_problems(loaded_local: dict[str, Any]) -> None:
    facts, problems = resources.shortfalls(loaded_local, cpus=2, memory_mib=8192, gpus={"0000:65:00.0", "0000:ca:00.0"})
    assert problems == []
    assert facts[0][:3] == ("vcpus", 5, 6)


def test_each_shortfall_is_named(loaded_local: dict[str, Any]) -> None:
    data = copy.deepcopy(loaded_local)
    data["hpc"]["cluster"]["vms"][2]["autostart"] = True
    _, problems = resources.shortfalls(data, cpus=1, memory_mib=2600, gpus={"0000:65:00.0"})
    text = "\n".join(problems)
    assert "CPUs: the clusters need 5 vCPUs at their peak, the host allows 3 (1 CPUs x overcommit 3)" in text
    assert "memory: the clusters need 4096 MiB at their peak, the host has 552 MiB (2600 MiB less a 2048 MiB reserve)" in text
    assert "GPUs: 0000:ca:00.0 configured but not on this host" in text
    assert "GPU 0000:65:00.0 is wanted at start by cc-local-gpu-worker-01 and cc-hpc-compute-02" in text


def test_real_gpus_must_exist(loaded_local: dict[str, Any], tmp_path: Path) -> None:
    data = copy.deepcopy(loaded_local)
    for cluster in resources.clusters(data):
        for gpu in cluster["gpus"]:
            gpu["simulated"] = False
    (tmp_path / "0000:65:00.0").mkdir()
    assert resources.host_gpus(data, str(tmp_path)) == {"0000:65:00.0"}


def test_resources_cli_exit_codes(
    local_data: dict[str, Any], platform_data: dict[str, Any], write_target: Callable[..., Path]
) -> None:
    ok = run([str(BIN / "clustercheck"), "multi", "resources", "--config", str(write_target(local_data, platform_data))])
    assert ok.returncode == 0, ok.stderr
    platform_data["clusters"]["hpc"]["controller"]["memory_gb"] = 4000
    short = run([str(BIN / "clustercheck"), "multi", "resources", "--config",
                 str(write_target(local_data, platform_data, "b.yaml"))])
    assert short.returncode == 1
    assert short.stderr.startswith("shortfall: memory: the clusters need 4099072 MiB"), short.stderr


def _run_dir(folder: Path, rows: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True)
    (folder / "planned.txt").write_text("".join(r["name"] + "\n" for r in rows))
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_combine_prefixes_suites_and_reports_missing_frameworks(tmp_path: Path) -> None:
    _run_dir(tmp_path / "a", [{"name": "check-x", "suite": "s1", "status": "passed", "duration_s": 1.5}])
    _run_dir(tmp_path / "b", [{"name": "check-y", "suite": "s2", "status": "skipped", "message": "no cluster"}])
    out = tmp_path / "all"
    result = run([str(BIN / "clustercheck"), "combine", f"fa={tmp_path / 'a'}", f"fb={tmp_path / 'b'}",
                  f"fc={tmp_path / 'missing'}", "--out-dir", str(out), "--summary"])
    assert result.returncode == 1, result.stdout + result.stderr
    suites = {s.get("name"): s for s in ET.parse(out / "junit.xml").getroot().iter("testsuite")}
    assert set(suites) == {"all-clusters/fa/s1", "all-clusters/fb/s2", "all-clusters/fc"}
    assert suites["all-clusters/fc"].find("testcase/error").get("message").startswith("framework fc left no results")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["counts"] == {"passed": 1, "failed": 0, "error": 1, "skipped": 1, "total": 3, "flaky": 0}
    assert (out / "report.html").stat().st_size > 0
    ok = run([str(BIN / "clustercheck"), "combine", f"fa={tmp_path / 'a'}", "--out-dir", str(tmp_path / "ok")])
    assert ok.returncode == 0
    bad = run([str(BIN / "clustercheck"), "combine", "no-equals-sign", "--out-dir", str(tmp_path / "x")])
    assert bad.returncode == 2 and "expected FRAMEWORK=REPORT_DIR" in bad.stderr
