#!/usr/bin/env bash
# Check: every GPU to pass through is bound to vfio-pci on the host, and is an NVIDIA device
set -euo pipefail
# shellcheck source=suites/pcie-passthrough/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pcie::require_vm_host
pcie::require_real "the vfio-pci binding check"
for pci in "${PCIE_REAL[@]}"; do
  dev=$PCIE_SYS/$pci
  [[ -e "$dev" ]] || { check::note_failure "GPU $pci is not on this host's PCI bus"; continue; }
  driver=$(basename "$(readlink -f "$dev/driver" 2>/dev/null)" 2>/dev/null || true)
  [[ "$driver" == vfio-pci ]] || check::note_failure "GPU $pci is bound to '${driver:-no driver}', not vfio-pci"
  vendor=$(cat "$dev/vendor")
  [[ "$vendor" == 0x10de ]] || check::note_failure "device $pci has vendor $vendor, not NVIDIA (0x10de)"
  log::info "GPU $pci: driver ${driver:-none}, vendor $vendor, device $(cat "$dev/device")"
done
check::finish "${#PCIE_REAL[@]} GPU(s) bound to vfio-pci"
