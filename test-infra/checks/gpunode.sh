#!/usr/bin/env bash
# GPU node acceptance: one probe per GPU node (clustercheck gpu-node probe: NVML and torch in one process,
# so CUDA starts once per node, not once per check), all nodes at once; each check judges the records.
# Needs check.sh and facts.sh loaded.

GPUNODE_ON=host GPUNODE_RECORDS='' GPUNODE_SKIP='' GPUNODE_SUMMARY=''
GPUNODE_NOTES=()

# gpunode::init: where the probes run (gpu_node.runs_on); SLURM's fan-out needs its utilities.
gpunode::init() {
  GPUNODE_ON=$CC_GPU_NODE_RUNS_ON
  case $GPUNODE_ON in
    slurm)
      # shellcheck source=test-infra/checks/slurm.sh
      source "$CC_CHECKS/slurm.sh"
      # shellcheck source=test-infra/checks/node-health.sh
      source "$CC_CHECKS/node-health.sh"
      slurm::require
      ;;
    kubernetes)
      [[ -n "${CC_KUBERNETES_KUBECONFIG:-}" ]] ||
        check::skip "gpu_node.runs_on is kubernetes and no cluster is configured (kubernetes.kubeconfig): the Jobs are not run"
      ;;
  esac
}

# gpunode::_probe_args: the probe's options from the config.
gpunode::_probe_args() {
  local -a args=(--memtest-fraction "$CC_GPU_NODE_ACTIVE_MEMTEST_FRACTION"
    --xid-lookback-s "$CC_GPU_NODE_XID_KERNEL_LOG_LOOKBACK_S" --hold-s "$CC_GPU_NODE_XID_WATCH_S")
  [[ "$CC_GPU_NODE_ACTIVE_ENABLED" == true ]] || args+=(--passive)
  printf '%q ' "${args[@]}"
}

# gpunode::_sim_env NODE: the environment that makes NVML answer from the node's simulated GPUs
# (gpu_node.simulated), or nothing on a target with real ones.
gpunode::_sim_env() {
  [[ -n "${CC_GPU_NODE_SIMULATED_DEVICES_DIR:-}" ]] || return 0
  local dir=$CC_GPU_NODE_SIMULATED_DEVICES_DIR file
  file=$dir/$1.json
  [[ -e "$file" ]] || file=$dir/default.json
  printf 'PYTHONPATH=%q CC_NVML_SIM=%q ' "$CC_GPU_NODE_SIMULATED_NVML_MODULE" "$file"
}

# gpunode::probe_all DIR: a probe record DIR/NODE.json for every GPU node; a node that could not be
# probed gets a record saying why (so no check passes it by its absence). Nodes out of service on
# purpose (SLURM: drained, maintenance) are listed in DIR/not-checked.tsv.
gpunode::probe_all() {
  local dir=$1 start node
  mkdir -p "$dir"
  : >"$dir/not-checked.tsv"
  start=$(util::now)
  case $GPUNODE_ON in
    host) gpunode::_probe_host "$dir" ;;
    slurm) gpunode::_probe_slurm "$dir" ;;
    kubernetes)
      clustercheck gpu-node k8s-probe --config "$CC_CONFIG_FILE" --out "$dir" 2>"$CC_ARTIFACT_DIR/k8s-probe.err" ||
        check::fail "the probe Jobs could not run: $(tail -n 1 "$CC_ARTIFACT_DIR/k8s-probe.err")" ;;
  esac
  check::metric gpu_probe_wall "$(util::elapsed "$start")" s
  compgen -G "$dir/*.json" >/dev/null && return 0
  [[ -s "$dir/not-checked.tsv" ]] && check::skip "no GPU node to probe: $(gpunode::_not_checked "$dir")"
  check::fail "no GPU node was probed"
}

gpunode::_probe_host() {
  local node rc=0
  node=$(hostname -s)
  # shellcheck disable=SC2046 # the options and environment are quoted by printf %q
  eval "$(gpunode::_sim_env "$node") timeout -k 10 $CC_GPU_NODE_PROBE_TIMEOUT_S clustercheck gpu-node probe --node $(printf %q "$node") --out $(printf %q "$1/$node.json") $(gpunode::_probe_args)" \
    2>"$CC_ARTIFACT_DIR/probe-$node.err" || rc=$?
  ((rc == 0 || rc == 3)) || gpunode::_broken "$1" "$node" "the probe ended with exit $rc: $(tail -n 1 "$CC_ARTIFACT_DIR/probe-$node.err")"
}

