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
    "H200 SXM": {"bf16_tflops": 989, "tf32_tflops": 494, "memory_tbps": 4.8, "nccl_busbw_gbps": 460, "nccl_ranks": 8},
    "H100 PCIe": {"bf16_tflops": 756, "tf32_tflops": 378, "memory_tbps": 2.0},
    "H100 SXM": {"bf16_tflops": 989, "tf32_tflops": 494, "memory_tbps": 3.35, "nccl_busbw_gbps": 460, "nccl_ranks": 8},
    "A100 SXM4 80GB": {"bf16_tflops": 312, "tf32_tflops": 156, "memory_tbps": 2.039},
    "A100 PCIe 80GB": {"bf16_tflops": 312, "tf32_tflops": 156, "memory_tbps": 1.935},
    "A100 40GB": {"bf16_tflops": 312, "tf32_tflops": 156, "memory_tbps": 1.555},
    "L40S": {"bf16_tflops": 362, "tf32_tflops": 183, "memory_tbps": 0.864},
}

# NVML's product names (without "NVIDIA "), exactly, and the datasheet row each is. A name that is not
# here (GH200, H100 NVL, H200 NVL, B200 ...) is a different part with different figures: it has no
# reference until gpu_node.reference names it.
ALIASES: dict[str, str] = {
    "H200": "H200 SXM",
    "H200 SXM": "H200 SXM",
    "H100 80GB HBM3": "H100 SXM",
    "H100 SXM5 80GB": "H100 SXM",
    "H100 PCIe": "H100 PCIe",
    "A100-SXM4-80GB": "A100 SXM4 80GB",
    "A100 80GB PCIe": "A100 PCIe 80GB",
    "A100-SXM4-40GB": "A100 40GB",
    "A100-PCIE-40GB": "A100 40GB",
    "L40S": "L40S",
}


def product(name: str) -> str:
    """NVML's name without the vendor prefix and outer spaces: 'NVIDIA H200' -> 'H200'."""
    name = name.strip()
    return name[len("NVIDIA "):].strip() if name.upper().startswith("NVIDIA ") else name


def for_model(name: str, extra: dict[str, dict[str, float]] | None = None) -> tuple[str, dict[str, float]]:
    """(the row's key, its figures) for the GPU named NAME by NVML, matched exactly (case aside): by the
    config's table (gpu_node.reference, keyed by NVML's name or a datasheet row), then ALIASES. ('', {})
    for a part neither names."""
    want = product(name).lower()
    extra = {product(k).lower(): (k, v) for k, v in (extra or {}).items()}
    row = next((r for alias, r in ALIASES.items() if alias.lower() == want), "")
    row = row or next((k for k in DATASHEETS if k.lower() == want), "")
    figures: dict[str, float] = dict(DATASHEETS.get(row, {}))
    for key in (row.lower(), want):  # the config's figures over the datasheet's, its own row last
        if key and key in extra:
            figures.update(extra[key][1])
            row = row or extra[key][0]
    return row, figures


# GB/s one lane carries after line encoding (8b/10b to gen 2, 128b/130b from gen 3), per direction
PCIE_LANE_GBPS = {1: 0.25, 2: 0.5, 3: 0.985, 4: 1.969, 5: 3.938, 6: 7.563}


def link_gbps(gen: Any, width: Any) -> float:
    """What a PCIe link of GEN x WIDTH carries per direction, GB/s (0 when either is unknown: the caller
    names the GPU as not judged)."""
    if not isinstance(gen, int) or not isinstance(width, int):
        return 0.0
    return PCIE_LANE_GBPS.get(gen, 0.0) * width
