#!/usr/bin/env bash
# Check: vm start brings a stopped VM back: domain running, state says running, the guest answers
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

vm=$(cloud_cli::first_vm autostart)
[[ -n "$vm" ]] || check::skip "no autostart VM in the config"
util::trap_add "cloud_cli::run vm start '$vm' >/dev/null 2>&1 || true" EXIT
cloud_cli::vm_command stop "$vm" || check::error "could not stop $vm to set up the check: $(cloud_cli::said)"
start=$(util::now)
cloud_cli::vm_command start "$vm" || check::fail "vm start $vm failed: $(cloud_cli::said)"
cloud_cli::facts
check::expect_eq "$vm domain after start" "$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)" running
check::expect_eq "$vm state-file status" "$(cloud_cli::fact state-vm "$vm" 3)" running
if cloud_cli::wait_vm_ready "$vm"; then
  check::objective vm_boot_s "$(util::elapsed "$start")" s "<=" "cloud_vm.thresholds.vm_boot_s" || true
else
  check::note_failure "$vm did not answer over SSH after vm start"
fi
check::finish "vm start $vm: running and reachable"
