"""The active half of GPU node acceptance, with torch, each measurement bounded to about a second per GPU:
dense matrix throughput (bf16, tf32), device memory copy bandwidth, pinned host<->device bandwidth, a
memory pattern test over most of the free memory, a silent-data-corruption check, and (two GPUs or more)
an intra-node NCCL all-reduce. torch is imported once, here, for all of them: its import and CUDA's
start cost more than the measurements (on the H200: 2.4 s for everything after start)."""

from __future__ import annotations

import datetime
import os
import socket
import time
from typing import Any, Callable

from clustercheck.bench.collectives import bus_bandwidth

GEMM_N = 8192
COPY_BYTES = 2 << 30
HOST_BYTES = 1 << 30
MEMTEST_CHUNK = 1 << 30
SDC_ROWS = 64
NCCL_BYTES = 256 << 20
# NVLink multicast stays off in every job this harness starts (ARCHITECTURE: the GPU machine's VMs)
QUIET_NCCL = {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1"}


def available() -> tuple[Any, str]:
    """(torch, '') when CUDA devices can be measured here, else (None, why not)."""
    # CUDA's default order is fastest first, NVML's by PCI bus id: the same order for both (before CUDA
    # starts); cuda_ordinals still maps by UUID, whatever the environment says
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
    try:
        import torch
    except ImportError:
        return None, "torch is not installed"
    if not torch.cuda.is_available():
        return None, f"torch {torch.__version__} sees no CUDA device"
    return torch, ""


def _uuid(value: Any) -> str:
    """A GPU UUID as NVML ('GPU-0c0a...') and torch ('0c0a...') write it, in one spelling."""
    text = str(value or "").strip().lower()
    return text[4:] if text.startswith("gpu-") else text


def _bus(domain: int, bus: int, device: int) -> str:
    return f"{domain:08x}:{bus:02x}:{device:02x}"


def cuda_ordinals(torch: Any, gpus: list[dict[str, Any]]) -> dict[int, int]:
    """NVML index -> CUDA ordinal, matched by UUID (by PCI address where torch gives no UUID), so a figure
    measured on cuda:i lands on the GPU it was measured on. A GPU CUDA does not see is left out."""
    by_uuid = {_uuid(g.get("uuid")): g["index"] for g in gpus if g.get("uuid")}
    by_bus = {str(g.get("pci_bus_id", "")).lower()[:14]: g["index"] for g in gpus}
    out: dict[int, int] = {}
    for ordinal in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(ordinal)
        index = by_uuid.get(_uuid(getattr(props, "uuid", "")))
        if index is None and hasattr(props, "pci_bus_id"):
            index = by_bus.get(_bus(props.pci_domain_id, props.pci_bus_id, props.pci_device_id))
        if index is not None:
            out[index] = ordinal
    return out


def _timed(torch: Any, dev: Any, fn: Callable[[], Any], iters: int) -> float:
    fn()  # warm-up: kernels chosen, memory touched, outside the timing
    torch.cuda.synchronize(dev)
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    torch.cuda.synchronize(dev)
    return (time.perf_counter() - t0) / iters


def gemm(torch: Any, dev: Any, dtype: Any, n: int = GEMM_N, iters: int = 10) -> float:
    """Dense n x n x n matrix product throughput, TFLOP/s."""
    a = torch.randn(n, n, device=dev, dtype=dtype)
    b = torch.randn(n, n, device=dev, dtype=dtype)
    per = _timed(torch, dev, lambda: a @ b, iters)
    return 2 * n**3 / per / 1e12


def copy_bandwidth(torch: Any, dev: Any, nbytes: int = COPY_BYTES, iters: int = 10) -> float:
    """Device-to-device copy, TB/s counting the bytes read and the bytes written (as STREAM's copy)."""
    src = torch.empty(nbytes, dtype=torch.uint8, device=dev)
    dst = torch.empty_like(src)
    per = _timed(torch, dev, lambda: dst.copy_(src), iters)
    return 2 * nbytes / per / 1e12


def host_bandwidth(torch: Any, dev: Any, nbytes: int = HOST_BYTES, iters: int = 5) -> tuple[float, float]:
    """(host-to-device, device-to-host) over pinned memory, GB/s."""
    host = torch.empty(nbytes, dtype=torch.uint8, pin_memory=True)
    gpu = torch.empty(nbytes, dtype=torch.uint8, device=dev)
    h2d = _timed(torch, dev, lambda: gpu.copy_(host, non_blocking=True), iters)
    d2h = _timed(torch, dev, lambda: host.copy_(gpu, non_blocking=True), iters)
    return nbytes / h2d / 1e9, nbytes / d2h / 1e9


def memtest(torch: Any, dev: Any, fraction: float) -> dict[str, Any]:
    """Fill FRACTION of the free memory in 1 GiB chunks with two bit patterns and an index pattern (each
    chunk its own offset, so a chunk aliased onto another shows), read every one back: mismatches must be 0."""
    free, _total = torch.cuda.mem_get_info(dev)
    # the comparisons need room of their own: an eighth of a chunk each, and the index pattern one chunk
    budget = int(free * fraction) - 2 * MEMTEST_CHUNK
    words = MEMTEST_CHUNK // 8
    ref = torch.arange(words, dtype=torch.int64, device=dev)
    chunks = []
    while budget >= MEMTEST_CHUNK:
        chunks.append(torch.empty(words, dtype=torch.int64, device=dev))
        budget -= MEMTEST_CHUNK
    t0 = time.perf_counter()
    mismatches = 0
    for pattern in (0x5555555555555555, -0x5555555555555556):  # 0101... and 1010...
        for c in chunks:
            c.fill_(pattern)
        for c in chunks:
            mismatches += int((c != pattern).sum())
    for k, c in enumerate(chunks):
        c.copy_(ref).add_(k * words)
    for k, c in enumerate(chunks):
        mismatches += int((c.sub_(k * words) != ref).sum())
    torch.cuda.synchronize(dev)
    tested = len(chunks) * MEMTEST_CHUNK
    del chunks, ref
    torch.cuda.empty_cache()
    return {"bytes": tested, "free_bytes": int(free), "mismatches": mismatches, "seconds": round(time.perf_counter() - t0, 3)}


def sdc(torch: Any, dev: Any, n: int = GEMM_N) -> dict[str, Any]:
    """The same bf16 product twice (must be bitwise equal: the GPU is deterministic on one input) and a
    slice of it against float64 on the same GPU, as error relative to the slice's largest value (bf16
    keeps 8 bits of mantissa: an error of about 1 % of the magnitude is rounding, not corruption)."""
    g = torch.Generator(device=dev).manual_seed(20261203)
    a = torch.randn(n, n, device=dev, dtype=torch.bfloat16, generator=g)
    b = torch.randn(n, n, device=dev, dtype=torch.bfloat16, generator=g)
    c1, c2 = a @ b, a @ b
    ref = a[:SDC_ROWS].double() @ b.double()
    err = (c1[:SDC_ROWS].double() - ref).abs().max().item()
    scale = ref.abs().max().item() or 1.0
    return {"repeat_equal": bool(torch.equal(c1, c2)), "max_abs_error": round(err, 4),
            "max_rel_error": round(err / scale, 6), "magnitude": round(scale, 2)}


def measure_gpu(torch: Any, index: int, memtest_fraction: float, phase: Callable[[str], None], ordinal: int | None = None) -> dict[str, Any]:
    """Every single-GPU measurement on NVML's GPU INDEX, which is CUDA's ORDINAL (default: INDEX); PHASE
    names the one running, by NVML index (the sampler tags its samples)."""
    dev = torch.device(f"cuda:{index if ordinal is None else ordinal}")
    torch.cuda.set_device(dev)
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    phase(f"gemm:{index}")
    out["gemm_bf16_tflops"] = round(gemm(torch, dev, torch.bfloat16), 1)
    torch.backends.cuda.matmul.allow_tf32 = True
    out["gemm_tf32_tflops"] = round(gemm(torch, dev, torch.float32, iters=5), 1)
    phase(f"copy:{index}")
    out["copy_tbps"] = round(copy_bandwidth(torch, dev), 3)
    phase(f"host:{index}")
    h2d, d2h = host_bandwidth(torch, dev)
    out["h2d_gbps"], out["d2h_gbps"] = round(h2d, 1), round(d2h, 1)
    phase(f"sdc:{index}")
    out["sdc"] = sdc(torch, dev)
    phase(f"memtest:{index}")
    torch.cuda.empty_cache()
    out["memtest"] = memtest(torch, dev, memtest_fraction)
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _allreduce_rank(rank: int, world: int, port: int, nbytes: int, iters: int, results: Any) -> None:
    import torch
    import torch.distributed as dist

    os.environ.update(QUIET_NCCL)
    torch.cuda.set_device(rank)
    dist.init_process_group("nccl", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=60))
    buf = torch.ones(nbytes // 4, dtype=torch.float32, device=f"cuda:{rank}")
    dist.all_reduce(buf)
    torch.cuda.synchronize()
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(iters):
        dist.all_reduce(buf)
    torch.cuda.synchronize()
    per = (time.perf_counter() - t0) / iters
    # after 1 + iters all-reduces of ones every element is world ** (1 + iters): a wrong sum shows here
    want = float(world) ** (1 + iters)
    results[rank] = {"algbw_gbps": nbytes / per / 1e9, "correct": bool(torch.allclose(buf[:1024], torch.full_like(buf[:1024], want)))}
    dist.destroy_process_group()


def nccl_allreduce(world: int, nbytes: int = NCCL_BYTES, iters: int = 10) -> dict[str, Any]:
    """All-reduce over WORLD local GPUs (one process each); busbw as nccl-tests defines it."""
    import torch.multiprocessing as mp


    os.environ.update(QUIET_NCCL)
    manager = mp.Manager()
    results = manager.dict()
    mp.spawn(_allreduce_rank, args=(world, _free_port(), nbytes, iters, results), nprocs=world, join=True)
    ranks = [results[r] for r in range(world)]
    algbw = min(r["algbw_gbps"] for r in ranks)
    return {"ranks": world, "bytes": nbytes, "algbw_gbps": round(algbw, 1),
            "busbw_gbps": round(bus_bandwidth("all_reduce", algbw, world), 1),
            "correct": all(r["correct"] for r in ranks)}
