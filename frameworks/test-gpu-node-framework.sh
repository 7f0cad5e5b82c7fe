#!/usr/bin/env bash
# GPU node acceptance framework: tells a sick or slow GPU from a healthy one on every GPU node at once.
# One probe per node (NVML health facts, XIDs watched, and with torch the active measurements: matrix
# throughput, memory and host bandwidth, memory test, silent data corruption, NCCL) where gpu_node.runs_on
# says: this host, every node of the SLURM partition through one srun, or a Kubernetes Job per node.
# The local target probes its Kubernetes nodes' simulated GPUs (passive checks; the active ones skip).
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"
# shellcheck source=test-infra/checks/slurm.sh
source "$CC_CHECKS/slurm.sh"

FRAMEWORK_NAME=gpu-node
FRAMEWORK_SUITES=(gpu-node)

# hpc (the SLURM nodes) or k8s (the Kubernetes cluster), as gpu_node.runs_on places the probes
framework::hook_components() { framework::placed_on "$CC_GPU_NODE_RUNS_ON"; }

framework::hook_status() {
  if [[ "$CC_GPU_NODE_RUNS_ON" == slurm ]]; then
    slurm::framework_status "$OPT_CONFIG"
  else
    clustercheck gpu inventory || true
  fi
}

framework::main "$@"
