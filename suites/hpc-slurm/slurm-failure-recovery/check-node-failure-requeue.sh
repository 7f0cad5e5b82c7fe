#!/usr/bin/env bash
# Check: a compute node's slurmd dies during a requeueable job - the node goes DOWN / not responding
# within the configured time, the job is requeued and completes on another node, and the node returns
# to service once slurmd is back. Opt-in (it stops a daemon): hpc.slurm.failure_recovery commands.
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

stop_cmd=${CC_HPC_SLURM_FAILURE_RECOVERY_STOP_COMMAND:-} start_cmd=${CC_HPC_SLURM_FAILURE_RECOVERY_START_COMMAND:-}
[[ -n "$stop_cmd" && -n "$start_cmd" ]] ||
  check::skip "stops a compute node's slurmd; opt in with hpc.slurm.failure_recovery.stop_command and start_command"
slurm::usable_nodes
((${#SLURM_USABLE[@]} >= 2)) || check::skip "needs two usable nodes to requeue onto; the partition has ${#SLURM_USABLE[@]}"
# two nodes free of the users' jobs (or in the reservation): one to lose, one to requeue onto
slurm_capacity::admit_job -N 2
down_s=${CC_HPC_SLURM_FAILURE_RECOVERY_NODE_DOWN_S%.*} requeue_s=${CC_HPC_SLURM_FAILURE_RECOVERY_REQUEUE_S%.*}
return_s=${CC_HPC_SLURM_FAILURE_RECOVERY_RETURN_S%.*}

# The job runs until the check lets it finish: a requeued run starts again and waits for the same file.
# shellcheck disable=SC2016 # expanded by the job's shell
slurm::submit survivor 'echo "start on $SLURMD_NODENAME restart ${SLURM_RESTART_COUNT:-0}"
for _ in $(seq 1200); do [ -e release ] && break; sleep 0.1; done
echo "done on $SLURMD_NODENAME"' --requeue -N1 -n1 --open-mode=append
id=$SLURM_JOB
state=$(slurm::wait_state "$id" RUNNING "$SLURM_TIMEOUT") || check::fail "job $id never ran: $state"
victim=$(slurm::job_field "$id" NodeList)
log::info "job $id runs on $victim; stopping its slurmd: ${stop_cmd//\{node\}/$victim}"

# shellcheck disable=SC2317 # the exit trap
restore() { slurm::node_command "$start_cmd" "$victim" >/dev/null 2>&1 || true; }
util::trap_add restore EXIT
start=$(util::now)
slurm::node_command "$stop_cmd" "$victim" || check::error "the stop command failed: ${stop_cmd//\{node\}/$victim}"

state=$(slurm::wait_node "$victim" '.*\*|down.*' "$down_s") ||
  check::fail "$victim is still '$state' ${down_s}s after its slurmd stopped (hpc.slurm.failure_recovery.node_down_s)"
down_state=$state
check::metric node_marked_down "$(util::elapsed "$start")" s "<=" "$down_s" || true
log::info "$victim is $down_state"

# requeued: the job runs again on another node; SECOND = that node, from the same read of the job (a
# second scontrol call can come back empty while the controller handles the lost node).
# shellcheck disable=SC2317 # called through util::wait_for
requeued() {
  local line
  line=$(scontrol -o show job "$id" 2>/dev/null) || return 1
  [[ "$(slurm::record_field "$line" JobState)" == RUNNING ]] || return 1
  SECOND_NODE=$(slurm::record_field "$line" NodeList)
  [[ -n "$SECOND_NODE" && "$SECOND_NODE" != "$victim" && "$(slurm::record_field "$line" Restarts)" -ge 1 ]]
}
SECOND_NODE=""
if ! util::wait_for "$requeue_s" "job $id to run again on another node" requeued; then
  line=$(scontrol -o show job "$id" 2>/dev/null || true)
  jstate=$(slurm::record_field "$line" JobState) restarts=$(slurm::record_field "$line" Restarts)
  reason=$(slurm::record_field "$line" Reason)
  # requeued, and waiting for a node behind the users' jobs: the requeue worked; a busy cluster is not a fault
  if [[ "$jstate" == PENDING && "${restarts:-0}" -ge 1 && "$reason" =~ ^(Priority|Resources)$ ]]; then
    ahead=$(squeue -h -p "$CC_HPC_SLURM_PARTITION" -t PD --sort=-p,i -o '%i (%u, %D node(s), %r)' 2>/dev/null | grep -v "^$id " | head -n 5 | paste -sd ';' -)
    check::skip "busy: job $id was requeued (restarts $restarts) and waits to run again: PENDING, reason $reason${ahead:+; pending ahead: $ahead}"
  fi
  check::fail "job $id was not requeued onto another node within ${requeue_s}s: ${jstate:-gone} on $(slurm::record_field "$line" NodeList), restarts ${restarts:-?}, reason ${reason:-?}"
fi
second=$SECOND_NODE
check::metric requeued_and_running "$(util::elapsed "$start")" s "<=" "$requeue_s" || true
: >"$SLURM_JOB_DIR/release"
state=$(slurm::wait_state "$id" 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL' "$SLURM_TIMEOUT") || true
check::expect_eq "job $id state after the requeue" "$state" COMPLETED
check::expect "job $id finished on $second (output: $(tr '\n' ';' <"$SLURM_JOB_DIR/survivor.out"))" grep -qx "done on $second" "$SLURM_JOB_DIR/survivor.out"
cp "$SLURM_JOB_DIR/survivor.out" "$CC_ARTIFACT_DIR/" 2>/dev/null || true

log::info "starting slurmd on $victim again: ${start_cmd//\{node\}/$victim}"
back=$(util::now)
slurm::node_command "$start_cmd" "$victim" || check::error "the start command failed: ${start_cmd//\{node\}/$victim}"
state=$(slurm::wait_node "$victim" 'idle|mixed|allocated' "$return_s") ||
  check::fail "$victim did not return to service within ${return_s}s of slurmd's start: still '$state'"
check::metric node_returned "$(util::elapsed "$back")" s "<=" "$return_s" || true
check::finish "$victim went $down_state after its slurmd stopped; job $id was requeued and completed on $second; $victim is $state again"
