#!/usr/bin/env bash
# What every cloud-vm-lifecycle check starts with: the check helpers, the cluster CLI and GPU
# utilities, and the exported config. Sourced, never run (the runner only picks up check-*.sh).
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/cloud-cli.sh
source "$CC_CHECKS/cloud-cli.sh"
# shellcheck source=test-infra/checks/gpu.sh
source "$CC_CHECKS/gpu.sh"
check::init
