#!/usr/bin/env bash
# The SLURM cluster as checks see it: client commands against hpc.slurm.conf, jobs in hpc.slurm.work_dir,
# every job a check submits cancelled and its files removed on any exit. Needs check.sh loaded.

# shellcheck source=test-infra/checks/slurm-state.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm-state.sh"
# shellcheck source=test-infra/checks/slurm-capacity.sh
source "$(dirname "${BASH_SOURCE[0]}")/slurm-capacity.sh"

SLURM_JOBS=()
SLURM_JOB_DIR=
# The command prefix that submits jobs as another user (runtime checks: runuser -u JOB_USER --); the
# job directory then belongs to that user.
SLURM_AS=()

# Variables every job the harness builds carries when they are set where the harness runs: NVLink
# multicast stays off on hosts where it hangs collectives (NCCL_NVLS_ENABLE=0 and its kin), whatever the
# site's SLURM_EXPORT_ENV says. Exported: container-run.sh passes the same into its containers.
export CC_JOB_KEEP_ENV="NCCL_NVLS_ENABLE TORCH_SYMM_MEM_DISABLE_MULTICAST NVSHMEM_DISABLE_NVLS"

# slurm::kept_env: VAR=VALUE, a line each, for the CC_JOB_KEEP_ENV variables set here.
slurm::kept_env() {
  local v
  for v in $CC_JOB_KEEP_ENV; do
    [[ -z "${!v+x}" ]] || printf '%s=%s\n' "$v" "${!v}"
  done
}

