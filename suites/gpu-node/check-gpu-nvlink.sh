#!/usr/bin/env bash
# Check: every NVLink link is up and its error counters do not grow over the run (a GPU without links: skipped with the reason)
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge nvlink
