#!/usr/bin/env bash
# Check: hello world on all nodes - a batch job with one task per node writes one greeting per node
# into its output file
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

slurm::job_nodes
nodes=("${SLURM_USABLE[@]}")
n=${#nodes[@]}
# shellcheck disable=SC2016 # expanded by the job's shell
slurm::submit hello 'srun bash -c "echo Hello world from task \$SLURM_PROCID on \$SLURMD_NODENAME"' -N "$n" -w "$(slurm::join "${nodes[@]}")" --ntasks-per-node=1
id=$SLURM_JOB
if ! state=$(slurm::wait_state "$id" 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL' "$SLURM_TIMEOUT"); then
  slurm::skip_when_busy "job $id over ${nodes[*]} ($state)"
  check::fail "job $id did not finish within ${SLURM_TIMEOUT}s: $state"
fi
check::expect_eq "job $id state" "$state" COMPLETED
out=$SLURM_JOB_DIR/hello.out
cp "$out" "$CC_ARTIFACT_DIR/" 2>/dev/null || check::fail "job $id wrote no output file ($out)"
for node in "${nodes[@]}"; do
  c=$(grep -c "^Hello world from task [0-9]* on $node$" "$out" || true)
  ((c == 1)) || check::note_failure "$c greeting(s) from $node in $out, expected 1"
done
check::finish "job $id greeted from each of the $n nodes into its output file"
