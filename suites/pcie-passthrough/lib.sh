#!/usr/bin/env bash
# What every pcie-passthrough check starts with: the check helpers, the cluster CLI facts and the PCIe
# utilities. Sourced, never run.
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/cloud-cli.sh
source "$CC_CHECKS/cloud-cli.sh"
# shellcheck source=test-infra/checks/gpu.sh
source "$CC_CHECKS/gpu.sh"
# shellcheck source=test-infra/checks/pcie.sh
source "$CC_CHECKS/pcie.sh"
# shellcheck source=test-infra/checks/gpunode.sh
source "$CC_CHECKS/gpunode.sh"
check::init
