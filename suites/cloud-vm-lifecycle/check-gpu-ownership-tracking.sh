#!/usr/bin/env bash
# Check: every owned GPU's owner is the running VM configured with it, and only that VM's domain carries it
set -euo pipefail
# shellcheck source=suites/cloud-vm-lifecycle/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mapfile -t gpu_vms < <(cloud_cli::vms gpu)
((${#gpu_vms[@]})) || check::skip "no VM in the config has a GPU"
cloud_cli::facts
owned=0
while IFS=$'\t' read -r _ pci owner; do
  cloud_cli::is_cloud_vm "$owner" || continue
  owned=$((owned + 1))
  vm=$owner
  check::expect "GPU $pci allocated to its owner $vm" gpu::held_by "$vm" "$pci"
  carriers=$(awk -F '\t' -v p="$pci" '$1 == "domain" && $3 == "running" && $6 == p { print $2 }' "$FACTS_FILE" | paste -sd, -)
  check::expect_eq "running domains carrying GPU $pci" "$carriers" "$(cloud_cli::domain_of "$vm")"
done < <(awk -F '\t' '$1 == "state-gpu"' "$FACTS_FILE")
for vm in "${gpu_vms[@]}"; do
  pci=$(cloud_cli::vm_field "$vm" GPU)
  if [[ "$(cloud_cli::fact state-vm "$vm" 3)" == running && "$(cloud_cli::fact state-gpu "$pci" 3)" != "$(gpu::_owner_id "$vm")" ]]; then
    check::note_failure "$vm runs with GPU $pci but the state file says the owner is '$(cloud_cli::fact state-gpu "$pci" 3)'"
  fi
done
((owned)) || check::note_failure "no GPU is owned although GPU VMs are configured to start"
check::finish "$owned GPU owner(s) tracked consistently"
