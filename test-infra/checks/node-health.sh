#!/usr/bin/env bash
# Per-node health probes fanned out through SLURM itself: one srun with one task per node runs a probe
# on every compute node at once, so a cluster of 1,000 nodes is checked in the time of one. Needs
# check.sh and slurm.sh loaded (and slurm::require called).

declare -gA HEALTH_VALUE=() HEALTH_MISSING=() HEALTH_NOT_CHECKED=()
HEALTH_NODES=()

# node_health::gather NAME BODY [SRUN_ARGS...]: run the shell snippet BODY on every node of the partition
# (one task per node). Each node's output lands in HEALTH_VALUE[node] (lines joined by " | "). A node
# out of service on purpose (drained, maintenance, power saving: slurm-state.sh), or busy with
# other jobs past hpc.slurm.busy_wait_s, lands in HEALTH_NOT_CHECKED[node] with what SLURM says; a node
# that is broken (down, not responding) or gave no answer lands in HEALTH_MISSING[node] with the reason.
# Only when the one srun leaves nodes unanswered are those nodes asked one by one, to learn why.
node_health::gather() {
  local name=$1 body=$2 script node out f start
  shift 2
  slurm::job_dir
  script=$SLURM_JOB_DIR/$name.sh
  # shellcheck disable=SC2016 # expanded on the node
  printf '#!/bin/bash\nnode=${SLURMD_NODENAME:-$(hostname)}\n{\n%s\n} 2>&1 | sed "s/^/@ $node /"\n' "$body" >"$script"
  chmod 755 "$script"
  mapfile -t HEALTH_NODES < <(slurm::partition_nodes)
  ((${#HEALTH_NODES[@]})) || check::fail "partition $CC_HPC_SLURM_PARTITION has no nodes"
  slurm::preflight
  slurm::usable_nodes
  for node in "${SLURM_OUT[@]}"; do HEALTH_NOT_CHECKED[${node%% *}]="out of service ${node#* }"; done
  for node in "${SLURM_FAULT[@]}"; do HEALTH_MISSING[${node%% *}]="not taking jobs ${node#* }"; done
  # a node the users' jobs hold (running, or planned for a pending job ahead) is named busy at once
  local -a free=()
  for node in "${SLURM_USABLE[@]}"; do
    if slurm_capacity::node_free "$node"; then
      free+=("$node")
    else
      HEALTH_NOT_CHECKED[$node]="busy: ${SLURM_CAPACITY_WHY#*; "$node" }"
    fi
  done
  SLURM_USABLE=("${free[@]}")
  start=$(util::now)
  if ((${#SLURM_USABLE[@]})); then
    slurm::srun -N "${#SLURM_USABLE[@]}" -w "$(slurm::join "${SLURM_USABLE[@]}")" --ntasks-per-node=1 "$@" "$script"
    node_health::_parse "$SRUN_OUTPUT"
  fi
  check::metric "${name}_fanout" "$(util::elapsed "$start")" s
  local -a again=()
  for node in "${SLURM_USABLE[@]}"; do [[ -n "${HEALTH_VALUE[$node]+x}" ]] || again+=("$node"); done
  if ((${#again[@]})); then
    log::warn "no answer from ${again[*]} in the job over all nodes; asking each alone"
    # Each node alone: a busy node gets its slot when its jobs allow (within the busy wait); a node
    # that is not taking jobs gets 10 s, not the whole job timeout, to say so.
    for node in "${again[@]}"; do
      (
        ((SLURM_TIMEOUT <= 10)) || SLURM_TIMEOUT=10
        # shellcheck disable=SC2030 # this node's own waits, in its own subshell
        [[ ! "${SLURM_NODE_STATE[$node]}" =~ ^(idle|planned)$ ]] || ((SLURM_BUSY_WAIT <= 10)) || SLURM_BUSY_WAIT=10
        slurm::srun -w "$node" -N1 -n1 "$@" "$script"
        printf '%s\n' "$SRUN_OUTPUT" >"$SLURM_JOB_DIR/$name.$node.alone"
      ) &
    done
    wait
    for node in "${again[@]}"; do
      f=$SLURM_JOB_DIR/$name.$node.alone
      out=$(cat "$f" 2>/dev/null || true)
      node_health::_parse "$out"
      [[ -z "${HEALTH_VALUE[$node]+x}" ]] || continue
      if grep -q 'Requested nodes are busy' <<<"$out" && slurm::usable_state "$(sinfo -h -N -n "$node" -o '%T' 2>/dev/null | head -n 1)"; then
        # shellcheck disable=SC2031 # the busy wait as configured
        HEALTH_NOT_CHECKED[$node]="busy: no free slot within ${SLURM_BUSY_WAIT}s (${SLURM_NODE_STATE[$node]:-busy})"
      else
        HEALTH_MISSING[$node]="no answer through SLURM: $(grep -v '^@ ' <<<"$out" | tail -n 1)"
      fi
    done
  fi
  for node in "${HEALTH_NODES[@]}"; do
    printf '%s\t%s\n' "$node" "${HEALTH_VALUE[$node]:-${HEALTH_NOT_CHECKED[$node]:+NOT CHECKED ${HEALTH_NOT_CHECKED[$node]}}}${HEALTH_MISSING[$node]:+MISSING ${HEALTH_MISSING[$node]}}"
  done >"$CC_ARTIFACT_DIR/node-values.tsv"
}

node_health::_parse() {
  local tag node value
  while read -r tag node value; do
    [[ "$tag" == @ && -n "$node" ]] || continue
    if [[ -n "${HEALTH_VALUE[$node]:-}" ]]; then HEALTH_VALUE[$node]+=" | $value"; else HEALTH_VALUE[$node]=$value; fi
  done <<<"$1"
}

# node_health::each FUNCTION: call FUNCTION NODE VALUE for every node that answered; every node that did
# not is a failure naming it. FUNCTION judges and records failures itself (check::note_failure).
node_health::each() {
  local node
  for node in "${HEALTH_NODES[@]}"; do
    if [[ -n "${HEALTH_MISSING[$node]:-}" ]]; then
      check::note_failure "$node: ${HEALTH_MISSING[$node]}"
    elif [[ -n "${HEALTH_NOT_CHECKED[$node]:-}" ]]; then
      log::warn "$node: not checked: ${HEALTH_NOT_CHECKED[$node]}"
    else
      "$1" "$node" "${HEALTH_VALUE[$node]:-}"
    fi
  done
}

# node_health::finish PASS_MESSAGE: fail with the recorded failures; else skip when no node could be checked
# (each named with why); else pass, naming the nodes not checked.
node_health::finish() {
  local node skipped=()
  for node in "${HEALTH_NODES[@]}"; do
    [[ -z "${HEALTH_NOT_CHECKED[$node]:-}" ]] || skipped+=("$node ${HEALTH_NOT_CHECKED[$node]}")
  done
  ((${#CHECK_FAILURES[@]})) || ((${#skipped[@]} < ${#HEALTH_NODES[@]})) ||
    check::skip "no node could be checked: $(slurm::listing "${skipped[@]}")"
  ((${#skipped[@]} == 0)) || set -- "$1; not checked: $(slurm::listing "${skipped[@]}")"
  check::finish "$1"
}
