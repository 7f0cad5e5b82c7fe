#!/usr/bin/env bash
# Check: every failing job leaves a structured diagnosis in the debug directory (job id, nodes, exit
# code or signal, OOM or not, its last output lines, node state), and each common cause named in
# hpc.runtime.job_scripts.causes is recognised: a non-zero exit, OOM, a timeout (SLURM limits come
# in minutes: this one takes a minute or more), a node failure (needs hpc.slurm.failure_recovery)
set -euo pipefail
# shellcheck source=suites/hpc-runtime/job-scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

causes=()
for ((i = 0; i < ${CC_HPC_RUNTIME_JOB_SCRIPTS_CAUSES_COUNT:-0}; i++)); do
  c=CC_HPC_RUNTIME_JOB_SCRIPTS_CAUSES_$i
  causes+=("${!c}")
done
((${#causes[@]})) || check::skip "no failure causes to test (hpc.runtime.job_scripts.causes is empty)"
py=$CC_HPC_SLURM_MPI_PYTHON
slurm::usable_nodes
((${#SLURM_USABLE[@]})) || check::error "no usable node in partition $CC_HPC_SLURM_PARTITION"
first=${SLURM_USABLE[0]} last=${SLURM_USABLE[${#SLURM_USABLE[@]} - 1]}
declare -A job_of=()
for cause in "${causes[@]}"; do
  case $cause in
    timeout) slurm::submit timeout 'echo marker-timeout; sleep 600' -N1 -n1 -w "$first" --time=1 --no-requeue ;;
    # on the first node with the timeout job: the last one may be failed below
    exit) slurm::submit exit 'echo marker-exit; exit 3' -N1 -n1 -w "$first" --no-requeue ;;
    oom)
      slurm::submit oom "echo marker-oom; $py -c \"b = bytearray(200 << 20); b[::4096] = b'x' * len(b[::4096])\"" \
        -N1 -n1 -w "$first" --mem=50M --no-requeue ;;
    node_failure)
      [[ -n "${CC_HPC_SLURM_FAILURE_RECOVERY_STOP_COMMAND:-}" && -n "${CC_HPC_SLURM_FAILURE_RECOVERY_START_COMMAND:-}" ]] ||
        check::error "cause node_failure needs hpc.slurm.failure_recovery.stop_command and start_command"
      ((${#SLURM_USABLE[@]} >= 2)) || check::error "cause node_failure needs 2 usable nodes (the timeout job holds one)"
      slurm::submit node_failure 'echo marker-node_failure; sleep 600' -N1 -n1 -w "$last" --no-requeue ;;
  esac
  job_of[$cause]=$SLURM_JOB
done

if [[ -n "${job_of[node_failure]:-}" ]]; then
  id=${job_of[node_failure]}
  state=$(slurm::wait_state "$id" RUNNING "$SLURM_TIMEOUT") || check::fail "job $id (for the node failure) never ran: $state"
  util::wait_for 10 "output of job $id" grep -q marker "$SLURM_JOB_DIR/node_failure.out" || true
  log::info "failing node $last under job $id"
  slurm::node_command "$CC_HPC_SLURM_FAILURE_RECOVERY_STOP_COMMAND" "$last" || check::error "could not stop node $last"
  # the node comes back whatever happens next
  util::trap_add "slurm::node_command '$CC_HPC_SLURM_FAILURE_RECOVERY_START_COMMAND' '$last' >/dev/null 2>&1 || true" EXIT
  state=$(slurm::wait_state "$id" 'NODE_FAIL|FAILED|CANCELLED|COMPLETED' "${CC_HPC_SLURM_FAILURE_RECOVERY_NODE_DOWN_S%.*}") ||
    check::note_failure "job $id did not end after its node $last failed: $state"
  slurm::node_command "$CC_HPC_SLURM_FAILURE_RECOVERY_START_COMMAND" "$last" || check::note_failure "could not start node $last again"
fi

debug=$CC_HPC_RUNTIME_JOB_SCRIPTS_DEBUG_DIR
wait_s=${CC_HPC_RUNTIME_JOB_SCRIPTS_RECORD_WAIT_S%.*}
seen=()
for cause in "${causes[@]}"; do
  id=${job_of[$cause]}
  limit=$SLURM_TIMEOUT
  [[ "$cause" != timeout ]] || limit=$((SLURM_TIMEOUT + 120))
  state=$(slurm::wait_state "$id" 'COMPLETED|FAILED|OUT_OF_MEMORY|TIMEOUT|NODE_FAIL|CANCELLED' "$limit") ||
    { check::note_failure "job $id ($cause) did not end within ${limit}s: $state"; continue; }
  file=$debug/$id.json
  if ! jobscripts::wait_file "$file" "$wait_s"; then
    check::note_failure "job $id ($cause, ended $state) left no diagnosis in $debug"
    continue
  fi
  cp "$file" "$CC_ARTIFACT_DIR/diagnosis-$cause.json"
  got=$(jobscripts::field "$file" cause)
  log::info "job $id ($cause): state $(jobscripts::field "$file" state), cause $got, exit $(jobscripts::field "$file" exit_code):$(jobscripts::field "$file" signal), oom $(jobscripts::field "$file" oom), nodes $(jobscripts::field "$file" nodes)"
  [[ "$got" == "$cause" ]] || { check::note_failure "job $id failed by $cause, but its diagnosis says '$got'"; continue; }
  [[ "$(jobscripts::field "$file" job_id)" == "$id" ]] || check::note_failure "diagnosis $file names job $(jobscripts::field "$file" job_id), not $id"
  [[ -n "$(jobscripts::field "$file" nodes)" ]] || check::note_failure "diagnosis of job $id names no node"
  [[ "$(jobscripts::field "$file" node_states)" == *state* ]] || check::note_failure "diagnosis of job $id has no node state"
  case $cause in
    exit) [[ "$(jobscripts::field "$file" exit_code)" == 3 ]] || check::note_failure "diagnosis of job $id: exit code $(jobscripts::field "$file" exit_code), the job exited 3" ;;
    oom) [[ "$(jobscripts::field "$file" oom)" == true ]] || check::note_failure "diagnosis of job $id does not say OOM" ;;
  esac
  [[ "$cause" == node_failure ]] || jobscripts::field "$file" output_tail | grep -q "marker-$cause" ||
    check::note_failure "diagnosis of job $id lacks the job's last output lines (marker-$cause)"
  seen+=("$cause")
done
if [[ -n "${job_of[node_failure]:-}" ]]; then
  slurm::wait_node "$last" 'idle|mixed|allocated' "${CC_HPC_SLURM_FAILURE_RECOVERY_RETURN_S%.*}" >/dev/null ||
    check::note_failure "node $last did not return to service after the node-failure test"
fi
check::finish "each failing job left a diagnosis with its cause recognised: ${seen[*]}"
