#!/usr/bin/env bash
# Check: a shared GPU moves between VMs: stop the holder, start the other, and back
# depends: check-gpu-conflict-detection
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t shared < <(gpu::shared)
((${#shared[@]})) || check::skip "no GPU is configured for more than one VM"
read -r pci holder other <<<"${shared[0]}"
util::trap_add "cloud_cli::run vm stop '$other' >/dev/null 2>&1; cloud_cli::run vm start '$holder' >/dev/null 2>&1 || true" EXIT
start=$(util::now)
check::expect "GPU $pci moved $holder -> $other" gpu::transfer "$holder" "$other" "$pci"
check::expect "$other answers with the GPU" cloud_cli::wait_vm_ready "$other"
check::objective gpu_switch_s "$(util::elapsed "$start")" s "<=" "cloud_vm.thresholds.vm_boot_s" || true
check::expect "GPU $pci moved back $other -> $holder" gpu::transfer "$other" "$holder" "$pci"
check::expect "$holder answers again" cloud_cli::wait_vm_ready "$holder"
check::finish "GPU $pci switched $holder -> $other -> $holder"
