#!/usr/bin/env bash
# Check: a job given one GPU can open that GPU's device file and no other; a job that asked for no
# GPU can open none (ConstrainDevices)
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

((CC_HPC_SLURM_GPUS_PER_NODE > 0)) || check::skip "no GRES GPUs configured (hpc.slurm.gpus_per_node is 0)"
slurm::program hpc-runtime/programs/device_access.py
prog=$SLURM_PROGRAM
py=$CC_HPC_SLURM_MPI_PYTHON

# access_of JSON: "name=verdict ..." of device_access.py's line
access_of() { "$py" -c 'import json, sys; d = json.loads(sys.argv[1]); print(" ".join(f"{k}={v}" for k, v in d["access"].items()))' "$1"; }

slurm::srun -N1 -n1 --gres=gpu:1 "$py" "$prog" "$CC_HPC_RUNTIME_GPU_DEVICE_DIR" "$CC_HPC_RUNTIME_GPU_DEVICE_REGEX"
[[ "$SRUN_RC" == 0 ]] || check::fail "the one-GPU job failed: $(slurm::step_failure)"
line=$(grep -m1 '^{' <<<"$SRUN_OUTPUT") || check::fail "the one-GPU job printed no result: $SRUN_OUTPUT"
access=$(access_of "$line")
log::info "one-GPU job: $access"
[[ -n "$access" ]] || check::fail "no GPU device file in $CC_HPC_RUNTIME_GPU_DEVICE_DIR matches $CC_HPC_RUNTIME_GPU_DEVICE_REGEX on the node"
opened=$(tr ' ' '\n' <<<"$access" | grep -vc '=denied$' || true)
[[ "$opened" == 1 ]] || check::note_failure "a job given one GPU can open $opened GPU device files ($access), expected 1"

slurm::srun -N1 -n1 "$py" "$prog" "$CC_HPC_RUNTIME_GPU_DEVICE_DIR" "$CC_HPC_RUNTIME_GPU_DEVICE_REGEX"
[[ "$SRUN_RC" == 0 ]] || check::fail "the job without GPUs failed: $(slurm::step_failure)"
line=$(grep -m1 '^{' <<<"$SRUN_OUTPUT") || check::fail "the job without GPUs printed no result: $SRUN_OUTPUT"
none=$(access_of "$line")
log::info "job without GPUs: $none"
visible=$(tr ' ' '\n' <<<"$none" | grep -v '=denied$' | cut -d= -f1 | paste -sd, - || true)
[[ -z "$visible" ]] || check::note_failure "a job that asked for no GPU can open $visible (devices are not constrained)"
check::finish "a one-GPU job opens 1 of $(wc -w <<<"$access") GPU device files; a job without GPUs opens none"
