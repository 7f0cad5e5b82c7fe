#!/usr/bin/env bash
# Check: scenario 6 - a GPU shared by the clusters has one owner: while an HPC VM holds it a cloud VM asking for it is refused (naming GPU and owner); once the HPC VM stops the cloud VM starts with it
# exclusive: true
set -euo pipefail
# shellcheck source=suites/multi-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scenario::begin_shared_gpu ||
  check::skip "no GPU shared between a cloud VM and a standby HPC VM in this config"
# shellcheck disable=SC2153 # PCI, CLOUD_VM and HPC_VM are set by scenario::begin_shared_gpu (lib.sh)
pci=$PCI cloud_vm=$CLOUD_VM hpc_vm=$HPC_VM

cloud_cli::vm_command stop "$cloud_vm" || check::fail "could not stop $cloud_vm to free GPU $pci"
gpu::released "$pci" || check::fail "GPU $pci not released by $cloud_vm"
cloud_cli::vm_command start "$hpc_vm" || check::fail "HPC VM $hpc_vm could not take the free GPU $pci"
check::expect "$hpc_vm holds GPU $pci" gpu::held_by "$hpc_vm" "$pci"

check::expect "cloud VM $cloud_vm is refused GPU $pci while $hpc_vm holds it" gpu::conflict "$cloud_vm" "$pci" "$hpc_vm"
log::info "refusal: $(cloud_cli::said)"

check::expect "vm stop $hpc_vm" cloud_cli::vm_command stop "$hpc_vm"
check::expect "GPU $pci released by $hpc_vm" gpu::released "$pci"
check::expect "vm start $cloud_vm after the release" cloud_cli::vm_command start "$cloud_vm"
check::expect "$cloud_vm holds GPU $pci again" gpu::held_by "$cloud_vm" "$pci"
check::expect "$cloud_vm answers over SSH" cloud_cli::wait_vm_ready "$cloud_vm"
check::finish "GPU $pci: $hpc_vm held it, $cloud_vm was refused, then got it after the release"
