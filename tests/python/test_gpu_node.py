"""GPU node acceptance without a GPU: every check passes on healthy GPUs and fails on its fault.
The passive checks probe for real through the simulated NVML (tests/fixtures/nvml-sim) with one fault
each; the active checks judge the probe record the H200 gave on the GPU machine
(tests/gpu/results/gpu-node/probe-h200.json), altered one figure at a time, and the record of the real
fault run there (another process keeping the GPU busy)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from clustercheck.gpunode import judge
from conftest import BIN, ROOT

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from k8s_fixture import api  # noqa: E402

SIM = ROOT / "tests" / "fixtures" / "nvml-sim"
HEALTHY = json.loads((ROOT / "tests" / "fixtures" / "gpu-node" / "local" / "default.json").read_text())
RESULTS = ROOT / "tests" / "gpu" / "results" / "gpu-node"
H200 = json.loads((RESULTS / "probe-h200.json").read_text())
CFG = judge.settings({"expected": {"count": 2, "model": "H200", "memory_mib": 143771}})


def probe(tmp_path: Path, node: str = "n1", sick: dict[str, Any] | None = None, kernel_log: str = "",
          passive: bool = True, hold_s: float = 0.0, **top: Any) -> dict[str, Any]:
    """A real probe run against two simulated H200s, GPU 1 (bus 43) carrying SICK's fields. The device
    list is out of order (GPU 1 first), so a judge taking list position for NVML's index names the wrong GPU."""
    devices = copy.deepcopy(HEALTHY)
    next(g for g in devices["gpus"] if g["index"] == 1).update(sick or {})
    devices["gpus"].sort(key=lambda g: -g["index"])
    devices.update(top)
    sim = tmp_path / f"{node}-sim.json"
    sim.write_text(json.dumps(devices))
    env = {**os.environ, "PYTHONPATH": str(SIM), "CC_NVML_SIM": str(sim), "PATH": f"{BIN}:{os.environ['PATH']}"}
    if kernel_log:
        (tmp_path / "kmsg").write_text(kernel_log)
        env.update(CC_GPU_NODE_KERNEL_LOG=str(tmp_path / "kmsg"), CC_GPU_NODE_UPTIME="5000")
    out = tmp_path / f"{node}.json"
    args = ["clustercheck", "gpu-node", "probe", "--node", node, "--out", str(out), "--hold-s", str(hold_s)]
    subprocess.run(args + (["--passive"] if passive else []), env=env, check=True, timeout=60)
    return json.loads(out.read_text())


def verdict(check: str, *records: dict[str, Any], cfg: dict[str, Any] = CFG) -> judge.Verdict:
    return judge.run(check, list(records), cfg)


def only_failure(v: judge.Verdict) -> str:
    assert len(v.failures) == 1, v.failures
    return v.failures[0]


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return probe(tmp_path_factory.mktemp("healthy"))


@pytest.mark.parametrize("check", judge.PASSIVE)
def test_healthy_simulated_gpus_pass_every_passive_check(healthy: dict[str, Any], check: str) -> None:
    v = verdict(check, healthy)
    assert v.failures == []
    if check == "nvlink":
        assert "no NVLink on NVIDIA H200 (NVML: not supported)" in v.skip
    else:
        assert not v.skip and "simulated GPUs" in v.summary or check == "inventory"


def test_inventory_names_the_wrong_count_model_and_the_odd_node(tmp_path: Path, healthy: dict[str, Any]) -> None:
    one = probe(tmp_path, "n2", sick={"name": "NVIDIA H100 80GB HBM3"})
    f = verdict("inventory", healthy, one).failures
    assert any("n2: GPU 1 (00000000:43:00.0) is 'NVIDIA H100 80GB HBM3', expected a 'H200'" in x for x in f), f
    odd = probe(tmp_path, "n3", driver="570.86.15")
    f = verdict("inventory", healthy, {**healthy, "node": "n4"}, odd).failures
    assert f == ["n3: driver 570.86.15, while 2 of 3 nodes have 580.159.04"]


