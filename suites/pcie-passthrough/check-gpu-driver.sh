#!/usr/bin/env bash
# Check: the NVIDIA driver is loaded where the GPU is used (in each VM holding one, or on this host)
# and is at least pcie_passthrough.expected.driver_min
set -euo pipefail
# shellcheck source=suites/pcie-passthrough/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pcie::require_targets "the driver check"
min=${CC_PCIE_PASSTHROUGH_EXPECTED_DRIVER_MIN:-}
for t in "${PCIE_TARGETS[@]}"; do
  # the module's own version file; a container may show the module but hide /proc/driver/nvidia/version
  version=$(pcie::on "$t" 'cat /sys/module/nvidia/version 2>/dev/null ||
    sed -n "s/.*Kernel Module *\([0-9.]*\).*/\1/p" /proc/driver/nvidia/version 2>/dev/null' | head -n 1 || true)
  if [[ -z "$version" ]]; then
    check::note_failure "$t: no NVIDIA driver loaded (no /sys/module/nvidia/version or /proc/driver/nvidia/version)"
    continue
  fi
  log::info "$t: NVIDIA driver $version"
  if [[ -n "$min" ]] && [[ "$(printf '%s\n%s\n' "$min" "$version" | sort -V | head -n 1)" != "$min" ]]; then
    check::note_failure "$t: NVIDIA driver $version is older than $min (pcie_passthrough.expected.driver_min)"
  fi
done
check::finish "NVIDIA driver loaded on ${PCIE_TARGETS[*]}${min:+ (>= $min)}"
