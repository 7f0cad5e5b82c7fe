#!/usr/bin/env bash
# Check: an intra-node NCCL all-reduce over all the node's GPUs gives the right sums at the bus bandwidth configured (gpu_node.nccl, or the model's reference for its GPU count); one GPU: skipped with the reason
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge nccl