@pytest.mark.parametrize("fault,words", [
    ({"ecc": {"volatile_uncorrected": 2}}, "GPU 1 (00000000:43:00.0): 2 volatile uncorrectable ECC error(s), limit 0 (DCGM)"),
    ({"remapped_rows": [0, 1, 1, 0]}, "GPU 1 (00000000:43:00.0): a row remap is pending"),
    ({"remapped_rows": [0, 3, 0, 1]}, "a row remap failed (no spare rows left"),
    ({"remapped_rows": [0, 600, 0, 0]}, "600 rows remapped for uncorrectable errors, limit 512 (aznhc)"),
    ({"retired_pages_pending": True}, "retired pages pending"),
])
def test_memory_health_fails_on_its_fault(tmp_path: Path, fault: dict[str, Any], words: str) -> None:
    assert words in only_failure(verdict("memory", probe(tmp_path, sick=fault)))


def test_an_xid_79_during_the_run_fails_naming_gpu_xid_and_time(tmp_path: Path) -> None:
    rec = probe(tmp_path, sick={"xid_events": [{"xid": 79, "after_s": 0.2}, {"xid": 13, "after_s": 0.3}]}, hold_s=1.0)
    v = verdict("xid", rec)
    f = only_failure(v)
    assert f.startswith("n1: GPU 1 (00000000:43:00.0): XID 79 at 20") and "(NVML event, during passive)" in f
    assert "XID 13" in v.notes[0]  # an application's fault: reported, not failed


def test_a_recent_kernel_log_xid_fails_an_old_one_does_not(tmp_path: Path) -> None:
    log = ("[ 4990.100000] NVRM: Xid (PCI:0000:43:00): 79, pid=0, name=none, GPU has fallen off the bus.\n"
           "[  100.000000] NVRM: Xid (PCI:0000:43:00): 48, pid=0, DBE\n")
    rec = probe(tmp_path, kernel_log=log)
    f = only_failure(verdict("xid", rec))
    assert "GPU 1 (00000000:43:00.0): XID 79 10 s ago in the kernel log (pid=0, name=none, GPU has fallen off the bus.)" in f
    assert rec["xid"]["kernel_log"]["older"] == 1


@pytest.mark.parametrize("fault,words", [
    ({"pcie": {"gen": 3, "width": 8}}, "GPU 1 (00000000:43:00.0): link trained at gen 3 x8 of gen 5 x16"),
    ({"pcie": {"replay": 4, "replay_step": 3}}, "PCIe replay counter grew by"),
])
def test_pcie_fails_on_its_fault(tmp_path: Path, fault: dict[str, Any], words: str) -> None:
    assert words in only_failure(verdict("pcie", probe(tmp_path, sick=fault)))


def test_an_idle_link_at_a_lower_generation_is_reported_not_failed(tmp_path: Path) -> None:
    v = verdict("pcie", probe(tmp_path, sick={"pcie": {"gen": 1}, "clock_reasons": 1}))
    assert v.failures == [] and "idle at gen 1 of 5" in v.notes[0]


def test_thermal_slowdown_fails_a_software_power_cap_is_reported(tmp_path: Path) -> None:
    f = only_failure(verdict("throttle", probe(tmp_path, sick={"clock_reasons": 0x40, "temperature_c": 91})))
    assert "GPU 1 (00000000:43:00.0): clocks held down by hw_thermal_slowdown" in f
    v = verdict("throttle", probe(tmp_path, "n2", sick={"clock_reasons": 0x4}))
    assert v.failures == [] and "software power cap" in v.notes[0]


@pytest.mark.parametrize("links,words", [
    ([{"up": True}, {"up": False}], "GPU 1 (00000000:43:00.0): NVLink 1 is down"),
    ([{"up": True}, {"up": True, "errors": 5, "error_step": 2}], "NVLink 1 replay errors grew by"),
])
def test_nvlink_fails_on_its_fault(tmp_path: Path, links: list[dict[str, Any]], words: str) -> None:
    assert words in only_failure(verdict("nvlink", probe(tmp_path, sick={"nvlink": links})))
    healthy_links = verdict("nvlink", probe(tmp_path, "n2", sick={"nvlink": [{"up": True}] * 18}))
    assert healthy_links.failures == [] and not healthy_links.skip


def test_simulated_gpus_skip_the_active_checks_with_the_reason(tmp_path: Path) -> None:
    rec = probe(tmp_path, passive=False)
    for check in ("matmul", "membw", "hostbw", "memtest", "nccl"):
        v = verdict(check, rec)
        assert v.failures == [] and "simulated GPUs (NVML answers from n1-sim.json)" in v.skip, check


