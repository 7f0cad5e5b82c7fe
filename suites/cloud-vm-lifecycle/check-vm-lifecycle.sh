#!/usr/bin/env bash
# Check: cloud stop / start cycles: all VMs stop and release GPUs, then all come back and answer
# depends: check-vm-provisioning
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cycles=$CC_CLOUD_VM_LIFECYCLE_CYCLES
for ((c = 1; c <= cycles; c++)); do
  log::info "cycle $c/$cycles: cloud stop"
  cloud_cli::cluster_command stop || check::fail "cycle $c: cloud stop failed: $(cloud_cli::said)"
  cloud_cli::facts
  for vm in $(cloud_cli::vms); do
    state=$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)
    check::expect "cycle $c: $vm stopped (libvirt: $state)" test "$state" != running
  done
  check::expect "cycle $c: no GPU owned after cloud stop" test -z "$(awk -F '\t' '$1 == "state-gpu"' "$FACTS_FILE")"
  log::info "cycle $c/$cycles: cloud start"
  start=$(util::now)
  cloud_cli::cluster_command start || check::fail "cycle $c: cloud start failed: $(cloud_cli::said)"
  cloud_cli::wait_cluster_ready "$CC_CLOUD_VM_TIMEOUTS_CLUSTER_READY_S" || check::fail "cycle $c: VMs did not answer over SSH after cloud start"
  check::objective "cluster_start_s" "$(util::elapsed "$start")" s "<=" "cloud_vm.thresholds.vm_boot_s" || true
  cloud_cli::facts
  for vm in $(cloud_cli::vms autostart); do
    state=$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)
    check::expect "cycle $c: $vm running again (libvirt: $state)" test "$state" == running
  done
done
check::finish "$cycles stop/start cycle(s) completed"
