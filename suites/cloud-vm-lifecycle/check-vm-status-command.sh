#!/usr/bin/env bash
# Check: vm status reports each VM's state and GPU as libvirt and the state file have them; unknown VMs are errors
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cloud_cli::facts
for vm in $(cloud_cli::vms); do
  test_vm_cli_command status "$vm" || { check::note_failure "vm status $vm failed: $(tail -n 1 <<<"$CLI_OUTPUT")"; continue; }
  actual=$(facts::get domain "$(facts::domain_of "$vm")" 3)
  [[ "$actual" == running ]] && word=running || word=stopped
  check::expect "vm status $vm says $word" grep -qiw "$word" <<<"$CLI_OUTPUT"
  pci=$(cloud_cli::vm_field "$vm" GPU)
  if [[ -n "$pci" ]]; then
    check::expect "vm status $vm names its GPU $pci" grep -qF "$pci" <<<"$CLI_OUTPUT"
  fi
done
test_vm_cli_command status no-such-vm-cc 2 ||
  check::note_failure "vm status of an unknown VM: exit $CLI_RC (expected 2)"
check::expect "unknown VM error names the VM" grep -qF no-such-vm-cc <<<"$CLI_OUTPUT"
check::finish "vm status agrees with libvirt for $(cloud_cli::vms | wc -l) VMs"
