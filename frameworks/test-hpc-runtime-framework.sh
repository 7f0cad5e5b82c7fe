#!/usr/bin/env bash
# HPC runtime framework: what jobs on the GPU compute nodes rely on - cgroup isolation (memory, CPUs,
# GPU devices), rootless containers and the image registry, containers in SLURM jobs (GPUs, MPI across
# nodes), the cluster's prolog/epilog and failure diagnosis, monitoring, and distributed training.
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"
# shellcheck source=test-infra/checks/slurm.sh
source "$CC_CHECKS/slurm.sh"

FRAMEWORK_NAME=hpc-runtime
FRAMEWORK_SUITES=(hpc-runtime/cgroup-isolation hpc-runtime/container-runtime hpc-runtime/container-registry
  hpc-runtime/container-integration hpc-runtime/job-scripts hpc-runtime/monitoring hpc-runtime/distributed-training)
FRAMEWORK_STACK_COMPONENTS=(hpc)

framework::hook_status() { slurm::framework_status "$OPT_CONFIG"; }

framework::main "$@"
