#!/usr/bin/env bash
# Check: vm stop stops exactly that VM: its domain shuts off, the state says stopped, the others keep running
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

vm=$(cloud_cli::first_vm autostart)
[[ -n "$vm" ]] || check::skip "no autostart VM in the config"
util::trap_add "cloud_cli::run vm start '$vm' >/dev/null 2>&1 || true" EXIT
cloud_cli::vm_command stop "$vm" || check::fail "vm stop $vm failed: $(cloud_cli::said)"
cloud_cli::facts
check::expect_eq "$vm domain after stop" "$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)" shut-off
check::expect_eq "$vm state-file status" "$(cloud_cli::fact state-vm "$vm" 3)" stopped
for other in $(cloud_cli::vms autostart); do
  [[ "$other" == "$vm" ]] && continue
  check::expect_eq "$other untouched" "$(cloud_cli::fact domain "$(cloud_cli::domain_of "$other")" 3)" running
done
if ! cloud_cli::vm_command start "$vm" || ! cloud_cli::wait_vm_ready "$vm"; then
  check::note_failure "could not restore $vm after the check"
fi
check::finish "vm stop $vm stopped only $vm"
