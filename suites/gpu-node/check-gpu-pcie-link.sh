#!/usr/bin/env bash
# Check: every GPU's PCIe link runs at its maximum generation and width while the active checks load it (an idle link may train down), and its replay counter does not grow
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge pcie
