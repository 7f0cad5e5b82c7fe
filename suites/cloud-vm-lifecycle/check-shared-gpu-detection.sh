#!/usr/bin/env bash
# Check: a GPU configured for several VMs is held by exactly one running VM, and vm status of the others names that GPU
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t shared < <(gpu::shared)
((${#shared[@]})) || check::skip "no GPU is configured for more than one VM"
cloud_cli::facts
for row in "${shared[@]}"; do
  read -r pci holder other <<<"$row"
  running=$(awk -F '\t' -v p="$pci" '$1 == "state-vm" && $5 == p && $3 == "running" { print $2 }' "$FACTS_FILE" | paste -sd, -)
  check::expect_eq "running VMs sharing GPU $pci" "$running" "$holder"
  check::expect_eq "state-file owner of GPU $pci" "$(cloud_cli::fact state-gpu "$pci" 3)" "$(gpu::_owner_id "$holder")"
  cloud_cli::vm_command status "$other" || { check::note_failure "vm status $other failed"; continue; }
  check::expect "vm status $other names its GPU $pci" grep -qF "$pci" <<<"$(cloud_cli::status_field GPU)"
done
check::finish "${#shared[@]} shared GPU(s) detected, each with one holder"
