#!/usr/bin/env bash
# What every cloud-vm-lifecycle check starts with: the check helpers, the cluster CLI and GPU
# utilities, and the exported config. Sourced, never run (the runner only picks up check-*.sh).
# shellcheck source=test-infra/utils/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/utils/check.sh"
# shellcheck source=test-infra/utils/cloud-cli-utils.sh
source "$CC_UTILS/cloud-cli-utils.sh"
# shellcheck source=test-infra/utils/gpu-test-utils.sh
source "$CC_UTILS/gpu-test-utils.sh"
check::init
