#!/usr/bin/env bash
# Check: each configured GPU is assigned to its running VM; with a real device it is visible in the guest
# depends: check-vm-provisioning
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t gpu_vms < <(cloud_cli::vms gpu)
((${#gpu_vms[@]})) || check::skip "no VM in the config has a GPU"
simulated=() checked=() stopped=()
for vm in "${gpu_vms[@]}"; do
  pci=$(cloud_cli::vm_field "$vm" GPU)
  cloud_cli::facts
  state=$(cloud_cli::fact state-vm "$vm" 3)
  if [[ "$state" != running ]]; then
    stopped+=("$vm (${state:-not in the state file})")
    continue
  fi
  checked+=("$vm")
  check::expect "$vm holds GPU $pci (state file and libvirt)" gpu::held_by "$vm" "$pci"
  rc=0
  gpu::verify_vm "$vm" "$pci" || rc=$?
  case $rc in
    0) ;;
    3) simulated+=("$pci") ;;
    *) check::note_failure "$vm: GPU $pci not visible inside the guest" ;;
  esac
done
((${#CHECK_FAILURES[@]})) && check::finish ""
# Only a running VM holds its GPU: with none running there is nothing to verify.
((${#checked[@]})) || check::skip "no GPU VM is running: ${stopped[*]}"
if ((${#simulated[@]})); then
  check::skip "assignment verified; in-guest visibility needs a real VFIO device and GPU ${simulated[*]} is simulated"
fi
check::finish "GPUs assigned and visible in their guests: ${checked[*]}${stopped:+; not running: ${stopped[*]}}"
