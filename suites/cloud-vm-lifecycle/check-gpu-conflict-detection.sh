#!/usr/bin/env bash
# Check: starting a VM whose GPU another running VM holds is refused; nothing changes, not even when the refused VM is then stopped
# depends: check-shared-gpu-detection
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t shared < <(gpu::shared)
((${#shared[@]})) || check::skip "no GPU is configured for more than one VM"
for row in "${shared[@]}"; do
  read -r pci holder other <<<"$row"
  util::trap_add "cloud_cli::stop_if_running '$other'" EXIT
  check::expect "vm start $other refused while $holder holds $pci" gpu::conflict "$other" "$pci" "$holder"
  # Stopping the refused VM (it never ran) must not free the GPU its holder still uses.
  cloud_cli::vm_command stop "$other" || check::note_failure "vm stop $other (not running) failed: $(cloud_cli::said)"
  check::expect "$holder still holds $pci after vm stop of the refused $other" gpu::held_by "$holder" "$pci"
done
check::finish "conflicting starts refused for ${#shared[@]} GPU(s)"
