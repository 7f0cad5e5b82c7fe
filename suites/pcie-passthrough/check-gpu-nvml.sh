#!/usr/bin/env bash
# Check: NVML (on this host; nvidia-smi in a VM) answers with the expected GPUs: their count, model
# and memory (pcie_passthrough.expected), on the PCI addresses configured; each GPU named by index,
# UUID, model, memory and PCI bus id
set -euo pipefail
# shellcheck source=suites/pcie-passthrough/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pcie::require_targets "the NVML check"
model=${CC_PCIE_PASSTHROUGH_EXPECTED_MODEL:-} mem=${CC_PCIE_PASSTHROUGH_EXPECTED_MEMORY_MIB:-}
tol=$CC_PCIE_PASSTHROUGH_EXPECTED_MEMORY_TOLERANCE_PCT
summary=()
for t in "${PCIE_TARGETS[@]}"; do
  if [[ "$t" == host ]]; then
    rc=0
    inventory=$(clustercheck gpu inventory 2>"$CC_ARTIFACT_DIR/nvml.err") || rc=$?
    ((rc == 0)) || { check::note_failure "host: $(sed "s/^clustercheck gpu: //" "$CC_ARTIFACT_DIR/nvml.err")"; continue; }
  else
    inventory=$(cloud_cli::ssh "$t" nvidia-smi --query-gpu=index,name,memory.total,pci.bus_id,driver_version,uuid \
      --format=csv,noheader,nounits 2>&1 | sed 's/, /\t/g') || { check::note_failure "$t: nvidia-smi failed: $(tail -n 1 <<<"$inventory")"; continue; }
  fi
  printf '%s\n' "$inventory" >>"$CC_ARTIFACT_DIR/inventory.tsv"
  count=$(grep -c . <<<"$inventory" || true)
  want=${CC_PCIE_PASSTHROUGH_EXPECTED_COUNT:-}
  [[ -z "$want" ]] || ((count == want)) || check::note_failure "$t: NVML sees $count GPU(s), expected $want"
  ((count > 0)) || check::note_failure "$t: NVML sees no GPU"
  while IFS=$'\t' read -r index name total bus driver uuid; do
    [[ -n "$index" ]] || continue
    log::info "$t: GPU $index $name ${uuid:-(no UUID)}, $total MiB, $bus, driver $driver"
    summary+=("$name $total MiB")
    [[ -z "$model" || "$name" == *"$model"* ]] || check::note_failure "$t: GPU $index ($bus, ${uuid:-no UUID}) is '$name', expected a '$model'"
    if [[ -n "$mem" ]] && ! awk -v v="$total" -v w="$mem" -v t="$tol" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= w * t / 100) }'; then
      check::note_failure "$t: GPU $index ($bus) has $total MiB, expected $mem MiB (within $tol %)"
    fi
    if [[ "$t" == host && "$CC_PCIE_PASSTHROUGH_MODE" == host ]] && ((${CC_PCIE_PASSTHROUGH_DEVICES_COUNT:-0})); then
      short=${bus#0000}
      printf '%s\n' "${PCIE_REAL[@]}" | grep -qi -- "${short:(-12)}" ||
        check::note_failure "host: GPU $index at $bus is not one of pcie_passthrough.devices (${PCIE_REAL[*]})"
    fi
  done <<<"$inventory"
done
check::finish "NVML answers on ${PCIE_TARGETS[*]}: $(printf '%s\n' "${summary[@]}" | sort | uniq -c | awk '{ $1 = $1 "x"; print }' | paste -sd, -)"
