#!/usr/bin/env bash
# PCIe GPU passthrough as the checks see it. pcie_passthrough.mode vms: the GPUs of the platform's
# cluster YAML, assigned to libvirt VMs (the host side: IOMMU group, vfio-pci, <hostdev>; the guest
# side over SSH); mode host: this host's own GPUs, used by its NVIDIA driver (driver, device nodes,
# NVML only). Needs check.sh and cloud-cli.sh loaded.

PCIE_SYS=/sys/bus/pci/devices

# pcie::gpus: "PCI SIMULATED" per GPU, once each: mode vms, the cluster YAML's GPUs (both clusters);
# mode host, pcie_passthrough.devices or every NVIDIA display device on this host's PCI bus.
pcie::gpus() {
  local i prefix count pci sim d
  declare -A seen=()
  if [[ "$CC_PCIE_PASSTHROUGH_MODE" == vms ]]; then
    for prefix in CC_CLOUD_VM_CLUSTER CC_HPC_CLUSTER; do
      count=${prefix}_GPUS_COUNT
      for ((i = 0; i < ${!count:-0}; i++)); do
        pci=${prefix}_GPUS_${i}_PCI sim=${prefix}_GPUS_${i}_SIMULATED
        [[ -z "${seen[${!pci}]:-}" ]] || continue
        seen[${!pci}]=1
        printf '%s %s\n' "${!pci}" "${!sim:-false}"
      done
    done
  elif ((${CC_PCIE_PASSTHROUGH_DEVICES_COUNT:-0})); then
    for ((i = 0; i < CC_PCIE_PASSTHROUGH_DEVICES_COUNT; i++)); do
      pci=CC_PCIE_PASSTHROUGH_DEVICES_$i
      printf '%s false\n' "${!pci}"
    done
  else
    for d in "$PCIE_SYS"/*; do
      [[ -e "$d/vendor" && "$(cat "$d/vendor")" == 0x10de && "$(cat "$d/class")" == 0x03* ]] && printf '%s false\n' "${d##*/}"
    done
  fi
  return 0
}

# pcie::real_gpus: the PCI addresses of pcie::gpus that are not simulated (in PCIE_REAL), and the
# simulated ones (in PCIE_SIMULATED).
pcie::real_gpus() {
  local pci sim
  PCIE_REAL=() PCIE_SIMULATED=()
  while read -r pci sim; do
    if [[ "$sim" == true ]]; then PCIE_SIMULATED+=("$pci"); else PCIE_REAL+=("$pci"); fi
  done < <(pcie::gpus)
}

# pcie::require_vm_host: skip in host mode, where the GPUs serve this host's driver.
pcie::require_vm_host() {
  [[ "$CC_PCIE_PASSTHROUGH_MODE" == vms ]] ||
    check::skip "pcie_passthrough.mode is host: the GPUs serve this host's driver; passthrough applies to a VM host"
}

# pcie::require_real: skip when there is nothing real to look at (no GPU, or all simulated).
pcie::require_real() {
  pcie::real_gpus
  if ((${#PCIE_REAL[@]} == 0)); then
    ((${#PCIE_SIMULATED[@]} == 0)) || check::skip "GPU ${PCIE_SIMULATED[*]} is simulated: $1 needs a real device"
    check::skip "no GPU configured (pcie_passthrough.devices, or the cluster YAML's pcie_passthrough) or found on this host"
  fi
}

# pcie::targets: where the driver-side checks look - "host", or each running VM holding a real GPU, from
# the facts its caller read (cloud_cli::facts).
pcie::targets() {
  local vm pci
  if [[ "$CC_PCIE_PASSTHROUGH_MODE" == host ]]; then
    printf 'host\n'
    return 0
  fi
  for vm in $(cloud_cli::vms gpu); do
    pci=$(cloud_cli::vm_field "$vm" GPU)
    cloud_cli::gpu_simulated "$pci" && continue
    [[ "$(cloud_cli::fact domain "$(cloud_cli::domain_of "$vm")" 3)" == running ]] && printf '%s\n' "$vm"
  done
  return 0
}

# pcie::on TARGET CMD: run the shell command CMD on the host or in the VM.
pcie::on() {
  if [[ "$1" == host ]]; then bash -c "$2"; else cloud_cli::ssh "$1" "$2"; fi
}

# pcie::require_targets WHAT: PCIE_TARGETS, or skip naming why there is none.
pcie::require_targets() {
  pcie::require_real "$1"
  # the facts read here, in the check's own shell: a failed read errors the check (in the process
  # substitution below it would be lost, and the check would skip for want of a target)
  [[ "$CC_PCIE_PASSTHROUGH_MODE" == host ]] || cloud_cli::facts
  mapfile -t PCIE_TARGETS < <(pcie::targets)
  ((${#PCIE_TARGETS[@]})) || check::skip "no VM holding GPU ${PCIE_REAL[*]} is running (start the cluster first)"
}
