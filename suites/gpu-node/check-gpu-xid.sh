#!/usr/bin/env bash
# Check: no critical XID (gpu_node.xid.critical) on any GPU: NVML's event set watched for the whole probe, and the kernel log's NVRM Xid lines of the last gpu_node.xid.kernel_log_lookback_s - naming GPU, XID and time
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpunode::judge xid
