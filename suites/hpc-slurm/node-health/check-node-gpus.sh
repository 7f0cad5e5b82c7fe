#!/usr/bin/env bash
# Check: every compute node hands a job all its GRES GPUs - SLURM_GPUS_ON_NODE and CUDA_VISIBLE_DEVICES
# name as many devices as the config expects (and nvidia-smi sees them, where it is installed)
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gpus=$CC_HPC_SLURM_GPUS_PER_NODE
((gpus > 0)) || check::skip "no GRES GPUs configured (hpc.slurm.gpus_per_node is 0)"
# shellcheck disable=SC2016 # expanded on the node
node_health::gather gpus 'smi=-
command -v nvidia-smi >/dev/null && smi=$(nvidia-smi -L 2>/dev/null | grep -c "^GPU" || true)
echo "on_node=${SLURM_GPUS_ON_NODE:-0} visible=${CUDA_VISIBLE_DEVICES:-} nvidia_smi=$smi"' --gres="gpu:$gpus"
# shellcheck disable=SC2317 # called through node_health::each
judge() {
  local node=$1 value=$2 on visible smi n=0
  on=$(sed -n 's/.*on_node=\([^ ]*\).*/\1/p' <<<"$value")
  visible=$(sed -n 's/.*visible=\([^ ]*\).*/\1/p' <<<"$value")
  smi=$(sed -n 's/.*nvidia_smi=\([^ ]*\).*/\1/p' <<<"$value")
  [[ -z "$visible" ]] || n=$(tr ',' '\n' <<<"$visible" | wc -l)
  [[ "$on" == "$gpus" ]] || check::note_failure "$node: SLURM_GPUS_ON_NODE=${on:-unset}, expected $gpus"
  ((n == gpus)) || check::note_failure "$node: $n device(s) in CUDA_VISIBLE_DEVICES ('$visible'), expected $gpus"
  JUDGED=$((JUDGED + 1))
  if [[ "$smi" == - ]]; then
    NO_SMI+=("$node")
  elif ((smi < gpus)); then
    check::note_failure "$node: nvidia-smi lists $smi GPU(s), expected $gpus"
  fi
}
NO_SMI=() JUDGED=0
node_health::each judge
# GRES and the job's environment say nothing about the devices behind them (the local target's are
# device files made with mknod): without nvidia-smi on any node, that half is not checked - a skip.
if ((${#CHECK_FAILURES[@]} == 0 && JUDGED > 0 && ${#NO_SMI[@]} == JUDGED)); then
  check::skip "SLURM hands a job $gpus GRES GPUs on $(slurm::join "${NO_SMI[@]}") (SLURM_GPUS_ON_NODE, CUDA_VISIBLE_DEVICES); the devices themselves not checked: no nvidia-smi on any node"
fi
node_health::finish "all ${#HEALTH_NODES[@]} nodes hand a job $gpus GRES GPUs${NO_SMI:+ (no nvidia-smi, devices not checked: $(slurm::join "${NO_SMI[@]}"))}"
