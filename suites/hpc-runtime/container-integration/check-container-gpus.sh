#!/usr/bin/env bash
# Check: a container in a one-GPU job sees the job's CUDA_VISIBLE_DEVICES and can open that GPU's
# device file and no other of the node's (the job's devices cgroup holds inside the container)
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

((CC_HPC_SLURM_GPUS_PER_NODE > 0)) || check::skip "no GRES GPUs configured (hpc.slurm.gpus_per_node is 0)"
runtime::use_cluster_image
# Outside: what SLURM gave the job; inside: what the container sees and may open.
# shellcheck disable=SC2016 # expanded in the job and in the container
inside='echo "inside cuda=${CUDA_VISIBLE_DEVICES:-}"
for f in "$CC_CTR_GPU_DIR"/*; do
  if err=$(cat "$f" 2>&1 </dev/null); then v=open; else case $err in *"not permitted"*) v=denied ;; *) v=allowed ;; esac; fi
  echo "device ${f##*/} $v"
done'
# shellcheck disable=SC2016
slurm::srun -N1 -n1 --gres=gpu:1 sh -c 'echo "outside cuda=${CUDA_VISIBLE_DEVICES:-} gpus=${SLURM_STEP_GPUS:-${SLURM_JOB_GPUS:-}}"; exec "$0" --gpus -- sh -c "$1"' \
  "$CONTAINER_RUN" "$inside"
[[ "$SRUN_RC" == 0 ]] || check::fail "a container in a one-GPU job failed: $(grep -m1 'container-run:' <<<"$SRUN_OUTPUT" || slurm::step_failure)"
outside=$(sed -n 's/^outside cuda=\([^ ]*\) .*/\1/p' <<<"$SRUN_OUTPUT")
gpus=$(sed -n 's/^outside .* gpus=\(.*\)$/\1/p' <<<"$SRUN_OUTPUT")
cuda=$(sed -n 's/^inside cuda=//p' <<<"$SRUN_OUTPUT")
[[ -n "$outside" ]] || check::note_failure "SLURM set no CUDA_VISIBLE_DEVICES for the one-GPU job"
check::expect_eq "CUDA_VISIBLE_DEVICES inside the container" "$cuda" "$outside"
opened=$(awk '$1 == "device" && $3 != "denied" { print $2 }' <<<"$SRUN_OUTPUT" | paste -sd, -)
total=$(awk '$1 == "device"' <<<"$SRUN_OUTPUT" | wc -l)
((total > 0)) || check::fail "the container saw no GPU device file (hpc.runtime.gpu_device_dir/regex)"
log::info "job GPU(s) $gpus; the container can open: ${opened:-none} of $total"
[[ "${opened//[!0-9,]/}" == "$gpus" ]] ||
  check::note_failure "the container can open GPU device(s) '${opened:-none}', but the job holds GPU $gpus"
check::finish "the container sees CUDA_VISIBLE_DEVICES=$cuda and opens only the job's GPU ($opened of $total)"