gpunode::_probe_slurm() {
  local dir=$1 node gres=() body
  ((${CC_HPC_SLURM_GPUS_PER_NODE:-0} == 0)) || gres=(--gres="gpu:$CC_HPC_SLURM_GPUS_PER_NODE")
  slurm::job_dir
  mkdir -p "$SLURM_JOB_DIR/probes"
  chmod 777 "$SLURM_JOB_DIR/probes"
  # The simulated GPUs differ per node: the body picks the node's own file when it runs there.
  # shellcheck disable=SC2016 # expanded on the node
  body='sim_dir='$(printf %q "${CC_GPU_NODE_SIMULATED_DEVICES_DIR:-}")'
if [[ -n "$sim_dir" ]]; then
  f=$sim_dir/$node.json; [[ -e "$f" ]] || f=$sim_dir/default.json
  export PYTHONPATH='$(printf %q "${CC_GPU_NODE_SIMULATED_NVML_MODULE:-}")' CC_NVML_SIM=$f
fi
rc=0
timeout -k 10 '"$CC_GPU_NODE_PROBE_TIMEOUT_S"' '$(printf %q "$CC_HPC_SLURM_PYTHON")' -m clustercheck gpu-node probe --node "$node" --out '$(printf %q "$SLURM_JOB_DIR/probes")'/"$node.json" '"$(gpunode::_probe_args)"' 2>/tmp/cc-gpu-probe.$$.err >/dev/null || rc=$?
echo "probe rc=$rc $(tail -n 1 /tmp/cc-gpu-probe.$$.err 2>/dev/null)"; rm -f /tmp/cc-gpu-probe.$$.err'
  node_health::gather gpu_probe "$body" "${gres[@]}"
  for node in "${HEALTH_NODES[@]}"; do
    if [[ -n "${HEALTH_NOT_CHECKED[$node]:-}" ]]; then
      printf '%s\t%s\n' "$node" "${HEALTH_NOT_CHECKED[$node]}" >>"$dir/not-checked.tsv"
    elif [[ -n "${HEALTH_MISSING[$node]:-}" ]]; then
      gpunode::_broken "$dir" "$node" "${HEALTH_MISSING[$node]}"
    elif [[ -s "$SLURM_JOB_DIR/probes/$node.json" ]]; then
      cp "$SLURM_JOB_DIR/probes/$node.json" "$dir/$node.json"
    else
      gpunode::_broken "$dir" "$node" "no probe record: ${HEALTH_VALUE[$node]:-no answer}"
    fi
  done
}

# gpunode::_broken DIR NODE WHY: the record of a node whose probe did not run to the end.
gpunode::_broken() {
  printf '{"version": 1, "node": %s, "error": %s}\n' "$(util::json_str "$2")" "$(util::json_str "$3")" >"$1/$2.json"
}

# gpunode::finish_probe: pass naming the nodes probed; fail naming each node whose probe broke.
gpunode::finish_probe() {
  local dir=$CC_ARTIFACT_DIR/probes f node why n=0 sim='' out
  for f in "$dir"/*.json; do
    node=$(basename "$f" .json)
    why=$(sed -n 's/.*"error": *"\(\([^"\\]\|\\.\)*\)".*/\1/p' "$f")
    if [[ -n "$why" ]]; then
      check::note_failure "$node: $why"
    else
      n=$((n + 1))
      grep -Eq '"simulated": ?true' "$f" && sim=' (simulated GPUs: NVML answers from gpu_node.simulated)'
    fi
  done
  out=$(gpunode::_not_checked "$dir")
  check::finish "$n GPU node(s) probed at once (gpu_node.runs_on: $GPUNODE_ON)$sim${out:+; $out}"
}

gpunode::_not_checked() {
  [[ -s "$1/not-checked.tsv" ]] || return 0
  printf 'not checked: %s' "$(awk -F '\t' '{ printf "%s%s (%s)", (NR > 1 ? ", " : ""), $1, $2 }' "$1/not-checked.tsv")"
}

# gpunode::records: GPUNODE_RECORDS, the directory of this run's probe records. When check-gpu-probe is part of the run
# its records are waited for (it marks them done on any exit, so a judge never waits on a probe that
# failed or skipped, and judges the nodes it did probe); a check run alone probes for itself.
gpunode::records() {
  local run_dir shared limit
  run_dir=${CC_RUN_DIR:-$(dirname "$(dirname "$CC_ARTIFACT_DIR")")}
  shared=$run_dir/artifacts/check-gpu-probe
  if grep -qx check-gpu-probe "$run_dir/planned.txt" 2>/dev/null; then
    limit=$((CC_GPU_NODE_PROBE_TIMEOUT_S + 120))
    # a mark older than this run's plan is a previous run's
    util::wait_for "$limit" "check-gpu-probe to finish" gpunode::_probed "$shared" "$run_dir/planned.txt" ||
      check::error "check-gpu-probe did not finish within ${limit}s"
    compgen -G "$shared/probes/*.json" >/dev/null ||
      check::skip "no probe record to judge: check-gpu-probe said $(grep -E '^(FAIL|SKIP|ERROR): ' "$shared/output.log" 2>/dev/null | tail -n 1 || echo nothing)"
    GPUNODE_RECORDS=$shared/probes
    return 0
  fi
  log::info "check-gpu-probe is not part of this run: probing now"
  gpunode::probe_all "$CC_ARTIFACT_DIR/probes"
  GPUNODE_RECORDS=$CC_ARTIFACT_DIR/probes
}

