#!/usr/bin/env bash
# Check: scenario 2 - only the HPC cluster runs: the status says so, SLURM takes jobs, and a GPU the cloud cluster would hold is free for an HPC VM
# exclusive: true
set -euo pipefail
# shellcheck source=suites/multi-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario::begin
scenario::only hpc
scenario::expect_holders hpc
check::expect "a SLURM job runs" scenario::slurm_job
if read -r pci _cloud_vm hpc_vm < <(scenario::shared_gpu); then
  # With the cloud cluster gone its GPU is the HPC side's to take.
  util::trap_add "cloud_cli::stop_if_running '$hpc_vm'" EXIT
  check::expect "HPC VM $hpc_vm starts with the cloud's GPU $pci" cloud_cli::vm_command start "$hpc_vm"
  check::expect "$hpc_vm holds GPU $pci" gpu::held_by "$hpc_vm" "$pci"
  check::expect "vm stop $hpc_vm" cloud_cli::vm_command stop "$hpc_vm"
  check::expect "GPU $pci released" gpu::released "$pci"
fi
multi_cluster::status | tee "$CC_ARTIFACT_DIR/status.txt" >&2
check::finish "HPC cluster alone: running, SLURM takes jobs, the cloud's GPU usable by the HPC side"