def h200(node: str = "gpu-a", **figures: Any) -> dict[str, Any]:
    rec = copy.deepcopy(H200)
    rec["node"] = node
    rec["gpus"][0]["active"].update(figures)
    return rec


@pytest.mark.parametrize("check", ["matmul", "membw", "hostbw", "memtest"])
def test_the_real_h200_record_passes_the_active_checks(check: str) -> None:
    v = verdict(check, h200())
    assert v.failures == [] and not v.skip
    assert v.metrics


def test_the_real_contended_gpu_fails_throughput_naming_the_gpu() -> None:
    fault = json.loads((RESULTS / "fault-probe-h200.json").read_text())
    for check, figure in (("matmul", "gemm_bf16_tflops"), ("membw", "copy_tbps"), ("hostbw", "h2d_gbps")):
        f = verdict(check, fault).failures
        assert any(x.startswith(f"vm: GPU 0 (00000000:00:06.0): {figure}") for x in f), (check, f)


def test_a_gpu_30_percent_slower_than_its_peers_is_named_even_within_the_objective() -> None:
    cfg = judge.settings({"reference": {"H200": {"bf16_tflops": 700}}})
    peers = [h200(f"gpu-{n}") for n in "abc"] + [h200("gpu-d", gemm_bf16_tflops=round(798.9 * 0.7, 1))]
    f = verdict("matmul", *peers, cfg=cfg).failures
    assert f == ["gpu-d: GPU 0 (00000000:00:06.0): gemm_bf16_tflops 559.2 TFLOP/s is 30 % below the median 798.9 "
                 "of its 4 NVIDIA H200 peers (straggler limit 15 %)"]


@pytest.mark.parametrize("fault,words", [
    ({"memtest": {**H200["gpus"][0]["active"]["memtest"], "mismatches": 3}}, "3 word(s) read back wrong of 109 GiB"),
    ({"sdc": {**H200["gpus"][0]["active"]["sdc"], "repeat_equal": False}}, "computed twice differs"),
    ({"sdc": {**H200["gpus"][0]["active"]["sdc"], "max_rel_error": 0.2}}, "off from float64 by 0.2000"),
])
def test_memtest_fails_on_its_fault(fault: dict[str, Any], words: str) -> None:
    assert words in only_failure(verdict("memtest", h200(**fault)))


def test_nccl_one_gpu_skips_a_failed_or_slow_collective_fails() -> None:
    assert "one GPU on this node" in verdict("nccl", h200()).skip
    rec = h200()
    rec["active"]["nccl"] = {"ranks": 8, "busbw_gbps": 300.0, "algbw_gbps": 171.4, "correct": True, "bytes": 1}
    assert "busbw 300.0 GB/s over 8 GPUs, under 460 GB/s" in only_failure(verdict("nccl", rec))
    rec["active"]["nccl"] = {"error": "DistBackendError: NCCL error"}
    assert "all-reduce over its 1 GPUs failed: DistBackendError" in only_failure(verdict("nccl", rec))
    rec["active"]["nccl"] = {"ranks": 8, "busbw_gbps": 480.0, "algbw_gbps": 274.3, "correct": True, "bytes": 1}
    assert verdict("nccl", rec).failures == []


def renamed(rec: dict[str, Any], name: str, node: str = "") -> dict[str, Any]:
    rec = copy.deepcopy(rec)
    rec["node"] = node or rec["node"]
    for g in rec["gpus"]:
        g["name"] = name
    return rec


@pytest.mark.parametrize("check", ["matmul", "membw"])
def test_a_model_with_no_reference_is_not_judged_and_alone_the_check_skips(check: str) -> None:
    # a B200 (or an L40 at a tenth of anything) once passed: no row, no verdict
    v = verdict(check, renamed(h200(gemm_bf16_tflops=1.0, copy_tbps=0.01), "NVIDIA B200"))
    assert v.failures == [] and v.skip.startswith("no GPU judged: gpu-a GPU 0 (00000000:00:06.0): ")
    assert "reference for 'NVIDIA B200' (name it under gpu_node.reference)" in v.skip
    mixed = verdict(check, h200(), renamed(h200(), "NVIDIA B200", "gpu-b"))
    assert mixed.failures == [] and not mixed.skip and mixed.summary.endswith("; 1 of 2 GPU(s) judged")
    assert any(n.startswith("not judged: gpu-b GPU 0") for n in mixed.notes)
    assert mixed.not_applicable["gpu-b"].startswith("GPU 0 (00000000:00:06.0): ")
    named = judge.settings({"reference": {"B200": {"bf16_tflops": 2250, "tf32_tflops": 1100, "memory_tbps": 8.0}}})
    assert verdict(check, renamed(h200(gemm_bf16_tflops=1.0, copy_tbps=0.01), "NVIDIA B200"), cfg=named).failures


