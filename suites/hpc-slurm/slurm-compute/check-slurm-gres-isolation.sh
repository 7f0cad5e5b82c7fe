#!/usr/bin/env bash
# Check: concurrent jobs get disjoint GPUs, and a job finding every GPU taken waits for Resources
# depends: check-slurm-gres-allocation
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

slurm::gres_node
gpus=$CC_HPC_SLURM_GPUS_PER_NODE node=$SLURM_GRES_NODE
slurm::job_dir
dir=$SLURM_JOB_DIR
# Each holder reports its devices, then holds its GPU until the check removes its go-file. With devices
# fenced by cgroups every job sees its own GPU as CUDA device 0; SLURM_JOB_GPUS names the node's index.
# shellcheck disable=SC2016 # expanded by the job's shell
body='echo "cuda=${CUDA_VISIBLE_DEVICES:-} gpus=${SLURM_JOB_GPUS:-} job=$SLURM_JOB_ID"
for _ in $(seq 600); do [ -e hold ] || exit 0; sleep 0.1; done'
: >"$dir/hold"

ids=()
for ((i = 0; i < gpus; i++)); do
  slurm::submit "holder$i" "$body" -w "$node" -N1 -n1 --gres=gpu:1
  ids+=("$SLURM_JOB")
done
for id in "${ids[@]}"; do
  state=$(slurm::wait_state "$id" RUNNING "$SLURM_TIMEOUT") || check::fail "GPU job $id never ran: $state"
done
for ((i = 0; i < gpus; i++)); do
  util::wait_for 10 "output of job ${ids[i]}" grep -q '^cuda=' "$dir/holder$i.out" || true
done

slurm::submit extra 'echo ran' -w "$node" -N1 -n1 --gres=gpu:1
extra=$SLURM_JOB
# The scheduler gives a waiting job its reason on its next pass.
for _ in $(seq 50); do
  [[ "$(slurm::job_field "$extra" Reason)" == None ]] || break
  sleep 0.3
done
check::expect_eq "job $extra (one GPU more than the node has free) state" "$(slurm::job_field "$extra" JobState)" PENDING
# Resources: its GPUs are taken; Priority: on a busy cluster a job of higher priority waits ahead of it
reason=$(slurm::job_field "$extra" Reason)
check::expect "job $extra waits for Resources (or Priority, behind another job), got '$reason'" grep -qxE 'Resources|Priority' <<<"$reason"

declare -A owner=()
for ((i = 0; i < gpus; i++)); do
  cuda=$(sed -n 's/^cuda=\([^ ]*\) .*/\1/p' "$dir/holder$i.out" 2>/dev/null | head -n 1)
  held=$(sed -n 's/.* gpus=\([^ ]*\) .*/\1/p' "$dir/holder$i.out" 2>/dev/null | head -n 1)
  if [[ -z "$cuda" ]]; then
    check::note_failure "job ${ids[i]} was given no device (CUDA_VISIBLE_DEVICES unset: GRES without device files)"
    continue
  fi
  [[ -n "$held" ]] || check::note_failure "job ${ids[i]} got CUDA device '$cuda' but SLURM_JOB_GPUS names no GPU of $node"
  for dev in ${held//,/ }; do
    if [[ -n "${owner[$dev]:-}" ]]; then
      check::note_failure "GPU $dev of $node given to both job ${owner[$dev]} and job ${ids[i]}"
    fi
    owner[$dev]=${ids[i]}
  done
  log::info "job ${ids[i]}: GPU(s) $held of $node (CUDA_VISIBLE_DEVICES=$cuda)"
done

rm -f "$dir/hold"
state=$(slurm::wait_state "$extra" 'COMPLETED|FAILED|CANCELLED' "$SLURM_TIMEOUT") ||
  check::note_failure "job $extra did not run after the GPUs were freed: $state"
check::finish "$gpus concurrent jobs got disjoint GPUs; job $gpus+1 waited for Resources and ran once they were free"
