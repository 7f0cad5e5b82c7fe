#!/usr/bin/env bash
# Check: each running VM that holds a GPU carries it in its libvirt domain - a <hostdev> with the
# GPU's PCI address, or for a simulated GPU the driver's record of the assignment - and the state
# file names that VM as the GPU's owner
set -euo pipefail
# shellcheck source=suites/pcie-passthrough/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pcie::require_vm_host
[[ -n "${CC_CLOUD_VM_STATE_FILE:-}" ]] || check::skip "no cluster CLI configured (cloud_vm): no VM to look at"
cloud_cli::facts
checked=()
for vm in $(cloud_cli::vms gpu) $(gpu::_started_hpc_vms); do
  pci=$(cloud_cli::vm_field "$vm" GPU)
  [[ -n "$pci" ]] || continue
  [[ "$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)" == running ]] || continue
  if gpu::held_by "$vm" "$pci"; then
    checked+=("$vm:$pci($(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 7))")
  else
    check::note_failure "running VM $vm does not carry its GPU $pci (state file owner and domain must agree)"
  fi
done
((${#checked[@]} + ${#CHECK_FAILURES[@]})) || check::skip "no VM holding a GPU is running (start the cluster first)"
check::finish "GPU assigned in the domain and owned in the state file: ${checked[*]}"