@pytest.mark.parametrize("name,row", [("NVIDIA H200", "H200 SXM"), ("NVIDIA H100 80GB HBM3", "H100 SXM"),
                                      ("NVIDIA H100 PCIe", "H100 PCIe"), ("NVIDIA GH200 480GB", ""),
                                      ("NVIDIA H100 NVL", ""), ("NVIDIA H200 NVL", ""), ("NVIDIA A100-SXM4-40GB", "A100 40GB")])
def test_models_match_by_their_exact_name_never_a_part_of_it(name: str, row: str) -> None:
    from clustercheck.gpunode import reference

    assert reference.for_model(name)[0] == row
    assert reference.for_model("NVIDIA GH200 480GB", {"GH200 480GB": {"bf16_tflops": 989}}) == ("GH200 480GB", {"bf16_tflops": 989})


def test_an_unknown_link_maximum_leaves_host_bandwidth_unjudged() -> None:
    rec = h200(h2d_gbps=0.5, d2h_gbps=0.5)
    rec["gpus"][0]["before"]["pcie_max_gen"] = "error: Unknown Error"
    v = verdict("hostbw", rec)
    assert v.failures == [] and "h2d_gbps 0.5 GB/s not judged: PCIe link maximum gen error: Unknown Error x16 unknown" in v.skip
    assert "h2d_gbps 0.5 GB/s is 1 % of" in verdict("hostbw", h200(h2d_gbps=0.5)).failures[0]


def test_xids_not_watched_and_not_in_a_readable_log_are_not_judged(tmp_path: Path) -> None:
    rec = probe(tmp_path)
    rec["xid"] = {"nvml": "not watched: NVML event set unavailable", "events": [],
                  "kernel_log": {"readable": False, "why": "permission denied", "xids": [], "older": 0}}
    v = verdict("xid", rec)
    assert v.failures == [] and v.skip.startswith("no GPU judged: n1 GPU 0 (00000000:1b:00.0): XIDs not watched (NVML events: not watched")
    assert "kernel log not readable: permission denied" in v.skip
    rec["xid"]["kernel_log"]["readable"] = True
    assert not verdict("xid", rec).skip


def test_nvml_errors_are_named_and_a_gpu_with_nothing_readable_is_not_judged(tmp_path: Path) -> None:
    rec = probe(tmp_path)
    sick = next(g for g in rec["gpus"] if g["index"] == 1)
    sick["after"]["remapped_rows"] = "error: GPU is lost"
    v = verdict("memory", rec)
    assert v.failures == [] and "n1 GPU 1 (00000000:43:00.0): row remapping not read (error: GPU is lost)" in v.notes
    for g in rec["gpus"]:
        g["after"].update(ecc_volatile_uncorrected="error: GPU is lost", retired_pages_pending="not supported",
                          remapped_rows="error: GPU is lost")
    assert verdict("memory", rec).skip.startswith("no GPU judged: n1 GPU 0 (00000000:1b:00.0): nothing readable: volatile ECC count error")
    for g in rec["gpus"]:
        for sample in g["samples"] + [g["idle"]]:
            sample["reasons"] = "error: GPU is lost"
    v = verdict("throttle", rec)
    assert v.failures == [] and "clock event reasons not read (error: GPU is lost)" in v.skip


def test_nccl_on_a_gpu_count_with_no_floor_is_not_judged_a_configured_floor_judges_it() -> None:
    rec = h200()
    rec["gpus"] = [{**copy.deepcopy(rec["gpus"][0]), "index": i} for i in range(4)]
    rec["active"]["nccl"] = {"ranks": 4, "busbw_gbps": 1.0, "algbw_gbps": 0.7, "correct": True, "bytes": 1}
    v = verdict("nccl", rec)
    assert v.failures == [] and "busbw 1.0 GB/s not judged: no floor for 4 'NVIDIA H200' GPUs (its reference is for 8 GPUs)" in v.skip
    floor = judge.settings({"nccl": {"min_busbw_gbps": 300}})
    assert "busbw 1.0 GB/s over 4 GPUs, under 300 GB/s" in only_failure(verdict("nccl", rec, cfg=floor))


