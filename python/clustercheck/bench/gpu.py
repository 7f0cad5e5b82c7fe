"""GPU utilisation sampled while load runs: NVML on this node, or a Prometheus query (the DCGM
exporter's DCGM_FI_DEV_GPU_UTIL) for remote nodes. Sampling runs in a thread at the configured rate."""

from __future__ import annotations

import threading
import time
from typing import Any

from clustercheck.gpu_inventory import inventory


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
    if gpu["nvml"] == "off":
        return "", "no GPU metrics configured (inference.gpu.nvml is off and no prometheus_url)"
    found, why = nvml_devices(gpu.get("indices"))
    if found:
        return "nvml", ""
    return "", f"no GPU to sample: {why}; set inference.gpu.prometheus_url for remote nodes"


class Sampler:
    """Samples utilisation (percent) of every GPU the source shows, every 1/hz seconds until stopped.
    Each GPU keeps its own identity (NVML index and UUID, or the exporter's gpu/UUID/Hostname labels):
    figures are never averaged across GPUs. The configured indices are the serving GPUs."""

    def __init__(self, gpu: dict[str, Any], kind: str) -> None:
        self.gpu, self.kind = gpu, kind
        self.period = 1.0 / float(gpu["sample_hz"])
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.labels: dict[str, dict[str, Any]] = {}
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
        serving = self.gpu.get("indices")
        if self.kind == "nvml":
            import pynvml

            for g in inventory():
                self.labels[str(g["index"])] = {**g, "serving": serving is None or g["index"] in serving}
            pynvml.nvmlInit()  # inventory() shut NVML down again; the handles below need it up
            handles = {key: pynvml.nvmlDeviceGetHandleByIndex(int(key)) for key in self.labels}
            return lambda: {key: float(pynvml.nvmlDeviceGetUtilizationRates(h).gpu) for key, h in handles.items()}
        import requests

        url = self.gpu["prometheus_url"].rstrip("/") + "/api/v1/query"
        query = self.gpu["prometheus_query"]

        def read() -> dict[str, float]:
            data = requests.get(url, params={"query": query}, timeout=2).json()
            out = {}
            for n, r in enumerate(data["data"]["result"]):
                m = r.get("metric", {})
                index = m.get("gpu", str(n))
                key = f"{m['Hostname']}-{index}" if m.get("Hostname") else index
                key = "".join(c if c.isalnum() or c in "-_" else "_" for c in key)
                if key not in self.labels:
                    idx = int(index) if str(index).isdigit() else None
                    self.labels[key] = {"index": idx, "uuid": m.get("UUID", ""), "name": m.get("modelName", ""),
                                        "host": m.get("Hostname", ""),
                                        "serving": serving is None or (idx is not None and idx in serving)}
                out[key] = float(r["value"][1])
            return out

        return read

    def _loop(self) -> None:
        try:
            read = self._read()
        except Exception as exc:  # the source went away between the probe and the run
            self.errors.append(str(exc)[:200])
            return
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
        """Mean and p10 utilisation of each GPU, over samples after SKIP_S (the warm-up)."""
        kept = [v for t, v in self.samples if t >= skip_s and v]
        keys = sorted({k for v in kept for k in v}, key=lambda k: (len(k), k))
        per_gpu = []
        for key in keys:
            values = sorted(v[key] for v in kept if key in v)
            label = self.labels.get(key, {})
            per_gpu.append({"gpu": key, "uuid": label.get("uuid", ""), "name": label.get("name", ""),
                            "serving": bool(label.get("serving", True)),
                            "mean": round(sum(values) / len(values), 1), "p10": values[int(0.1 * (len(values) - 1))]})
        hz = len(self.samples) / (self.samples[-1][0] - self.samples[0][0]) if len(self.samples) > 1 else 0.0
        return {"source": self.kind, "samples": len(kept), "achieved_hz": round(hz, 1), "per_gpu": per_gpu,
                "errors": self.errors, "series": [[t, v] for t, v in self.samples]}
