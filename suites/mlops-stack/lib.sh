#!/usr/bin/env bash
# What every mlops-stack check starts with: the check helpers, the MLOps utilities and the exported
# config; a target without an mlops section skips. Sourced, never run (the runner picks up check-*.sh).
# shellcheck source=test-infra/utils/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/utils/check.sh"
# shellcheck source=test-infra/utils/mlops-test-utils.sh
source "$CC_UTILS/mlops-test-utils.sh"
check::init
mlops::require
