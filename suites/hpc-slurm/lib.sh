#!/usr/bin/env bash
# What every hpc-slurm check starts with: the check helpers, the SLURM utilities and the exported config;
# a target without an hpc.slurm section skips. Sourced, never run (the runner picks up check-*.sh).
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/slurm.sh
source "$CC_CHECKS/slurm.sh"
check::init
slurm::require