def test_judge_cli_prints_facts_and_a_node_line_per_node(tmp_path: Path) -> None:
    bad = probe(tmp_path, "n2", sick={"remapped_rows": [0, 1, 1, 0]})
    good = tmp_path / "n1.json"
    good.write_text(json.dumps(probe(tmp_path / ".." / tmp_path.name, "n1")))
    broken = tmp_path / "n3.json"
    broken.write_text(json.dumps({"version": 1, "node": "n3", "error": "NVML unavailable"}))
    out = subprocess.run([str(BIN / "clustercheck"), "gpu-node", "judge", "memory", str(good), str(tmp_path / "n2.json"),
                          str(broken)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert "node\tn1\tpassed\t" in out
    assert "node\tn2\tfailed\tGPU 1 (00000000:43:00.0): a row remap is pending (a reset is needed to apply it)" in out
    assert "fail\tn3: no probe: NVML unavailable" in out
    assert bad["gpus"][1]["after"]["remapped_rows"]["pending"] == 1 and bad["gpus"][0]["after"]["remapped_rows"]["pending"] == 0


def test_health_command_for_slurm_exits_1_naming_the_problem(tmp_path: Path) -> None:
    sim = tmp_path / "sim.json"
    devices = copy.deepcopy(HEALTHY)
    env = {**os.environ, "PYTHONPATH": str(SIM), "CC_NVML_SIM": str(sim)}
    sim.write_text(json.dumps(devices))
    t0 = time.monotonic()
    ok = subprocess.run([str(BIN / "clustercheck"), "gpu-node", "health"], env=env, capture_output=True, text=True)
    assert (ok.returncode, ok.stdout) == (0, "ok\n") and time.monotonic() - t0 < 5
    devices["gpus"][1]["pcie"] = {"gen": 3, "width": 8}
    sim.write_text(json.dumps(devices))
    bad = subprocess.run([str(BIN / "clustercheck"), "gpu-node", "health"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stdout == "FAIL pcie: GPU 1 (00000000:43:00.0): link trained at gen 3 x8 of gen 5 x16\n"


def test_the_kubernetes_jobs_are_valid_batch_v1_objects_one_per_node_with_all_its_gpus(tmp_path: Path) -> None:
    import kubernetes_validate
    import yaml

    from clustercheck.gpunode import k8s_jobs

    version = json.loads((ROOT / "tests" / "fixtures" / "k8s" / "healthy" / "version.json").read_text())
    host = ROOT / "tests" / "gpu" / "gpu-node-host.yaml"
    argv = [str(BIN / "clustercheck"), "gpu-node", "k8s-jobs", "--node", "gpu-a:8", "--node", "GPU_B.example:4", "--config"]
    no_image = subprocess.run([*argv, str(host)], capture_output=True, text=True)
    assert no_image.returncode == 2 and "gpu_node.kubernetes.image: is missing" in no_image.stderr
    data = yaml.safe_load(host.read_text())
    data["gpu_node"]["kubernetes"] = {"image": "cc.local/clustercheck:1"}
    config = tmp_path / "gpu-node-k8s.yaml"
    config.write_text(yaml.safe_dump(data))
    out = subprocess.run([*argv, str(config)], capture_output=True, text=True, check=True).stdout
    jobs = list(yaml.safe_load_all(out))
    assert [j["metadata"]["name"] for j in jobs] == ["cc-gpu-node-gpu-a", "cc-gpu-node-gpu-b-example"]
    for job in jobs:
        kubernetes_validate.validate(job, f"{version['major']}.{version['minor'].rstrip('+')}.0", strict=True)
    pod = jobs[1]["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"kubernetes.io/hostname": "GPU_B.example"}
    assert pod["containers"][0]["resources"]["limits"] == {"nvidia.com/gpu": "4"}
    assert {"name": "NCCL_NVLS_ENABLE", "value": "0"} in pod["containers"][0]["env"]
    assert k8s_jobs.record_from_log("n", "warming up\n" + json.dumps({"node": "n", "gpus": []}) + "\n") == {"node": "n", "gpus": []}
    assert "printed no record: Error: CUDA" in k8s_jobs.record_from_log("n", "Error: CUDA\n")["error"]


def test_kubernetes_one_job_per_gpu_node_through_the_real_client(tmp_path: Path) -> None:
    """The fan-out over the API stand-in (tests/fixtures/k8s_api.py: the recorded healthy cluster, one GPU
    node gpu-1): a Job on gpu-1 only, its record read back from the pod's log, the namespace deleted."""
    record = copy.deepcopy(H200)
    record["node"] = "gpu-1"
    scenario = tmp_path / "k8s" / "gpu-node"
    scenario.mkdir(parents=True)
    (scenario / "pods.json").write_text(json.dumps({"cc-gpu-node-": {"phase": "Succeeded", "log": "start\n" + json.dumps(record) + "\n"}}))
    fixtures = tmp_path / "k8s"
    (fixtures / "healthy").symlink_to(ROOT / "tests" / "fixtures" / "k8s" / "healthy")
    with api(tmp_path, fixtures, "healthy,gpu-node") as kubeconfig:
        config = tmp_path / "k8s.yaml"
        config.write_text(f"target: {{name: k8s, kind: remote}}\nkubernetes: {{kubeconfig: {kubeconfig}, timeout_s: 3}}\n"
                          "gpu_node: {runs_on: kubernetes, kubernetes: {image: registry.example/clustercheck:1}}\n")
        out = subprocess.run([str(BIN / "clustercheck"), "gpu-node", "k8s-probe", "--config", str(config), "--out", str(tmp_path / "probes")],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines()[-1] == "probed 1 node(s): gpu-1"
        assert json.loads((tmp_path / "probes" / "gpu-1.json").read_text())["gpus"][0]["active"]["gemm_bf16_tflops"] == 798.9
        journal = (tmp_path / "journal").read_text()
        assert "create /apis/batch/v1/namespaces/cc-gpu-node-" in journal and "/jobs cc-gpu-node-gpu-1" in journal
        assert "delete /api/v1/namespaces/cc-gpu-node-" in journal


class _Props:
    def __init__(self, uuid: str = "", bus: tuple[int, int, int] | None = None) -> None:
        if uuid:
            self.uuid = uuid
        if bus:
            self.pci_domain_id, self.pci_bus_id, self.pci_device_id = bus


def _torch(props: list[_Props]) -> Any:
    cuda = type("Cuda", (), {"device_count": staticmethod(lambda: len(props)),
                             "get_device_properties": staticmethod(lambda i: props[i])})
    return type("Torch", (), {"cuda": cuda})


def test_a_figure_lands_on_the_gpu_it_was_measured_on_matched_by_uuid_not_by_position() -> None:
    from clustercheck.gpunode import active

    gpus = [{"index": 0, "uuid": "GPU-0c0a3e00-0000-4d6e-9a11-000000000000", "pci_bus_id": "00000000:1b:00.0"},
            {"index": 1, "uuid": "GPU-0c0a3e00-0001-4d6e-9a11-000000000001", "pci_bus_id": "00000000:43:00.0"}]
    # CUDA's default order is fastest first: here cuda:0 is NVML's GPU 1
    fastest_first = _torch([_Props("0c0a3e00-0001-4d6e-9a11-000000000001"), _Props("0c0a3e00-0000-4d6e-9a11-000000000000")])
    assert active.cuda_ordinals(fastest_first, gpus) == {1: 0, 0: 1}
    # no UUID from torch: the PCI address; a GPU CUDA does not see is left out (the probe records why)
    by_bus = _torch([_Props(bus=(0, 0x43, 0))])
    assert active.cuda_ordinals(by_bus, gpus) == {1: 0}
    # and CUDA itself is asked for NVML's order before it starts
    os.environ.pop("CUDA_DEVICE_ORDER", None)
    active.available()
    assert os.environ.pop("CUDA_DEVICE_ORDER") == "PCI_BUS_ID"


def test_a_gpu_cuda_does_not_see_fails_the_active_checks_with_the_reason() -> None:
    rec = h200()
    rec["gpus"][0]["active"] = {"error": "no CUDA device has its UUID GPU-x or bus id 00000000:00:06.0: not measured"}
    assert "gemm_bf16_tflops measured (no CUDA device has its UUID" in verdict("matmul", rec).failures[0]
    assert "no memory test or SDC result (no CUDA device" in only_failure(verdict("memtest", rec))
