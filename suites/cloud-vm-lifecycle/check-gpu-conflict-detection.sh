#!/usr/bin/env bash
# Check: starting a VM whose GPU another running VM holds is refused; nothing changes
# depends: check-shared-gpu-detection
# exclusive: true
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t shared < <(gpu::shared)
((${#shared[@]})) || check::skip "no GPU is configured for more than one VM"
for row in "${shared[@]}"; do
  read -r pci holder other <<<"$row"
  util::trap_add "cloud_cli::run vm stop '$other' >/dev/null 2>&1 || true" EXIT
  check::expect "vm start $other refused while $holder holds $pci" test_gpu_conflict "$other" "$pci" "$holder"
done
check::finish "conflicting starts refused for ${#shared[@]} GPU(s)"
