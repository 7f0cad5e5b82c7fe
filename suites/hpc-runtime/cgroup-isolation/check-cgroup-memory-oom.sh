#!/usr/bin/env bash
# Check: a job that allocates more than its --mem is killed by the cgroup OOM handler and ends as
# OUT_OF_MEMORY; the same job within its limit completes
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

limit=$CC_HPC_RUNTIME_CGROUP_OOM_LIMIT_MIB alloc=$CC_HPC_RUNTIME_CGROUP_OOM_ALLOC_MIB
py=$CC_HPC_SLURM_MPI_PYTHON
# Touch every page: an allocation never written would not count against the limit.
prog="import time; b = bytearray($alloc * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.5); print('allocated $alloc MiB')"
slurm::submit oom "$py -c \"$prog\"" -N1 -n1 --mem="${limit}M" --no-requeue
job=$SLURM_JOB
state=$(slurm::wait_state "$job" 'COMPLETED|FAILED|OUT_OF_MEMORY|CANCELLED|TIMEOUT|NODE_FAIL' "$SLURM_TIMEOUT") ||
  check::fail "job $job did not end within ${SLURM_TIMEOUT}s: $state"
out=$(cat "$SLURM_JOB_DIR/oom.out" 2>/dev/null || true)
if [[ "$state" != OUT_OF_MEMORY ]]; then
  grep -q "allocated $alloc MiB" <<<"$out" &&
    check::note_failure "job $job allocated $alloc MiB under --mem=${limit}M and ended $state: memory is not constrained (ConstrainRAMSpace)"
  [[ ${#CHECK_FAILURES[@]} -gt 0 ]] || check::note_failure "job $job ($alloc MiB under --mem=${limit}M) ended $state, not OUT_OF_MEMORY"
fi
# The limit, not the program, killed it: within the limit the same program completes.
small=$((limit / 5))
slurm::srun -N1 -n1 --mem="$((limit * 2))M" "$py" -c "b = bytearray($small * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); print('ok')"
[[ "$SRUN_RC" == 0 && "$SRUN_OUTPUT" == *ok* ]] ||
  check::note_failure "a job using $small MiB under --mem=$((limit * 2))M failed: $(slurm::step_failure)"
check::finish "job $job ($alloc MiB under --mem=${limit}M) was killed by the cgroup OOM handler: $state"
