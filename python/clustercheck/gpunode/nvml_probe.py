"""The passive half of GPU node acceptance: what NVML says about each GPU's health, read once before and
once after the active measurements, sampled every SAMPLE_S in between (links train down and clocks drop
when a GPU idles, so the figures that matter are those seen under load), and the critical-XID events
NVML delivers over the whole run. "Not Supported" is an answer (recorded as NA), never a crash: which
counters exist depends on the GPU's generation (Hopper remaps rows instead of retiring pages)."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from clustercheck.gpu_inventory import text

NA = "not supported"
SAMPLE_S = 0.05

# Clock event reasons (NVML's nvmlClocksEventReason* bits) and what each means for a check.
REASONS = {
    0x1: "gpu_idle",
    0x2: "applications_clocks_setting",
    0x4: "sw_power_cap",
    0x8: "hw_slowdown",
    0x10: "sync_boost",
    0x20: "sw_thermal_slowdown",
    0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}


def reason_names(mask: int) -> list[str]:
    return [name for bit, name in REASONS.items() if mask & bit]


class Nvml:
    """One NVML session: the device handles, and `ask` that turns an unsupported query into NA."""

    def __init__(self) -> None:
        try:
            import pynvml
        except ImportError as exc:
            raise RuntimeError("nvidia-ml-py is not installed") from exc
        self.nv = pynvml
        try:
            pynvml.nvmlInit()
        except Exception as exc:  # NVMLError_LibraryNotFound, NVMLError_DriverNotLoaded, ...
            raise RuntimeError(f"NVML unavailable ({exc.__class__.__name__}): no NVIDIA driver on this node") from exc
        self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]

    def ask(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except self.nv.NVMLError as exc:
            if isinstance(exc, getattr(self.nv, "NVMLError_NotSupported", ())):
                return NA
            return f"error: {exc}"

    def close(self) -> None:
        self.nv.nvmlShutdown()


def inventory(nv: Nvml) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(node facts, one dict per GPU): driver, CUDA driver version; index, name, uuid, memory, bus id, VBIOS."""
    p = nv.nv
    node = {"driver": text(p.nvmlSystemGetDriverVersion()), "cuda_driver": nv.ask(p.nvmlSystemGetCudaDriverVersion)}
    gpus = []
    for position, h in enumerate(nv.handles):
        gpus.append({
            "index": position,
            "name": text(p.nvmlDeviceGetName(h)),
            "uuid": text(p.nvmlDeviceGetUUID(h)),
            "memory_mib": int(p.nvmlDeviceGetMemoryInfo(h).total // (1024 * 1024)),
            "pci_bus_id": text(p.nvmlDeviceGetPciInfo(h).busId).lower(),
            "vbios": text(nv.ask(p.nvmlDeviceGetVbiosVersion, h)),
        })
    return node, gpus


def health(nv: Nvml, h: Any) -> dict[str, Any]:
    """Counters that only grow (ECC, remaps, replays, NVLink errors) and the link's maximum, read now."""
    p = nv.nv
    unc = p.NVML_MEMORY_ERROR_TYPE_UNCORRECTED
    rows = nv.ask(p.nvmlDeviceGetRemappedRows, h)
    pending = nv.ask(p.nvmlDeviceGetRetiredPagesPendingStatus, h)
    return {
        "ecc_volatile_uncorrected": nv.ask(p.nvmlDeviceGetTotalEccErrors, h, unc, p.NVML_VOLATILE_ECC),
        "ecc_aggregate_uncorrected": nv.ask(p.nvmlDeviceGetTotalEccErrors, h, unc, p.NVML_AGGREGATE_ECC),
        "retired_pages_pending": pending if pending == NA or isinstance(pending, str) else bool(pending),
        "remapped_rows": dict(zip(("correctable", "uncorrectable", "pending", "failure"), map(int, rows)))
        if isinstance(rows, tuple) else rows,
        "pcie_max_gen": nv.ask(p.nvmlDeviceGetMaxPcieLinkGeneration, h),
        "pcie_max_width": nv.ask(p.nvmlDeviceGetMaxPcieLinkWidth, h),
        "pcie_replay": nv.ask(p.nvmlDeviceGetPcieReplayCounter, h),
        "sm_clock_max_mhz": nv.ask(p.nvmlDeviceGetMaxClockInfo, h, p.NVML_CLOCK_SM),
        "nvlink": nvlinks(nv, h),
    }


def nvlinks(nv: Nvml, h: Any) -> Any:
    """Each link's state and replay-error count, or NA when the GPU has no NVLink."""
    p = nv.nv
    links = []
    for link in range(int(getattr(p, "NVML_NVLINK_MAX_LINKS", 18))):
        state = nv.ask(p.nvmlDeviceGetNvLinkState, h, link)
        if state == NA:
            return NA if not links else links
        if isinstance(state, str):  # past the last link: Invalid Argument
            break
        links.append({"link": link, "up": bool(state),
                      "errors": nv.ask(p.nvmlDeviceGetNvLinkErrorCounter, h, link, p.NVML_NVLINK_ERROR_DL_REPLAY)})
    return links or NA


def sample(nv: Nvml, h: Any) -> dict[str, Any]:
    """What changes with load: the link's current generation and width, clock event reasons, temperature,
    SM clock."""
    p = nv.nv
    reasons_fn = getattr(p, "nvmlDeviceGetCurrentClocksEventReasons", None) or p.nvmlDeviceGetCurrentClocksThrottleReasons
    return {
        "gen": nv.ask(p.nvmlDeviceGetCurrPcieLinkGeneration, h),
        "width": nv.ask(p.nvmlDeviceGetCurrPcieLinkWidth, h),
        "reasons": nv.ask(reasons_fn, h),
        "temperature_c": nv.ask(p.nvmlDeviceGetTemperature, h, p.NVML_TEMPERATURE_GPU),
        "sm_clock_mhz": nv.ask(p.nvmlDeviceGetClockInfo, h, p.NVML_CLOCK_SM),
    }


class Watch:
    """Samples every GPU and collects critical-XID events in a thread, from start() to stop(). Each
    sample is tagged with the phase it was taken in ("passive" or the active measurement running)."""

    def __init__(self, nv: Nvml) -> None:
        self.nv = nv
        self.phase = "passive"
        self.samples: list[list[dict[str, Any]]] = [[] for _ in nv.handles]
        self.xids: list[dict[str, Any]] = []
        self.xid_watch = ""
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._sampler, daemon=True),
                         threading.Thread(target=self._events, daemon=True)]
        self._t0 = time.time()

    def start(self) -> "Watch":
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)

    def _sampler(self) -> None:
        while True:
            for i, h in enumerate(self.nv.handles):
                s = sample(self.nv, h)
                s["t"] = round(time.time() - self._t0, 3)
                s["phase"] = self.phase
                self.samples[i].append(s)
            if self._stop.wait(SAMPLE_S):
                return

    def _events(self) -> None:
        p = self.nv.nv
        try:
            event_set = p.nvmlEventSetCreate()
            for h in self.nv.handles:
                p.nvmlDeviceRegisterEvents(h, p.nvmlEventTypeXidCriticalError, event_set)
        except p.NVMLError as exc:
            self.xid_watch = f"NVML event set not available: {exc}"
            return
        self.xid_watch = "watched"
        try:
            while not self._stop.is_set():
                try:
                    data = p.nvmlEventSetWait_v2(event_set, 100)
                except p.NVMLError as exc:
                    if isinstance(exc, getattr(p, "NVMLError_Timeout", ())):
                        continue
                    self.xid_watch = f"NVML event wait failed: {exc}"
                    return
                index = next((i for i, h in enumerate(self.nv.handles) if h is data.device or h == data.device), -1)
                self.xids.append({"gpu": index, "xid": int(data.eventData), "source": "nvml",
                                  "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "phase": self.phase})
        finally:
            p.nvmlEventSetFree(event_set)
