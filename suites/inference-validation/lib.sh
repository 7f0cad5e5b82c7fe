#!/usr/bin/env bash
# What every inference-validation check starts with: check helpers, inference utilities, the config;
# a target without an inference endpoint skips. Sourced, never run.
# shellcheck source=test-infra/utils/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/utils/check.sh"
# shellcheck source=test-infra/utils/inference-test-utils.sh
source "$CC_UTILS/inference-test-utils.sh"
check::init
inference::require
