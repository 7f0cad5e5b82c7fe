#!/usr/bin/env bash
# What every hpc-runtime check starts with: the check helpers, the SLURM and runtime utilities, the
# exported config, and jobs submitted as hpc.runtime.job_user; a target without an hpc.slurm section
# skips. Sourced, never run (the runner picks up check-*.sh).
# shellcheck source=test-infra/checks/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/checks/check.sh"
# shellcheck source=test-infra/checks/slurm.sh
source "$CC_CHECKS/slurm.sh"
# shellcheck source=test-infra/checks/runtime.sh
source "$CC_CHECKS/runtime.sh"
check::init
slurm::require
runtime::as_job_user
# the job directory now, in the check's own shell: a job started from a $(...) must not make its own
slurm::job_dir
