#!/usr/bin/env bash
# PCIe passthrough framework: the host side of GPU assignment (IOMMU group, vfio-pci, the <hostdev> in
# the VM's domain, the state file's owner) and the guest side (NVIDIA driver, /dev/nvidia*, NVML with
# the expected model and memory). pcie_passthrough.mode host runs the guest-side checks on this host.
set -euo pipefail
# shellcheck source=test-infra/lib/framework.sh
source "$(dirname "${BASH_SOURCE[0]}")/../test-infra/lib/framework.sh"
# shellcheck source=test-infra/lib/cloud-cluster.sh
source "$CC_LIB/cloud-cluster.sh"

FRAMEWORK_NAME=pcie-passthrough
FRAMEWORK_SUITES=(pcie-passthrough)
FRAMEWORK_STACK_COMPONENTS=(libvirt)

framework::hook_start_cluster() { [[ "$CC_PCIE_PASSTHROUGH_MODE" == host ]] || cloud_cluster::start; }
framework::hook_stop_cluster() { [[ "$CC_PCIE_PASSTHROUGH_MODE" == host ]] || cloud_cluster::stop; }
framework::hook_status() {
  if [[ "$CC_PCIE_PASSTHROUGH_MODE" == host ]]; then
    clustercheck gpu inventory || true
  else
    cloud_cli::status
  fi
}

framework::main "$@"
