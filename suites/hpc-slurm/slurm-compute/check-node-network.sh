#!/usr/bin/env bash
# Check: tasks on different nodes reach each other over TCP - every node connects to every other node
# and exchanges names (a job with one task per node, meeting in the shared work dir)
# depends: check-all-nodes-job
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

slurm::job_nodes
nodes=("${SLURM_USABLE[@]}")
n=${#nodes[@]}
((n >= 2)) || check::skip "needs two nodes that take jobs to connect; partition $CC_HPC_SLURM_PARTITION has $n$( ((${#SLURM_UNUSABLE[@]} == 0)) || printf ' (others: %s)' "$(slurm::listing "${SLURM_UNUSABLE[@]}")")"
slurm::program tcp_mesh.py
prog=$SLURM_PROGRAM
meet=$SLURM_JOB_DIR/meet
mkdir -p "$meet"
for node in "${nodes[@]}"; do
  printf '%s %s\n' "$node" "$(slurm::node_field "$node" NodeAddr)"
done >"$meet/nodeaddr"
slurm::srun -N "$n" -w "$(slurm::join "${nodes[@]}")" --ntasks-per-node=1 "$CC_HPC_SLURM_MPI_PYTHON" "$prog" "$meet" "$n" 20
printf '%s\n' "$SRUN_OUTPUT" >"$CC_ARTIFACT_DIR/mesh.txt"
if ((SRUN_RC != 0)); then
  slurm::skip_when_busy "the connectivity job over ${nodes[*]}"
  check::fail "the connectivity job over ${nodes[*]} failed (exit $SRUN_RC): $(slurm::step_failure)"
fi
while read -r _ from to reason; do
  check::note_failure "$from cannot reach $to over TCP: $reason"
done < <(grep '^fail ' <<<"$SRUN_OUTPUT")
for node in "${nodes[@]}"; do
  seen=$(sed -n "s/^peers $node //p" <<<"$SRUN_OUTPUT")
  [[ "$seen" == "$((n - 1))" ]] || check::note_failure "$node found ${seen:-no} of its $((n - 1)) peers in the shared directory"
done
ok=$(grep -c '^ok ' <<<"$SRUN_OUTPUT" || true)
check::metric tcp_pairs_ok "$ok" pairs ">=" $((n * (n - 1))) || true
check::finish "all $((n * (n - 1))) node pairs connected over TCP and exchanged names"
