#!/usr/bin/env bash
# HPC SLURM framework: the controller (slurmctld, MUNGE, accounting, PMIx), the compute nodes (registration,
# jobs over every node, TCP between nodes, MPI), the seed's job examples, failure recovery (opt-in on a
# real cluster) and node health fanned out to every node through one srun.
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"
# shellcheck source=test-infra/checks/slurm.sh
source "$CC_CHECKS/slurm.sh"

FRAMEWORK_NAME=hpc-slurm
FRAMEWORK_SUITES=(hpc-slurm/slurm-controller hpc-slurm/slurm-compute hpc-slurm/slurm-job-examples
  hpc-slurm/slurm-failure-recovery hpc-slurm/node-health)
FRAMEWORK_STACK_COMPONENTS=(hpc)

framework::hook_status() { slurm::framework_status "$OPT_CONFIG"; }

framework::main "$@"
