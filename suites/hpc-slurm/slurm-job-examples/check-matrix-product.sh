#!/usr/bin/env bash
# Check: a matrix product computed by MPI across nodes (rows split over the ranks) as a batch job has the
# checksum known in advance, and writes it to its output file
# depends: check-slurm-pmix
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

n=$CC_HPC_SLURM_EXAMPLES_MATRIX_SIZE
nodes=$CC_HPC_SLURM_NODES
((nodes <= 4)) || nodes=4
# The known answer, computed another way: sum(A x B) = sum over k of (column k of A) x (row k of B).
expected=$(awk -v n="$n" 'BEGIN { s = 0; for (k = 0; k < n; k++) { a = 0; b = 0
  for (i = 0; i < n; i++) { a += (i + k) % 7; b += (k * i) % 5 } s += a * b } printf "%d", s }')
slurm::program mpi_matmul.py
prog=$SLURM_PROGRAM
slurm::submit matmul "srun -K --mpi=$CC_HPC_SLURM_MPI $(printf '%q ' "$CC_HPC_SLURM_MPI_PYTHON" "$prog" "$n")" -N "$nodes" --ntasks-per-node=2
id=$SLURM_JOB
if ! state=$(slurm::wait_state "$id" 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY' "$SLURM_TIMEOUT"); then
  slurm::skip_when_busy "job $id ($state)"
  check::fail "job $id did not finish within ${SLURM_TIMEOUT}s: $state"
fi
out=$SLURM_JOB_DIR/matmul.out
cp "$out" "$CC_ARTIFACT_DIR/" 2>/dev/null || true
check::expect_eq "job $id state" "$state" COMPLETED
line=$(grep '^rows ' "$out" 2>/dev/null || true)
[[ -n "$line" ]] || check::fail "job $id wrote no result to $out: $(tail -n 1 "$out" 2>/dev/null)"
read -r _ rows _ checksum _ ranks <<<"$line"
check::expect_eq "rows of C gathered" "$rows" "$n"
check::expect_eq "ranks" "$ranks" $((nodes * 2))
check::expect_eq "checksum of the ${n}x$n product" "$checksum" "$expected"
check::finish "job $id: the ${n}x$n product by $ranks ranks has checksum $checksum, as known"