# slurm::export_opt: the --export option that carries CC_JOB_KEEP_ENV into a job (on top of the site's
# SLURM_EXPORT_ENV, ALL by default); nothing when none of them is set.
slurm::export_opt() {
  local keep=()
  mapfile -t keep < <(slurm::kept_env)
  ((${#keep[@]})) || return 0
  printf -- '--export=%s' "${SLURM_EXPORT_ENV:-ALL}"
  printf ',%s' "${keep[@]}"
  printf '\n'
}

# slurm::require: skip on a target without a SLURM cluster; error when the client tools are missing.
slurm::require() {
  [[ -n "${CC_HPC_SLURM_PARTITION:-}" ]] || check::skip "needs a SLURM cluster; this target configures none (hpc.slurm)"
  [[ -z "${CC_HPC_SLURM_CONF:-}" ]] || export SLURM_CONF=$CC_HPC_SLURM_CONF
  local t
  for t in sinfo squeue scontrol srun sbatch scancel; do
    command -v "$t" >/dev/null || check::error "SLURM client '$t' is not installed on this host (Debian: slurm-client)"
  done
  SLURM_TIMEOUT=${CC_HPC_SLURM_JOB_TIMEOUT_S%.*}
  # how long a job may wait for a slot on a busy cluster before its check says "busy: not checked"
  SLURM_BUSY_WAIT=${CC_HPC_SLURM_BUSY_WAIT_S:-$SLURM_TIMEOUT}
  SLURM_BUSY_WAIT=${SLURM_BUSY_WAIT%.*}
}

# slurm::preflight: before a check's first job, the partition can take one: it exists, it is UP, and a
# node of it takes jobs. Otherwise the check fails at once naming what it saw, instead of waiting out
# the job timeout and reporting "Requested nodes are busy". Once per check.
SLURM_PREFLIGHT_DONE=
slurm::preflight() {
  [[ -z "$SLURM_PREFLIGHT_DONE" ]] || return 0
  slurm::partition_problem || check::fail "$SLURM_PROBLEM"
  SLURM_PREFLIGHT_DONE=1
}

# slurm::partition_problem: fails with SLURM_PROBLEM saying why no job can start in the configured
# partition; else SLURM_PROBLEM is empty and the node lists of slurm::usable_nodes are current (called
# directly, not in $(...), so that callers read them without asking sinfo again).
slurm::partition_problem() {
  local p=$CC_HPC_SLURM_PARTITION line state
  SLURM_PROBLEM=
  line=$(timeout 10 scontrol -o show partition "$p" 2>&1) || {
    SLURM_PROBLEM="partition $p does not exist (partitions: $(sinfo -h -o '%P' 2>/dev/null | tr '\n' ' '))"
    return 1
  }
  state=$(slurm::record_field "$line" State)
  if [[ "$state" != UP ]]; then
    SLURM_PROBLEM="partition $p is ${state:-in no state}: SLURM starts no job in it (scontrol update partitionname=$p state=up)"
    return 1
  fi
  slurm::usable_nodes
  if ((${#SLURM_USABLE[@]} == 0)); then
    SLURM_PROBLEM="partition $p is UP but none of its nodes takes jobs: $(slurm::listing "${SLURM_UNUSABLE[@]:-no nodes}")"
    return 1
  fi
}

# slurm::skip_when_busy WHAT: after a job or step found no slot (WHAT says which), skip the check as
# "busy: not checked" when the partition can take jobs and some of its nodes are busy running others -
# an ordinary state of a production cluster, not a fault. Fails naming the partition's problem when it
# cannot take jobs; returns when neither holds (the caller then fails with its own message).
slurm::skip_when_busy() {
  local node busy=()
  slurm::partition_problem || check::fail "$1: $SLURM_PROBLEM"
  for node in "${SLURM_USABLE[@]}"; do
    [[ "${SLURM_NODE_STATE[$node]}" == idle ]] || busy+=("$node ${SLURM_NODE_STATE[$node]}")
  done
  ((${#busy[@]} == 0)) ||
    check::skip "busy: not checked - $1 found no free slot within ${SLURM_BUSY_WAIT}s (hpc.slurm.busy_wait_s); busy: $(slurm::listing "${busy[@]}")"
}

# slurm::listing ITEM...: ITEMs joined by "; " (node descriptions carry commas of their own).
slurm::listing() { local out; out=$(printf '%s; ' "$@"); printf '%s\n' "${out%; }"; }

# slurm::out_note LABEL: "; LABEL: node (state: meaning; reason); ..." for the nodes out of service in
# the last slurm::usable_nodes, nothing when there are none - what a passing check appends.
slurm::out_note() {
  ((${#SLURM_OUT[@]} == 0)) || printf '; %s: %s' "$1" "$(slurm::listing "${SLURM_OUT[@]}")"
}

# slurm::why_no_job: what SLURM says about the partition when a job could not start or a step did not
# run: the partition's problem, else every node's state (and reason) as sinfo gives it.
slurm::why_no_job() {
  local node
  slurm::partition_problem || { printf '%s\n' "$SLURM_PROBLEM"; return 0; }
  local -a described=()
  for node in "${SLURM_USABLE[@]}"; do described+=("$node ${SLURM_NODE_STATE[$node]}"); done
  described+=("${SLURM_UNUSABLE[@]}")
  printf 'nodes of partition %s: %s\n' "$CC_HPC_SLURM_PARTITION" "$(slurm::listing "${described[@]}")"
}

# slurm::job_dir: set SLURM_JOB_DIR, a private directory in the shared work dir for this check's job
# scripts and output (call it directly, not in $(...): the cleanup trap must be the check's own).
slurm::job_dir() {
  [[ -z "$SLURM_JOB_DIR" ]] || return 0
  mkdir -p "$CC_HPC_SLURM_WORK_DIR" || check::error "cannot create hpc.slurm.work_dir $CC_HPC_SLURM_WORK_DIR"
  SLURM_JOB_DIR=$(mktemp -d "$CC_HPC_SLURM_WORK_DIR/cc-${CC_CHECK_NAME:-check}-XXXXXX")
  chmod 755 "$SLURM_JOB_DIR"
  [[ -z "${SLURM_AS_USER:-}" ]] || chown "$SLURM_AS_USER:" "$SLURM_JOB_DIR"
  util::trap_add slurm::_cleanup EXIT
  # an interrupted check still cancels its jobs and removes the directory
  check::exit_on_signals
}

# The directory goes first: on an interrupted run the controller may be going down, and scancel would
# then wait for it until the runner's grace period is over.
slurm::_cleanup() {
  [[ -n "$SLURM_JOB_DIR" ]] && rm -rf "$SLURM_JOB_DIR"
  ((${#SLURM_JOBS[@]})) && timeout 10 scancel --quiet "${SLURM_JOBS[@]}" 2>/dev/null
  return 0
}

# slurm::srun ARGS...: srun in the configured partition that gives up when no allocation comes within
# the job timeout (instead of queueing forever); output in SRUN_OUTPUT, exit status in SRUN_RC.
slurm::srun() {
  slurm::preflight
  local -a chdir=()
  # another user's job starts in its own directory: the harness's may be closed to it
  ((${#SLURM_AS[@]} == 0)) || { slurm::job_dir; chdir=(--chdir="$SLURM_JOB_DIR"); }
  local -a export=() placed=()
  mapfile -t export < <(slurm::export_opt)
  mapfile -t placed < <(slurm_capacity::options)
  slurm_capacity::admit_job "$@"
  SRUN_RC=0
  SRUN_OUTPUT=$(timeout -k 5 $((SLURM_TIMEOUT + SLURM_BUSY_WAIT + 10)) "${SLURM_AS[@]}" srun -p "$CC_HPC_SLURM_PARTITION" --immediate="$SLURM_BUSY_WAIT" \
    --time=2 --job-name="cc-${CC_CHECK_NAME:-check}" "${placed[@]}" "${export[@]}" "${chdir[@]}" "$@" 2>&1) || SRUN_RC=$?
  # SLURM's own words name no node ("Requested nodes are busy", "Something is wrong with the boot of
  # the nodes"): the last line then says what the partition and its nodes were in
  if ((SRUN_RC != 0)) && grep -qE 'Unable to allocate resources|wrong with the boot of the nodes|allocation .* revoked|Job step creation temporarily disabled' <<<"$SRUN_OUTPUT"; then
    SRUN_OUTPUT+=$'\n'"srun: $(slurm::why_no_job)"
  fi
  printf '$ srun %s  (exit %s)\n%s\n' "${placed[*]} $*" "$SRUN_RC" "$SRUN_OUTPUT" >>"$CC_ARTIFACT_DIR/slurm.log"
  return 0
}

# slurm::submit NAME BODY [SBATCH_ARGS...]: write BODY as a batch script and submit it; the job id is
# left in SLURM_JOB (not printed: the job list must live in the check's shell so that its exit trap
# cancels the job). Output goes to $SLURM_JOB_DIR/NAME.out. A refused submission fails the check.
slurm::submit() {
  local name=$1 body=$2 id
  local -a export=() placed=()
  shift 2
  slurm::preflight
  slurm_capacity::admit_job "$@"
  slurm::job_dir
  mapfile -t export < <(slurm::export_opt)
  mapfile -t placed < <(slurm_capacity::options)
  printf '#!/bin/bash\nset -eu\n%s\n' "$body" >"$SLURM_JOB_DIR/$name.sh"
  id=$("${SLURM_AS[@]}" sbatch --parsable -p "$CC_HPC_SLURM_PARTITION" --time=5 --job-name="cc-$name" -o "$SLURM_JOB_DIR/$name.out" \
    -D "$SLURM_JOB_DIR" "${placed[@]}" "${export[@]}" "$@" "$SLURM_JOB_DIR/$name.sh" 2>"$CC_ARTIFACT_DIR/sbatch-$name.err") ||
    check::fail "sbatch refused job $name: $(tail -n 1 "$CC_ARTIFACT_DIR/sbatch-$name.err")"
  SLURM_JOB=${id%%;*}
  SLURM_JOBS+=("$SLURM_JOB")
  log::info "submitted job $SLURM_JOB ($name)"
}

# slurm::job_field ID FIELD: one field of `scontrol show job` (empty once the job has aged out).
slurm::job_field() {
  local line
  line=$(scontrol -o show job "$1" 2>/dev/null) || return 0
  slurm::record_field "$line" "$2"
}

# slurm::node_field NODE FIELD: one field of `scontrol show node` (e.g. NodeAddr).
slurm::node_field() {
  local line
  line=$(scontrol -o show node "$1" 2>/dev/null) || return 0
  slurm::record_field "$line" "$2"
}

# slurm::record_field LINE FIELD: FIELD's value in one line of `scontrol -o show ...` (empty if absent).
slurm::record_field() {
  local line=" $1 "
  [[ "$line" =~ \ $2=([^ ]*)\  ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  return 0
}

# slurm::setting KEY [FILE]: one value of `scontrol show config` (or of its saved output in FILE). awk
# reads to the end: stopping early would kill scontrol with SIGPIPE, and pipefail would fail the check.
slurm::setting() {
  local text
  if [[ -n "${2:-}" ]]; then text=$(cat "$2"); else text=$(scontrol show config 2>/dev/null || true); fi
  # the value is everything after the first "=" (MpiParams = ports=12000-12999)
  awk -v k="$1" '{ i = index($0, "="); key = substr($0, 1, i - 1); sub(/ +$/, "", key)
    if (i && key == k && !seen++) { v = substr($0, i + 1); sub(/^ +/, "", v); print v } }' <<<"$text"
}

# slurm::wait_state ID STATES TIMEOUT_S: until job ID is in one of STATES (regex, e.g. 'RUNNING' or
# 'COMPLETED|FAILED'); prints the state reached, or "STATE (reason REASON)" and fails after the timeout,
# or sooner when the job still waits for a slot (reason Resources or Priority) after the busy wait.
slurm::wait_state() {
  local id=$1 want=$2 deadline=$((SECONDS + $3)) busy_deadline=$((SECONDS + ${SLURM_BUSY_WAIT:-$3})) state
  while :; do
    state=$(slurm::job_field "$id" JobState)
    if [[ "$state" =~ ^($want)$ ]]; then
      printf '%s\n' "$state"
      return 0
    fi
    if ((SECONDS >= busy_deadline)) && [[ "$state" == PENDING && "$(slurm::job_field "$id" Reason)" =~ ^(Resources|Priority)$ ]]; then
      deadline=$SECONDS
    fi
    if ((SECONDS >= deadline)); then
      printf '%s (reason %s)\n' "${state:-gone}" "$(slurm::job_field "$id" Reason)"
      return 1
    fi
    sleep 0.3
  done
}

# slurm::nodes: "NODE STATE" for each node of the partition, one per line ("idle*": not responding).
slurm::nodes() { sinfo -h -N -p "$CC_HPC_SLURM_PARTITION" -o '%N %T' 2>/dev/null | sort -u; }

# slurm::first_idle_node: a node of the partition that runs nothing (the GRES checks need a whole node;
# one planned by backfill for a later job will do, as a short job backfills there); waits up to the
# busy wait, since a node may still be completing the last check's jobs.
slurm::first_idle_node() {
  local node state deadline=$((SECONDS + ${SLURM_BUSY_WAIT:-$SLURM_TIMEOUT}))
  while :; do
    while read -r node state; do
      [[ "$state" =~ ^(idle|planned)$ ]] && { printf '%s\n' "$node"; return 0; }
      # an idle node of the site's reservation reads "reserved"
      [[ "$state" == reserved && -n "${CC_HPC_SLURM_RESERVATION:-}" ]] && slurm_capacity::node_free "$node" &&
        { printf '%s\n' "$node"; return 0; }
    done < <(slurm::nodes)
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# slurm::gres_node: for a GRES check, an idle node of the partition to test on, as SLURM_GRES_NODE; skips
# without GRES GPUs (hpc.slurm.gpus_per_node 0) or when a busy partition leaves no whole node.
slurm::gres_node() {
  ((CC_HPC_SLURM_GPUS_PER_NODE > 0)) || check::skip "no GRES GPUs configured (hpc.slurm.gpus_per_node is 0)"
  slurm::preflight
  # shellcheck disable=SC2034  # read by the GRES check that called this
  SLURM_GRES_NODE=$(slurm::first_idle_node) || {
    slurm::skip_when_busy "the GRES test (it needs a whole node)"
    check::error "no idle node in partition $CC_HPC_SLURM_PARTITION to test on"
  }
}

# slurm::partition_nodes: every node of the partition, one per line, whatever its state.
slurm::partition_nodes() { sinfo -h -N -p "$CC_HPC_SLURM_PARTITION" -o '%N' 2>/dev/null | sort -u; }

# slurm::usable_state STATE: true for a node state that takes jobs (slurm-state.sh has the table).
slurm::usable_state() { slurm_state::takes_jobs "$1"; }

# slurm::job_nodes: the preflight of a check that runs jobs over the partition, then slurm::usable_nodes.
slurm::job_nodes() {
  slurm::preflight
  slurm::usable_nodes
}

# slurm::usable_nodes: sort the partition's nodes by what their state says (slurm-state.sh):
# SLURM_USABLE (take jobs), SLURM_OUT ("node (meaning: reason)", out of service on purpose),
# SLURM_FAULT (broken or in a state nobody listed, same form) and SLURM_UNUSABLE (SLURM_OUT + SLURM_FAULT).
# SLURM_NODE_STATE[node] keeps the state as sinfo printed it.
slurm::usable_nodes() {
  local node state reason verdict why
  SLURM_USABLE=() SLURM_UNUSABLE=() SLURM_OUT=() SLURM_FAULT=()
  declare -gA SLURM_NODE_STATE=()
  while IFS='|' read -r node state reason; do
    [[ -n "$node" ]] || continue
    SLURM_NODE_STATE[$node]=$state
    verdict=$(slurm_state::verdict "$state")
    why="$state: ${verdict#*|}"
    [[ -z "$reason" || "$reason" == none ]] || why+="; reason: $reason"
    case ${verdict%%|*} in
      takes) SLURM_USABLE+=("$node") ;;
      out) SLURM_OUT+=("$node ($why)") ;;
      *) SLURM_FAULT+=("$node ($why)") ;;
    esac
  done < <(sinfo -h -N -p "$CC_HPC_SLURM_PARTITION" -o '%N|%T|%E' 2>/dev/null | sort -u)
  SLURM_UNUSABLE=("${SLURM_OUT[@]}" "${SLURM_FAULT[@]}")
}

# slurm::join ITEM...: ITEMs joined by commas (a SLURM node list).
slurm::join() { local IFS=,; printf '%s\n' "$*"; }

# slurm::program NAME: copy suites/hpc-slurm/programs/NAME (or suites/NAME when NAME has a folder)
# into the check's job directory, where every node can read it (the work dir is shared); its path there in SLURM_PROGRAM (not printed: the job
# directory and its cleanup trap must belong to the check's own shell, not a $(...) subshell).
slurm::program() {
  local src=$CC_ROOT/suites/hpc-slurm/programs/$1
  [[ "$1" != */* ]] || src=$CC_ROOT/suites/$1
  slurm::job_dir
  cp "$src" "$SLURM_JOB_DIR/${1##*/}"
  chmod 755 "$SLURM_JOB_DIR/${1##*/}"
  # shellcheck disable=SC2034 # read by the checks
  SLURM_PROGRAM=$SLURM_JOB_DIR/${1##*/}
}

# slurm::node_command TEMPLATE NODE: run a configured command ({node} replaced by NODE) from the
# repository root; its output goes to the check's log.
slurm::node_command() {
  local -a argv
  read -ra argv <<<"${1//\{node\}/$2}"
  (cd "$CC_ROOT" && "${argv[@]}") 2>&1 | sed 's/^/  | /'
  return "${PIPESTATUS[0]}"
}

# slurm::wait_node NODE REGEX TIMEOUT_S: until the node's state (sinfo %T, "*" = not responding)
# matches REGEX; prints the state reached, or the last state seen after the timeout and fails.
slurm::wait_node() {
  local node=$1 want=$2 deadline=$((SECONDS + $3)) state
  while :; do
    state=$(sinfo -h -N -n "$node" -o '%T' 2>/dev/null | head -n 1)
    if [[ "$state" =~ ^($want)$ ]]; then
      printf '%s\n' "$state"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      printf '%s\n' "${state:-unknown}"
      return 1
    fi
    sleep 0.5
  done
}

# slurm::step_failure: what went wrong in the last srun, naming nodes - its "NODE: tasks N: Exited with
# exit code C" lines and the first error a task printed - or its last line when it names none.
slurm::step_failure() {
  local tasks first
  tasks=$(grep -oE 'srun: error: [^:]+: tasks? [0-9,-]+: Exited with exit code [0-9]+' <<<"$SRUN_OUTPUT" | sed 's/^srun: error: //' | paste -sd ';' - || true)
  first=$(grep -m1 -E '^[A-Za-z]*(Error|error):' <<<"$SRUN_OUTPUT" || true)
  if [[ -n "$tasks" ]]; then
    printf '%s%s\n' "$tasks" "${first:+ ($first)}"
  else
    tail -n 1 <<<"$SRUN_OUTPUT"
  fi
}

# slurm::framework_status CONFIG: what an HPC framework's `status` prints - the local stack's services
# (local target) and the partition's nodes with their state, CPUs, memory and GRES.
slurm::framework_status() {
  if [[ "$CC_TARGET_KIND" == local ]]; then
    CC_STACK_CONFIG=$1 "$CC_ROOT/test-infra/local/stack" status hpc || true
  fi
  if [[ -n "${CC_HPC_SLURM_PARTITION:-}" ]]; then
    [[ -z "${CC_HPC_SLURM_CONF:-}" ]] || export SLURM_CONF=$CC_HPC_SLURM_CONF
    sinfo -N -p "$CC_HPC_SLURM_PARTITION" -o '%N %T %c %m %G' 2>&1 || true
  else
    log::info "status: this target configures no SLURM cluster (hpc.slurm)"
  fi
}
