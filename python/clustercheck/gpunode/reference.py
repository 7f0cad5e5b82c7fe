"""What a GPU should deliver, per model, from the vendors' datasheets (dense figures, without sparsity),
and what a PCIe link carries. gpu_node.reference in the config adds models or overrides figures.

Sources: NVIDIA H200 Tensor Core GPU datasheet (SXM: BF16 989 TFLOPS, TF32 494 TFLOPS dense, HBM3e 4.8
TB/s); NVIDIA H100 datasheet (SXM: 989 / 494 TFLOPS, 3.35 TB/s; PCIe: 756 / 378 TFLOPS, 2.0 TB/s); NVIDIA
A100 datasheet (BF16 312, TF32 156 TFLOPS; 80GB SXM 2,039 GB/s, 80GB PCIe 1,935 GB/s, 40GB 1,555 GB/s);
NVIDIA L40S datasheet (BF16 362, TF32 183 TFLOPS dense, 864 GB/s). NCCL all-reduce bus bandwidth over
eight NVLink-4 GPUs: Azure HPC node health checks (aznhc) require 460 GB/s on ND H100 v5."""

from __future__ import annotations

from typing import Any

DATASHEETS: dict[str, dict[str, float]] = {
    "H200": {"bf16_tflops": 989, "tf32_tflops": 494, "memory_tbps": 4.8, "nccl_busbw_gbps": 460, "nccl_ranks": 8},
    "H100 PCIe": {"bf16_tflops": 756, "tf32_tflops": 378, "memory_tbps": 2.0},
    "H100": {"bf16_tflops": 989, "tf32_tflops": 494, "memory_tbps": 3.35, "nccl_busbw_gbps": 460, "nccl_ranks": 8},
    "A100-SXM4-80GB": {"bf16_tflops": 312, "tf32_tflops": 156, "memory_tbps": 2.039},
    "A100 80GB PCIe": {"bf16_tflops": 312, "tf32_tflops": 156, "memory_tbps": 1.935},
    "A100": {"bf16_tflops": 312, "tf32_tflops": 156, "memory_tbps": 1.555},
    "L40S": {"bf16_tflops": 362, "tf32_tflops": 183, "memory_tbps": 0.864},
}

# GB/s one lane carries after line encoding (8b/10b to gen 2, 128b/130b from gen 3), per direction
PCIE_LANE_GBPS = {1: 0.25, 2: 0.5, 3: 0.985, 4: 1.969, 5: 3.938, 6: 7.563}


def for_model(name: str, extra: dict[str, dict[str, float]] | None = None) -> tuple[str, dict[str, float]]:
    """(the table's key, its figures) for the GPU model NAME: the longest key the name contains, the
    config's table first. ('', {}) for a model neither knows."""
    table: dict[str, dict[str, Any]] = {**DATASHEETS}
    for key, figures in (extra or {}).items():
        table[key] = {**table.get(key, {}), **figures}
    for key in sorted(table, key=len, reverse=True):
        if key.lower() in name.lower():
            return key, table[key]
    return "", {}


def link_gbps(gen: Any, width: Any) -> float:
    """What a PCIe link of GEN x WIDTH carries per direction, GB/s (0 when either is unknown)."""
    if not isinstance(gen, int) or not isinstance(width, int):
        return 0.0
    return PCIE_LANE_GBPS.get(gen, 0.0) * width
