#!/usr/bin/env bash
# Check: every running VM reaches every other running VM over the cluster network
# depends: check-vm-provisioning
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t vms < <(cloud_cli::vms autostart)
((${#vms[@]} >= 2)) || check::skip "fewer than two autostart VMs in the config: nothing to connect"
pairs=0
for from in "${vms[@]}"; do
  for to in "${vms[@]}"; do
    [[ "$from" == "$to" ]] && continue
    ip=$(cloud_cli::vm_field "$to" IP)
    pairs=$((pairs + 1))
    check::expect "$from -> $to ($ip)" cloud_cli::ssh "$from" "ping -c 1 -W 3 $ip >/dev/null"
  done
done
check::finish "$pairs VM pairs connected"
