"""The multi-GPU paths on CPU, with two simulated NVML devices (tests/fixtures/nvml-sim): every GPU
named (index, UUID, model, memory, PCI bus id), utilisation attributed to each GPU and never averaged,
the serving GPUs told apart from the others, and the same per GPU from a DCGM exporter through
Prometheus. No GPU is needed; the simulated pynvml answers what the JSON file says."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from clustercheck.bench import gpu
from clustercheck.config import defaults
from conftest import BIN, ROOT, run

SIM = ROOT / "tests" / "fixtures" / "nvml-sim"
TWO = SIM / "two-h200.json"


@pytest.fixture
def sim_nvml(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("pynvml", SIM / "pynvml.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "pynvml", module)
    monkeypatch.setenv("CC_NVML_SIM", str(TWO))


def sim_env(config: Path = TWO) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SIM), "CC_NVML_SIM": str(config)}


def test_inventory_names_every_gpu() -> None:
    result = run([str(BIN / "clustercheck"), "gpu", "inventory"], env=sim_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "0\tNVIDIA H200\t143771\t00000000:1b:00.0\t570.86.15\tGPU-5f1c0a3e-0000-4d6e-9a11-000000000000",
        "1\tNVIDIA H200\t143771\t00000000:43:00.0\t570.86.15\tGPU-5f1c0a3e-0001-4d6e-9a11-000000000001",
    ]


def test_without_the_simulated_devices_nvml_is_unavailable(tmp_path: Path) -> None:
    result = run([str(BIN / "clustercheck"), "gpu", "inventory"], env=sim_env(tmp_path / "none.json"))
    assert result.returncode == 3 and "no NVIDIA driver" in result.stderr


def _wait_for_samples(sampler: gpu.Sampler, count: int) -> None:
    """Until the sampler holds COUNT samples (bounded): its first read imports a client, which on a busy
    machine can take longer than a fixed sleep."""
    deadline = time.monotonic() + 15
    while len(sampler.samples) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(sampler.samples) >= count, f"{len(sampler.samples)} samples in 15 s; errors {sampler.errors}"


def _sample(cfg: dict[str, Any], kind: str = "nvml") -> dict[str, Any]:
    with gpu.Sampler(defaults.of("inference.gpu", cfg), kind) as sampler:
        _wait_for_samples(sampler, 5)
    return sampler.summary()


def test_the_busy_gpu_is_busy_and_the_idle_one_idle(sim_nvml: None) -> None:
    summary = _sample({"indices": [0], "sample_hz": 50})
    by_gpu = {d["gpu"]: d for d in summary["per_gpu"]}
    assert set(by_gpu) == {"0", "1"}, summary["per_gpu"]
    assert by_gpu["0"]["mean"] == 87.0 and by_gpu["0"]["serving"]
    assert by_gpu["1"]["mean"] == 0.0 and not by_gpu["1"]["serving"]
    assert by_gpu["1"]["uuid"] == "GPU-5f1c0a3e-0001-4d6e-9a11-000000000001"
    assert all(isinstance(v, dict) and set(v) == {"0", "1"} for _, v in summary["series"])


def test_a_serving_gpu_keeps_its_own_index(sim_nvml: None) -> None:
    """Serving GPU 1 alone: its figures are GPU 1's (once, the sampler listed the configured GPUs by
    position, so GPU 1's utilisation came out as GPU 0's)."""
    by_gpu = {d["gpu"]: d for d in _sample({"indices": [1], "sample_hz": 50})["per_gpu"]}
    assert by_gpu["1"]["serving"] and by_gpu["1"]["mean"] == 0.0
    assert not by_gpu["0"]["serving"] and by_gpu["0"]["mean"] == 87.0


def test_utilisation_that_changes_is_followed_per_gpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      sim_nvml: None) -> None:
    level = tmp_path / "gpu1.util"
    level.write_text("0")
    data = json.loads(TWO.read_text())
    # the simulated list is not in index order: find GPU 1 by its index
    at = next(k for k, g in enumerate(data["gpus"]) if g["index"] == 1)
    data["gpus"][at] = {**data["gpus"][at], "utilization_file": str(level)}
    cfg = tmp_path / "sim.json"
    cfg.write_text(json.dumps(data))
    monkeypatch.setenv("CC_NVML_SIM", str(cfg))
    with gpu.Sampler(defaults.of("inference.gpu", {"sample_hz": 50}), "nvml") as sampler:
        _wait_for_samples(sampler, 5)
        before = len(sampler.samples)
        level.write_text("100")
        after = len(sampler.samples)
        # a read in flight while the file changed may land just after `after`: leave one out
        _wait_for_samples(sampler, after + 6)
    early = [v["1"] for _, v in sampler.samples[:before]]
    late = [v["1"] for _, v in sampler.samples[after + 1:]]
    assert early and late and set(early) == {0.0} and set(late) == {100.0}
    assert {v["0"] for _, v in sampler.samples} == {87.0}


class _Dcgm(BaseHTTPRequestHandler):
    """A Prometheus query API answering what a DCGM exporter scrape gives: one series per GPU."""

    def do_GET(self) -> None:  # noqa: N802
        result = [{"metric": {"__name__": "DCGM_FI_DEV_GPU_UTIL", "gpu": str(i), "UUID": f"GPU-{i}",
                              "modelName": "NVIDIA H200", "Hostname": "gpu-node-1"}, "value": [0, str(v)]}
                  for i, v in ((0, 91), (1, 3))]
        self.queries.append(self.path)
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass

    queries: list[str] = []


@pytest.fixture
def dcgm() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Dcgm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_dcgm_through_prometheus_keeps_each_gpu(dcgm: str) -> None:
    summary = _sample({"prometheus_url": dcgm, "indices": [0], "sample_hz": 50}, "prometheus")
    by_gpu = {d["gpu"]: d for d in summary["per_gpu"]}
    assert set(by_gpu) == {"gpu-node-1-0", "gpu-node-1-1"}
    assert by_gpu["gpu-node-1-0"]["mean"] == 91.0 and by_gpu["gpu-node-1-0"]["serving"]
    assert by_gpu["gpu-node-1-1"]["mean"] == 3.0 and not by_gpu["gpu-node-1-1"]["serving"]
    # the default query asks for every GPU's series, not an average over them
    assert all("avg" not in q for q in _Dcgm.queries) and any("DCGM_FI_DEV_GPU_UTIL" in q for q in _Dcgm.queries)


def test_bus_bandwidth_is_nccl_tests_formula_beyond_two_ranks() -> None:
    """nccl-tests' all-reduce busbw = algbw x 2(n-1)/n: with 2 ranks it equals algbw, so only more ranks
    show a wrong factor."""
    from clustercheck.bench.collectives import bus_bandwidth, slowest

    assert bus_bandwidth("all_reduce", 10.0, 2) == 10.0
    assert bus_bandwidth("all_reduce", 10.0, 4) == 15.0
    assert bus_bandwidth("all_reduce", 10.0, 8) == 17.5
    assert bus_bandwidth("all_gather", 12.0, 4) == 9.0
    assert bus_bandwidth("all_reduce", 10.0, 1) == 0.0
    ranks = [{"rank": r, "algbw_gbps": bw} for r, bw in enumerate((11.0, 9.5, 10.2, 12.4))]
    slow = slowest(ranks, 4)
    assert slow["rank"] == 1 and slow["busbw_gbps"] == 14.25


def test_dcgm_series_without_a_gpu_label_keep_their_position(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exporter whose series carry no gpu label: each is told apart by its position in the answer."""

    class NoLabel(_Dcgm):
        def do_GET(self) -> None:  # noqa: N802
            result = [{"metric": {"__name__": "DCGM_FI_DEV_GPU_UTIL", "UUID": f"GPU-{i}"}, "value": [0, str(v)]}
                      for i, v in ((0, 64), (1, 12))]
            body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

    server = HTTPServer(("127.0.0.1", 0), NoLabel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        summary = _sample({"prometheus_url": f"http://127.0.0.1:{server.server_address[1]}", "indices": [1],
                           "sample_hz": 50}, "prometheus")
    finally:
        server.shutdown()
        server.server_close()
    by_gpu = {d["gpu"]: d for d in summary["per_gpu"]}
    assert by_gpu["0"]["mean"] == 64.0 and by_gpu["0"]["uuid"] == "GPU-0" and not by_gpu["0"]["serving"]
    assert by_gpu["1"]["mean"] == 12.0 and by_gpu["1"]["serving"]


def test_per_gpu_throughput_divides_by_every_serving_gpu(sim_nvml: None) -> None:
    from clustercheck.inference.runs import throughput_per_gpu

    def section(**gpu_cfg: Any) -> dict[str, Any]:
        return {"gpu": defaults.of("inference.gpu", gpu_cfg)}

    assert throughput_per_gpu(section(), 300.0) == (150.0, 2, "2 GPU(s) via NVML")
    assert throughput_per_gpu(section(indices=[1]), 300.0) == (300.0, 1, "1 GPU(s) via NVML")
    rate, count, basis = throughput_per_gpu(section(nvml="off"), 300.0)
    assert (rate, count) == (300.0, 0) and basis.startswith("per serving instance (no GPU seen: ")
