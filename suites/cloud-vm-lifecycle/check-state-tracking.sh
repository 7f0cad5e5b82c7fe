#!/usr/bin/env bash
# Check: the state file agrees with libvirt: VM states, GPU owners, no GPU owned twice
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -f "$CC_CLOUD_VM_STATE_FILE" ]] || check::fail "state file $CC_CLOUD_VM_STATE_FILE does not exist"
cloud_cli::facts
for vm in $(cloud_cli::vms); do
  recorded=$(cloud_cli::fact state-vm "$vm" 3)
  [[ -n "$recorded" ]] || { check::note_failure "$vm: missing from the state file"; continue; }
  actual=$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)
  [[ "$actual" == running ]] || actual=stopped
  check::expect_eq "$vm: state file vs libvirt" "$recorded" "$actual"
done
while IFS=$'\t' read -r _ pci owner; do
  vm=$owner
  cloud_cli::is_cloud_vm "$vm" || continue
  check::expect_eq "GPU $pci owner $vm is running" "$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)" running
  check::expect_eq "GPU $pci owner $vm is configured with it" "$(cloud_cli::vm_field "$vm" GPU)" "$pci"
done < <(awk -F '\t' '$1 == "state-gpu"' "$FACTS_FILE")
# A GPU carried by two running domains means two VMs believe they own it.
dups=$(awk -F '\t' '$1 == "domain" && $3 == "running" && $6 != "-" { print $6 }' "$FACTS_FILE" | sort | uniq -d)
check::expect "no GPU held by two running VMs${dups:+ (held twice: $dups)}" test -z "$dups"
twice=$(awk -F '\t' '$1 == "state-vm" && $3 == "running" && $5 != "-" { print $5 }' "$FACTS_FILE" | sort | uniq -d)
check::expect "no GPU recorded for two running VMs${twice:+ (recorded twice: $twice)}" test -z "$twice"
check::finish "state file and libvirt agree"
