#!/usr/bin/env bash
# Check: GRES GPUs are allocatable - a job asking for N GPUs gets exactly N devices, and more than a node has is refused
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

slurm::gres_node
gpus=$CC_HPC_SLURM_GPUS_PER_NODE node=$SLURM_GRES_NODE
log::info "node $node advertises $(sinfo -h -N -n "$node" -o '%G' | head -n 1)"

for ((n = 1; n <= gpus; n++)); do
  # shellcheck disable=SC2016 # expanded by the job's shell
  slurm::srun -w "$node" -N1 -n1 --gres="gpu:$n" bash -c 'echo "gpus=${SLURM_GPUS_ON_NODE:-} cuda=${CUDA_VISIBLE_DEVICES:-}"'
  if ((SRUN_RC != 0)); then
    check::note_failure "a job asking for gpu:$n on $node was refused: $(tail -n 1 <<<"$SRUN_OUTPUT")"
    continue
  fi
  line=$(grep '^gpus=' <<<"$SRUN_OUTPUT" | head -n 1)
  cuda=${line#*cuda=}
  on_node=${line#gpus=}
  check::expect_eq "gpu:$n SLURM_GPUS_ON_NODE" "${on_node%% *}" "$n"
  devices=0
  [[ -z "$cuda" ]] || devices=$(tr ',' '\n' <<<"$cuda" | wc -l)
  check::expect_eq "gpu:$n devices in CUDA_VISIBLE_DEVICES ('$cuda')" "$devices" "$n"
done

slurm::srun -w "$node" -N1 -n1 --gres="gpu:$((gpus + 1))" true
if ((SRUN_RC == 0)); then
  check::note_failure "a job asking for gpu:$((gpus + 1)) ran on a node with $gpus"
else
  log::ok "gpu:$((gpus + 1)) refused: $(tail -n 1 <<<"$SRUN_OUTPUT")"
fi
check::finish "gpu:1..gpu:$gpus allocated with as many devices each; gpu:$((gpus + 1)) refused"
