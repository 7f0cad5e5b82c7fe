#!/usr/bin/env bash
# Check: every VM's volumes exist with their configured sizes and the guest sees each disk at that size
# depends: check-vm-provisioning
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cloud_cli::facts
disks=0
letters=abcdefghijklmnopqrstuvwxyz
for vm in $(cloud_cli::vms); do
  dom=$(cloud_cli::domain_of "$vm")
  n=$(cloud_cli::vm_field "$vm" DISKS_COUNT)
  for ((d = 0; d < n; d++)); do
    disk=$(cloud_cli::vm_field "$vm" "DISKS_${d}_NAME")
    want=$(($(cloud_cli::vm_field "$vm" "DISKS_${d}_SIZE_MIB") * 1024 * 1024))
    dev=vd${letters:d:1}
    line=$(awk -F '\t' -v dom="$dom" -v dev="$dev" '$1 == "disk" && $2 == dom && $3 == dev' "$FACTS_FILE")
    disks=$((disks + 1))
    if [[ -z "$line" ]]; then
      check::note_failure "$vm/$disk: no disk $dev on domain ${dom:-?}"
      continue
    fi
    if [[ "$(cut -f6 <<<"$line")" != volume ]]; then
      check::note_failure "$vm/$disk: volume $(cut -f4 <<<"$line") is gone from libvirt storage"
      continue
    fi
    check::expect_eq "$vm/$disk volume bytes" "$(cut -f5 <<<"$line")" "$want"
    if [[ "$(cloud_cli::fact domain "$dom" 3)" == running ]]; then
      sectors=$(cloud_cli::ssh "$vm" "cat /sys/block/$dev/size" 2>/dev/null || echo unreachable)
      check::expect_eq "$vm/$disk guest /dev/$dev bytes" "$((${sectors//[^0-9]/0} * 512))" "$want"
    fi
  done
done
check::finish "$disks volumes present at their sizes"
