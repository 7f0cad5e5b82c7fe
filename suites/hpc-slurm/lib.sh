#!/usr/bin/env bash
# What every hpc-slurm check starts with: the check helpers, the SLURM utilities and the exported config;
# a target without an hpc.slurm section skips. Sourced, never run (the runner picks up check-*.sh).
# shellcheck source=test-infra/utils/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/utils/check.sh"
# shellcheck source=test-infra/utils/slurm-utils.sh
source "$CC_UTILS/slurm-utils.sh"
check::init
slurm::require
