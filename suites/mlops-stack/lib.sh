#!/usr/bin/env bash
# What every mlops-stack check starts with: the check helpers, the MLOps utilities and the exported
# config; a target without an mlops section skips. Sourced, never run (the runner picks up check-*.sh).
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/mlops-target.sh
source "$CC_CHECKS/mlops-target.sh"
check::init
mlops_target::require
