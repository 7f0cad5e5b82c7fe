"""GPU utilisation sampled while load runs: NVML on this node, or a Prometheus query (the DCGM
exporter's DCGM_FI_DEV_GPU_UTIL) for remote nodes. Sampling runs in a thread at the configured rate."""

from __future__ import annotations

import threading
import time
from typing import Any


def nvml_devices(indices: list[int] | None) -> tuple[list[int], str]:
    """The GPU indices NVML can read here, or [] and why not."""
    try:
        import pynvml
    except ImportError:
        return [], "nvidia-ml-py is not installed"
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
        return [], f"NVML unavailable ({exc.__class__.__name__}: no NVIDIA driver on this node)"
    count = pynvml.nvmlDeviceGetCount()
    if count == 0:
        return [], "NVML sees no GPU on this node"
    wanted = indices or list(range(count))
    missing = [i for i in wanted if i >= count]
    if missing:
        return [], f"GPU index {missing[0]} configured, NVML sees {count} GPU(s)"
    return wanted, ""


def source(gpu: dict[str, Any]) -> tuple[str, str]:
    """('nvml'|'prometheus', '') when utilisation can be sampled, else ('', the reason)."""
    if gpu.get("prometheus_url"):
        return "prometheus", ""
    if gpu.get("nvml", "auto") == "off":
        return "", "no GPU metrics configured (inference.gpu.nvml is off and no prometheus_url)"
    found, why = nvml_devices(gpu.get("indices"))
    if found:
        return "nvml", ""
    return "", f"no GPU to sample: {why}; set inference.gpu.prometheus_url for remote nodes"


class Sampler:
    """Samples utilisation (percent, per GPU) every 1/hz seconds until stopped."""

    def __init__(self, gpu: dict[str, Any], kind: str) -> None:
        self.gpu, self.kind = gpu, kind
        self.period = 1.0 / float(gpu.get("sample_hz", 10))
        self.samples: list[tuple[float, list[float]]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._t0 = 0.0

    def __enter__(self) -> "Sampler":
        self._t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _read(self) -> Any:
        if self.kind == "nvml":
            import pynvml

            handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in nvml_devices(self.gpu.get("indices"))[0]]
            return lambda: [float(pynvml.nvmlDeviceGetUtilizationRates(h).gpu) for h in handles]
        import requests

        url = self.gpu["prometheus_url"].rstrip("/") + "/api/v1/query"
        query = self.gpu.get("prometheus_query", "avg(DCGM_FI_DEV_GPU_UTIL)")

        def read() -> list[float]:
            data = requests.get(url, params={"query": query}, timeout=2).json()
            return [float(r["value"][1]) for r in data["data"]["result"]]

        return read

    def _loop(self) -> None:
        read = self._read()
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self.samples.append((round(time.monotonic() - self._t0, 3), read()))
            except Exception as exc:  # one failed scrape is data, not a crash
                if len(self.errors) < 5:
                    self.errors.append(str(exc)[:200])
            next_at += self.period
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def summary(self, skip_s: float = 0.0) -> dict[str, Any]:
        """Mean and p10 utilisation per GPU over samples after SKIP_S (the warm-up)."""
        kept = [v for t, v in self.samples if t >= skip_s and v]
        width = max((len(v) for v in kept), default=0)
        per_gpu = []
        for i in range(width):
            values = sorted(v[i] for v in kept if len(v) > i)
            per_gpu.append({"gpu": i, "mean": round(sum(values) / len(values), 1),
                            "p10": values[int(0.1 * (len(values) - 1))]})
        hz = len(self.samples) / (self.samples[-1][0] - self.samples[0][0]) if len(self.samples) > 1 else 0.0
        return {"source": self.kind, "samples": len(kept), "achieved_hz": round(hz, 1), "per_gpu": per_gpu,
                "errors": self.errors, "series": [[t, v] for t, v in self.samples]}