gpunode::_probed() { [[ -e "$1/probes.done" && "$1/probes.done" -nt "$2" ]]; }

# gpunode::mark_probed: check-gpu-probe's records are final (called on its exit, whatever the verdict).
gpunode::mark_probed() { touch "$CC_ARTIFACT_DIR/probes.done"; }

# gpunode::judge CHECK: judge the probe records for CHECK (clustercheck gpu-node judge); every failure
# names node and GPU; metrics per GPU; nodes.tsv holds each node's verdict (the report's node x check
# table). With gpu_node.drain_on_failure on SLURM a failing node is drained, its reason naming the check.
gpunode::judge() {
  local check=$1 dir out
  gpunode::records
  dir=$GPUNODE_RECORDS
  facts::run judge gpu-node judge "$check" "$dir"/*.json
  : >"$CC_ARTIFACT_DIR/nodes.tsv"
  gpunode::read_verdict "$CC_ARTIFACT_DIR/judge.tsv" "" "$CC_ARTIFACT_DIR/nodes.tsv"
  out=$(gpunode::_not_checked "$dir")
  [[ -z "$out" ]] || GPUNODE_NOTES+=("$out")
  gpunode::_drain "$check"
  ((${#CHECK_FAILURES[@]})) || [[ -z "$GPUNODE_SKIP" ]] ||
    check::skip "$GPUNODE_SKIP${GPUNODE_NOTES:+; $(IFS=';'; printf '%s' "${GPUNODE_NOTES[*]}")}"
  ((${#GPUNODE_NOTES[@]} == 0)) || GPUNODE_SUMMARY+="; $(printf '%s; ' "${GPUNODE_NOTES[@]}")"
  check::finish "${GPUNODE_SUMMARY%; }"
}

# gpunode::read_verdict FILE [PREFIX] [NODES_FILE]: take in what `clustercheck gpu-node judge` printed -
# each failure noted (PREFIX before it), each metric recorded, each node's verdict appended to NODES_FILE;
# GPUNODE_SKIP, GPUNODE_SUMMARY and GPUNODE_NOTES hold the rest.
gpunode::read_verdict() {
  local kind a b c
  GPUNODE_SKIP='' GPUNODE_SUMMARY='' GPUNODE_NOTES=()
  while IFS=$'\t' read -r kind a b c; do
    case $kind in
      fail) check::note_failure "${2:-}$a" ;;
      note) GPUNODE_NOTES+=("$a") ;;
      metric) check::metric "$a" "$b" "$c" ;;
      node) [[ -z "${3:-}" ]] || printf '%s\t%s\t%s\n' "$a" "$b" "$c" >>"$3" ;;
      skip) GPUNODE_SKIP=$a ;;
      summary) GPUNODE_SUMMARY=$a ;;
    esac
  done <"$1"
}

# gpunode::_drain CHECK: with gpu_node.drain_on_failure (never by default), take every node the check
# failed out of service, the reason naming the check and what it saw: SLURM drains it; on Kubernetes it
# is tainted clustercheck.io/gpu-unhealthy=CHECK:NoSchedule and labelled gpu-health=failed.
gpunode::_drain() {
  [[ "$CC_GPU_NODE_DRAIN_ON_FAILURE" == true && ("$GPUNODE_ON" == slurm || "$GPUNODE_ON" == kubernetes) ]] || return 0
  local node status why reason taint
  while IFS=$'\t' read -r node status why; do
    [[ "$status" == failed ]] || continue
    reason="cc-gpu-node: $CC_CHECK_NAME: ${why:0:160}"
    if [[ "$GPUNODE_ON" == kubernetes ]]; then
      if taint=$(clustercheck gpu-node k8s-mark-unhealthy --config "$CC_CONFIG_FILE" --check "$CC_CHECK_NAME" --why "$reason" "$node" 2>"$CC_ARTIFACT_DIR/drain.err"); then
        log::warn "$node tainted $taint: $reason"
        CHECK_FAILURES+=("$node tainted $taint (gpu_node.drain_on_failure)")
      else
        CHECK_FAILURES+=("$node: could not be tainted: $(tail -n 1 "$CC_ARTIFACT_DIR/drain.err")")
      fi
      continue
    fi
    if scontrol update nodename="$node" state=drain reason="$reason" 2>"$CC_ARTIFACT_DIR/drain.err"; then
      log::warn "$node drained: $reason"
      CHECK_FAILURES+=("$node drained (gpu_node.drain_on_failure)")
    else
      CHECK_FAILURES+=("$node: could not be drained: $(tail -n 1 "$CC_ARTIFACT_DIR/drain.err")")
    fi
  done <"$CC_ARTIFACT_DIR/nodes.tsv"
}
