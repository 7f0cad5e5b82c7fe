#!/usr/bin/env bash
# HPC SLURM framework: the controller (slurmctld, MUNGE, accounting, PMIx), the compute nodes (registration,
# jobs over every node, TCP between nodes, MPI), the seed's job examples, failure recovery (opt-in on a
# real cluster) and node health fanned out to every node through one srun.
set -euo pipefail
# shellcheck source=test-infra/utils/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/utils/init.sh"
# shellcheck source=test-infra/utils/framework.sh
source "$CC_UTILS/framework.sh"

FRAMEWORK_NAME=hpc-slurm
FRAMEWORK_SUITES=(hpc-slurm/slurm-controller hpc-slurm/slurm-compute hpc-slurm/slurm-job-examples
  hpc-slurm/slurm-failure-recovery hpc-slurm/node-health)
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
