#!/usr/bin/env bash
# Check: dense bf16 and tf32 matrix throughput of every GPU reach gpu_node.active.gemm_min_share_pct of its model's datasheet figure, and no GPU is more than gpu_node.straggler_pct below the median of its peers
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge matmul
