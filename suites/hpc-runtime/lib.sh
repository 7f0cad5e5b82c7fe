#!/usr/bin/env bash
# What every hpc-runtime check starts with: the check helpers, the SLURM and runtime utilities, the
# exported config, and jobs submitted as hpc.runtime.job_user; a target without an hpc.slurm section
# skips. Sourced, never run (the runner picks up check-*.sh).
# shellcheck source=test-infra/utils/check.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../test-infra/utils/check.sh"
# shellcheck source=test-infra/utils/slurm-utils.sh
source "$CC_UTILS/slurm-utils.sh"
# shellcheck source=test-infra/utils/hpc-runtime-utils.sh
source "$CC_UTILS/hpc-runtime-utils.sh"
check::init
slurm::require
runtime::as_job_user
# the job directory now, in the check's own shell: a job started from a $(...) must not make its own
slurm::job_dir
