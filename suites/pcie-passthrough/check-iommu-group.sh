#!/usr/bin/env bash
# Check: every GPU to pass through sits in an IOMMU group, and every other device of that group is
# handed over with it (bound to vfio-pci) or is a PCI bridge - else the group cannot be assigned
set -euo pipefail
# shellcheck source=suites/pcie-passthrough/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pcie::require_vm_host
pcie::require_real "the IOMMU group check"
for pci in "${PCIE_REAL[@]}"; do
  dev=$PCIE_SYS/$pci
  if [[ ! -e "$dev" ]]; then
    check::note_failure "GPU $pci is not on this host's PCI bus"
    continue
  fi
  if [[ ! -e "$dev/iommu_group" ]]; then
    check::note_failure "GPU $pci has no IOMMU group (IOMMU off: intel_iommu=on / amd_iommu=on on the kernel command line)"
    continue
  fi
  group=$(basename "$(readlink -f "$dev/iommu_group")")
  for member in "$dev"/iommu_group/devices/*; do
    m=${member##*/}
    [[ "$m" != "$pci" ]] || continue
    driver=$(basename "$(readlink -f "$member/driver" 2>/dev/null)" 2>/dev/null || true)
    class=$(cat "$member/class" 2>/dev/null || true)
    [[ "$driver" == vfio-pci || "$class" == 0x0604* ]] ||
      check::note_failure "IOMMU group $group of GPU $pci also holds $m (driver ${driver:-none}): it must be bound to vfio-pci too"
  done
  members=("$dev"/iommu_group/devices/*)
  log::info "GPU $pci: IOMMU group $group ($(printf '%s\n' "${members[@]##*/}" | paste -sd, -))"
done
check::finish "${#PCIE_REAL[@]} GPU(s) in assignable IOMMU groups"
