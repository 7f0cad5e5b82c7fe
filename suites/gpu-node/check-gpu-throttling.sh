#!/usr/bin/env bash
# Check: no GPU's clocks are held down by hardware slowdown, thermal slowdown or the power brake while it is loaded (a software power cap is reported); temperature and SM clock recorded
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge throttle
