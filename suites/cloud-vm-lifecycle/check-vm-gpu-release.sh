#!/usr/bin/env bash
# Check: vm stop releases the VM's GPU in the state file; vm start takes it again
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

vm=$(cloud_cli::first_vm autostart-gpu)
[[ -n "$vm" ]] || check::skip "no autostart VM with a GPU in the config"
pci=$(cloud_cli::vm_field "$vm" GPU)
util::trap_add "cloud_cli::run vm start '$vm' >/dev/null 2>&1 || true" EXIT
gpu::held_by "$vm" "$pci" || check::error "precondition: $vm does not hold $pci"
cloud_cli::vm_command stop "$vm" || check::fail "vm stop $vm failed: $(cloud_cli::said)"
check::expect "GPU $pci released after vm stop $vm" gpu::released "$pci"
cloud_cli::vm_command start "$vm" || check::note_failure "vm start $vm failed: $(cloud_cli::said)"
check::expect "GPU $pci taken again by $vm" gpu::held_by "$vm" "$pci"
cloud_cli::wait_vm_ready "$vm" || check::note_failure "$vm did not come back"
check::finish "GPU $pci released on stop and re-taken on start"
