#!/usr/bin/env bash
# HPC runtime framework: what jobs on the GPU compute nodes rely on - cgroup isolation (memory, CPUs,
# GPU devices), rootless containers and the image registry, containers in SLURM jobs (GPUs, MPI across
# nodes), the cluster's prolog/epilog and failure diagnosis, monitoring, and distributed training.
set -euo pipefail
# shellcheck source=test-infra/utils/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/utils/init.sh"
# shellcheck source=test-infra/utils/framework.sh
source "$CC_UTILS/framework.sh"

FRAMEWORK_NAME=hpc-runtime
FRAMEWORK_SUITES=(hpc-runtime/cgroup-isolation hpc-runtime/container-runtime hpc-runtime/container-registry
  hpc-runtime/container-integration hpc-runtime/job-scripts hpc-runtime/monitoring hpc-runtime/distributed-training)
FRAMEWORK_DEFAULT_CONFIG=test-infra/configs/local.yaml
FRAMEWORK_STACK_COMPONENTS=(hpc)

framework::hook_status() {
  if [[ "$CC_TARGET_KIND" == local ]]; then
    CC_STACK_CONFIG=$OPT_CONFIG "$CC_ROOT/test-infra/local/stack" status hpc || true
  fi
  if [[ -n "${CC_HPC_SLURM_PARTITION:-}" ]]; then
    [[ -z "${CC_HPC_SLURM_CONF:-}" ]] || export SLURM_CONF=$CC_HPC_SLURM_CONF
    sinfo -N -p "$CC_HPC_SLURM_PARTITION" -o '%N %T %c %m %G' 2>&1 || true
  else
    log::info "status: this target configures no SLURM cluster (hpc.slurm)"
  fi
}

framework::main "$@"
