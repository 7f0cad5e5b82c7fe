#!/usr/bin/env bash
# Check: most of each GPU's free memory written with bit and index patterns reads back with 0 mismatches, and the same bf16 product computed twice is bitwise equal and within gpu_node.active.sdc_max_rel_error of float64 (silent data corruption)
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge memtest
