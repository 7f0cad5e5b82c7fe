#!/usr/bin/env bash
# What every inference-validation check starts with: check helpers, inference utilities, the config;
# a target without an inference endpoint skips. Sourced, never run.
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/inference.sh
source "$CC_CHECKS/inference.sh"
check::init
inference::require
