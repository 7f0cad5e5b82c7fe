#!/usr/bin/env bash
# Check: no GPU has uncorrectable ECC errors past gpu_node.memory's limits (DCGM: none volatile), a retired page or row remap pending, a failed row remap, or more than 512 rows remapped for uncorrectable errors (aznhc)
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge memory
