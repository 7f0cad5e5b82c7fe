#!/usr/bin/env bash
# Check: vm restart reboots the guest (new boot id), keeps it running and keeps its GPU
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

vm=$(cloud_cli::first_vm autostart-gpu)
vm=${vm:-$(cloud_cli::first_vm autostart)}
[[ -n "$vm" ]] || check::skip "no autostart VM in the config"
pci=$(cloud_cli::vm_field "$vm" GPU)
before=$(cloud_cli::ssh "$vm" cat /proc/sys/kernel/random/boot_id) || check::error "$vm unreachable before the restart"
cloud_cli::vm_command restart "$vm" || check::fail "vm restart $vm failed: $(cloud_cli::said)"
cloud_cli::wait_vm_ready "$vm" || check::fail "$vm did not answer over SSH after vm restart"
after=$(cloud_cli::ssh "$vm" cat /proc/sys/kernel/random/boot_id) || check::fail "$vm unreachable after the restart"
check::expect "$vm rebooted (boot id $before -> $after)" test "$before" != "$after"
cloud_cli::facts
check::expect_eq "$vm state-file status" "$(cloud_cli::fact state-vm "$vm" 3)" running
if [[ -n "$pci" ]]; then
  check::expect "$vm still holds GPU $pci after restart" gpu::held_by "$vm" "$pci"
fi
check::finish "vm restart $vm rebooted it${pci:+ and kept GPU $pci}"
