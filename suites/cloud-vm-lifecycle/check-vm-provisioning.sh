#!/usr/bin/env bash
# Check: every running VM has the vCPUs, memory and disks its config asks for, in libvirt and in the guest
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cloud_cli::facts
for vm in $(cloud_cli::vms autostart); do
  dom=$(cloud_cli::domain_of "$vm")
  [[ -n "$dom" ]] || { check::note_failure "$vm: not in the state file"; continue; }
  state=$(cloud_cli::fact domain "$dom" 3)
  if [[ "$state" != running ]]; then
    check::note_failure "$vm: domain $dom is ${state:-missing}, expected running"
    continue
  fi
  want_cpu=$(cloud_cli::vm_field "$vm" VCPUS)
  want_mem=$(cloud_cli::vm_field "$vm" MEMORY_MIB)
  check::expect_eq "$vm vCPUs (libvirt)" "$(cloud_cli::fact domain "$dom" 4)" "$want_cpu"
  check::expect_eq "$vm memory MiB (libvirt)" "$(cloud_cli::fact domain "$dom" 5)" "$want_mem"
  check::expect_eq "$vm disks attached" "$(awk -F '\t' -v d="$dom" '$1 == "disk" && $2 == d' "$FACTS_FILE" | wc -l)" \
    "$(cloud_cli::vm_field "$vm" DISKS_COUNT)"
  if ! guest=$(cloud_cli::ssh "$vm" 'nproc; sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo'); then
    check::note_failure "$vm: unreachable over SSH"
    continue
  fi
  check::expect_eq "$vm vCPUs (guest)" "$(sed -n 1p <<<"$guest")" "$want_cpu"
  seen_mib=$(($(sed -n 2p <<<"$guest") / 1024))
  min_mib=$(awk -v m="$want_mem" -v p="$CC_CLOUD_VM_THRESHOLDS_MEMORY_VISIBLE_MIN_PCT" 'BEGIN { printf "%d", m * p / 100 }')
  check::expect "$vm guest sees ${seen_mib} MiB of ${want_mem} MiB (at least ${min_mib})" \
    test "$seen_mib" -ge "$min_mib" -a "$seen_mib" -le "$want_mem"
done
check::finish "$(cloud_cli::vms autostart | wc -l) VMs provisioned as configured"
