#!/usr/bin/env bash
# Check: the driver's device nodes exist where the GPU is used: /dev/nvidiactl, /dev/nvidia-uvm and one
# /dev/nvidiaN per GPU (pcie_passthrough.expected.count, else one per GPU assigned there)
set -euo pipefail
# shellcheck source=suites/pcie-passthrough/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pcie::require_targets "the device node check"
for t in "${PCIE_TARGETS[@]}"; do
  want=${CC_PCIE_PASSTHROUGH_EXPECTED_COUNT:-}
  [[ -n "$want" ]] || { [[ "$t" == host ]] && want=${#PCIE_REAL[@]} || want=1; }
  nodes=$(pcie::on "$t" 'ls /dev/nvidia* 2>/dev/null' || true)
  for n in /dev/nvidiactl /dev/nvidia-uvm; do
    grep -qx "$n" <<<"$nodes" || check::note_failure "$t: $n is missing"
  done
  count=$(grep -cE '^/dev/nvidia[0-9]+$' <<<"$nodes" || true)
  ((count >= want)) || check::note_failure "$t: $count /dev/nvidiaN device node(s), expected $want"
  log::info "$t: $(paste -sd ' ' <<<"$nodes")"
done
check::finish "device nodes present on ${PCIE_TARGETS[*]}"
