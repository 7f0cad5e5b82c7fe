#!/usr/bin/env bash
# Check: every node has the GPUs configured (gpu_node.expected: count, model, memory, driver, VBIOS) and the same as the other nodes, naming the odd one
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge inventory
