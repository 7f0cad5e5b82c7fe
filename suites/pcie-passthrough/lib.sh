#!/usr/bin/env bash
# What every pcie-passthrough check starts with: the check helpers, the cluster CLI facts and the PCIe
# utilities. Sourced, never run.
# shellcheck source=test-infra/utils/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/utils/check.sh"
# shellcheck source=test-infra/utils/cloud-cli-utils.sh
source "$CC_UTILS/cloud-cli-utils.sh"
# shellcheck source=test-infra/utils/gpu-test-utils.sh
source "$CC_UTILS/gpu-test-utils.sh"
# shellcheck source=test-infra/utils/pcie-utils.sh
source "$CC_UTILS/pcie-utils.sh"
# shellcheck source=test-infra/utils/gpu-node-utils.sh
source "$CC_UTILS/gpu-node-utils.sh"
check::init
