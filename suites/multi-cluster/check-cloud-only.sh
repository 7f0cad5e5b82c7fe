#!/usr/bin/env bash
# Check: scenario 3 - only the cloud cluster runs: the status says so, its GPU VMs hold their GPUs and the HPC side's GPUs are free
# exclusive: true
set -euo pipefail
# shellcheck source=suites/multi-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario::begin
scenario::only cloud
scenario::expect_holders cloud
cloud_cli::facts
for vm in $(multi_cluster::hpc_vms); do
  pci=$(cloud_cli::vm_field "$vm" GPU)
  [[ -n "$pci" ]] || continue
  owner=$(gpu::owner "$pci")
  if [[ -n "$owner" ]] && cloud_cli::is_hpc_vm "$owner"; then
    check::note_failure "GPU $pci still owned by $owner although the HPC cluster is gone"
  fi
done
check::expect "cloud VM $(cloud_cli::first_vm autostart) answers over SSH" cloud_cli::ssh "$(cloud_cli::first_vm autostart)" true
multi_cluster::status | tee "$CC_ARTIFACT_DIR/status.txt" >&2
check::finish "cloud cluster alone: running with its GPUs; no GPU left to the removed HPC cluster"
