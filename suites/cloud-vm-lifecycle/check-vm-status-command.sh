#!/usr/bin/env bash
# Check: vm status reports each VM's state and GPU as libvirt and the state file have them; unknown VMs are errors
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cloud_cli::facts
for vm in $(cloud_cli::vms); do
  cloud_cli::vm_command status "$vm" || { check::note_failure "vm status $vm failed: $(cloud_cli::said)"; continue; }
  actual=$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)
  # ai-how reports libvirt's state words: running, shutoff.
  [[ "$actual" == running ]] && word=running || word=shutoff
  check::expect_eq "vm status $vm: State" "$(cloud_cli::status_field State)" "$word"
  pci=$(cloud_cli::vm_field "$vm" GPU)
  if [[ -n "$pci" ]]; then
    check::expect "vm status $vm names its GPU $pci" grep -qF "$pci" <<<"$(cloud_cli::status_field GPU)"
  fi
done
cloud_cli::vm_command status no-such-vm-cc 1 ||
  check::note_failure "vm status of an unknown VM: exit $CLI_RC (expected 1)"
check::expect "unknown VM error names the VM" grep -qF no-such-vm-cc <<<"$(cloud_cli::error_text)"
check::finish "vm status agrees with libvirt for $(cloud_cli::vms | wc -l) VMs"
