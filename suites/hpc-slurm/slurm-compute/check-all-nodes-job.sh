#!/usr/bin/env bash
# Check: one job runs on every node of the partition at once, one task per node, each on its own node
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

slurm::job_nodes
nodes=("${SLURM_USABLE[@]}")
n=${#nodes[@]}
for node in "${SLURM_FAULT[@]}"; do check::note_failure "node $node takes no jobs"; done
start=$(util::now)
# shellcheck disable=SC2016 # expanded by the job's shell
slurm::srun -N "$n" -w "$(slurm::join "${nodes[@]}")" --ntasks-per-node=1 bash -c 'echo "task $SLURM_PROCID node $SLURMD_NODENAME host $(hostname)"'
elapsed=$(util::elapsed "$start")
if ((SRUN_RC != 0)); then
  ((${#CHECK_FAILURES[@]})) || slurm::skip_when_busy "a job over all $n nodes"
  check::note_failure "a job over all $n nodes that take jobs failed (exit $SRUN_RC): $(tail -n 1 <<<"$SRUN_OUTPUT")"
  check::finish ""
fi
for node in "${nodes[@]}"; do
  c=$(grep -c " node $node host " <<<"$SRUN_OUTPUT" || true)
  ((c == 1)) || check::note_failure "node $node ran $c task(s) of the job, expected 1"
done
check::expect_eq "tasks reported" "$(grep -c '^task ' <<<"$SRUN_OUTPUT" || true)" "$n"
check::metric all_nodes_job "$elapsed" s
check::finish "one job ran a task on each of the $n nodes at once in ${elapsed}s$(slurm::out_note "not checked")"
