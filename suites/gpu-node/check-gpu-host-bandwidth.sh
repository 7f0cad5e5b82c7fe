#!/usr/bin/env bash
# Check: pinned host-to-device and device-to-host bandwidth reach gpu_node.pcie.host_min_share_pct of what the link's maximum generation and width carry (IBM Autopilot expects 80 %), no straggler
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge hostbw
