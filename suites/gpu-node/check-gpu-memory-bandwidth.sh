#!/usr/bin/env bash
# Check: device memory copy bandwidth of every GPU reaches gpu_node.active.copy_min_share_pct of its model's datasheet figure, no straggler
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge membw
