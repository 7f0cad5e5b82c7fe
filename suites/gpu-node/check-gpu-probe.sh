#!/usr/bin/env bash
# Check: every GPU node answers the acceptance probe - NVML's health facts before and after, sampled while
# the active measurements run (torch: matrix throughput, memory and host bandwidth, memory test, NCCL),
# XIDs watched all along - all nodes at once (gpu_node.runs_on: host, slurm through one srun, kubernetes Jobs).
# The other gpu-node checks judge these records.
# timeout: 900
set -euo pipefail
# shellcheck source=suites/gpu-node/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

util::trap_add gpunode::mark_probed EXIT
gpunode::probe_all "$CC_ARTIFACT_DIR/probes"
gpunode::finish_probe
