#!/usr/bin/env bash
# run-all-clusters.sh: every framework's e2e against one target, one after the other, then one combined
# JUnit report and one HTML summary (CLOUD-TEST-7's test-all-clusters). A failing framework does not
# stop the others; the exit status says whether any check failed.
set -euo pipefail
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/init.sh"
# shellcheck source=test-infra/lib/cloud-cluster.sh
source "$CC_LIB/cloud-cluster.sh"

ALL_FRAMEWORKS=(cloud-vm pcie-passthrough kubernetes mlops-stack inference hpc-slurm hpc-runtime gpu-node multi-cluster)

# all::lane FRAMEWORK: what it changes on the target. With --parallel, frameworks of different lanes
# run at the same time, those of one lane one after the other; lane "all" runs alone, after the rest.
all::lane() {
  case $1 in
    cloud-vm | pcie-passthrough) echo libvirt ;;    # the cloud cluster's VMs and GPU owners
    # S3, PostgreSQL, MLflow, the model server; and KServe on the Kubernetes cluster where it runs one
    mlops-stack) [[ -n "$(all::config_value CC_KUBERNETES_LOCAL_KSERVE_RELEASE)" ]] && echo kubernetes || echo mlops ;;
    hpc-slurm | hpc-runtime) echo slurm ;;          # SLURM nodes, jobs, accounting
    kubernetes) echo kubernetes ;;                  # the Kubernetes cluster (the local one: stack up k8s)
    # its probes hold every GPU of the nodes they run on: those of SLURM or of Kubernetes
    gpu-node) [[ "$(all::config_value CC_GPU_NODE_RUNS_ON)" == kubernetes ]] && echo kubernetes || echo slurm ;;
    # inference measures capacity and latency: beside the other lanes on two cores its load generator
    # could not keep its schedule (measured: capacity 10-100 req/s instead of 300), so it runs alone;
    # multi-cluster uses both clusters, SLURM and MLflow
    *) echo all ;;
  esac
}

all::usage() {
  cat <<USAGE
Usage: test-infra/run-all-clusters.sh [OPTIONS] [-- FRAMEWORK_OPTIONS...]

Runs each framework's e2e (default: ${ALL_FRAMEWORKS[*]}) against one target and writes
REPORT_DIR/junit.xml, summary.json and report.html for all of them (each framework's own report
stays in REPORT_DIR/<framework>/). On the local target the whole stack comes up once first and, if
this run started it, goes down at the end.

Options:
  --config FILE        target config (default: test-infra/configs/local.yaml)
  --report-dir DIR     default: reports/all-clusters
  --frameworks LIST    comma-separated subset, in this order
  --parallel           run frameworks that share nothing at the same time (lanes: libvirt, mlops,
                       slurm, kubernetes; inference and multi-cluster alone afterwards); each
                       framework's output goes to REPORT_DIR/<framework>.log
  --baseline FILE      judge every framework's metrics against a saved run (see a framework's help)
  --save-baseline FILE save the metrics of all frameworks' passed checks as one baseline
  -h, --help           this help
Options after -- go to every framework (e.g. -- --fail-on-skip).

Exit codes: 0 no check failed, 1 a check failed or errored (or a framework could not run), 2 bad
usage or config, 130/143 interrupted.
USAGE
}

all::parse() {
  CONFIG=$CC_ROOT/test-infra/configs/local.yaml
  REPORT_DIR=$CC_ROOT/reports/all-clusters
  FRAMEWORKS=("${ALL_FRAMEWORKS[@]}")
  PASS_ON=()
  PARALLEL=0
  BASELINE='' SAVE_BASELINE=''
  local -A seen=()
  while (($#)); do
    case $1 in
      --parallel) PARALLEL=1 ;;
      --config | --report-dir | --frameworks | --baseline | --save-baseline)
        [[ $# -ge 2 && -n "$2" && "$2" != -* ]] || log::die "$1 needs a value (see: $0 --help)"
        [[ -z "${seen[$1]:-}" ]] || log::die "$1 given twice (see: $0 --help)"
        seen[$1]=1 ;;&
      --config) CONFIG=$2; shift ;;
      --report-dir) REPORT_DIR=$2; shift ;;
      --frameworks) IFS=, read -ra FRAMEWORKS <<<"$2"; shift ;;
      --baseline) BASELINE=$2; shift ;;
      --save-baseline) SAVE_BASELINE=$2; shift ;;
      -h | --help) all::usage; exit 0 ;;
      --) shift; PASS_ON=("$@"); break ;;
      *) log::die "unknown argument '$1' (see: $0 --help)" ;;
    esac
    shift
  done
  local f
  for f in "${FRAMEWORKS[@]}"; do
    [[ -x "$CC_ROOT/frameworks/test-$f-framework.sh" ]] ||
      log::die "--frameworks: no framework '$f' (frameworks: ${ALL_FRAMEWORKS[*]})"
  done
  [[ "$CONFIG" == /* ]] || CONFIG=$PWD/$CONFIG
  [[ "$REPORT_DIR" == /* ]] || REPORT_DIR=$PWD/$REPORT_DIR
  # The options for the frameworks, checked by one of them before anything starts.
  local opt
  for opt in "${PASS_ON[@]}"; do
    [[ "$opt" != --baseline && "$opt" != --save-baseline ]] ||
      log::die "$opt after --: give it before -- (one baseline for all frameworks; see: $0 --help)"
  done
  if ((${#PASS_ON[@]})); then
    "$CC_ROOT/frameworks/test-${FRAMEWORKS[0]}-framework.sh" list-tests "${PASS_ON[@]}" >/dev/null || exit 2
  fi
  local dir
  dir=$(util::creatable_dir "$REPORT_DIR") ||
    log::die "--report-dir: cannot write $REPORT_DIR ($dir is not a writable directory)"
}

# all::stack_up: on a local target, the whole stack once (frameworks then find it up and leave it). With
# --parallel the Kubernetes cluster comes up at the head of its own lane instead (all::k8s_up): on a fresh
# machine its first build takes minutes that the other lanes spend running their frameworks.
# What this run started, in the one record of who started what (owner.sh): "stack", "cloud-cluster".
ALL_STARTED=.started-by-run-all-clusters
K8S_DEFERRED=0 K8S_BUILD_PID=
K8S_PARTS=()
all::stack_up() {
  [[ "$(all::config_value CC_TARGET_KIND)" == local ]] || return 0
  if CC_STACK_CONFIG=$CONFIG "$CC_ROOT/test-infra/local/stack" status >/dev/null 2>&1; then
    log::info "local stack already up; it stays up afterwards"
    return 0
  fi
  owner::note "$ALL_STARTED" stack # before it starts: an up cut short is taken down too
  local -a parts=()
  if ((PARALLEL)) && [[ -n "$(all::config_value CC_KUBERNETES_LOCAL_STATE_DIR)" ]]; then
    K8S_DEFERRED=1
    K8S_PARTS=(k8s)
    [[ -z "$(all::config_value CC_KUBERNETES_LOCAL_KSERVE_RELEASE)" ]] || K8S_PARTS+=(kserve)
    parts=(--except "${K8S_PARTS[@]}")
    # its build (minutes on a fresh machine) starts now, beside the rest of the stack's start
    CC_STACK_CONFIG=$CONFIG "$CC_ROOT/test-infra/local/stack" build "${K8S_PARTS[@]}" >"$REPORT_DIR/k8s-build.log" 2>&1 &
    K8S_BUILD_PID=$!
  fi
  CC_STACK_CONFIG=$CONFIG "$CC_ROOT/test-infra/local/stack" up "${parts[@]}" || log::die "the local stack did not come up" 1
}

# all::k8s_up: the deferred Kubernetes cluster, at the head of the kubernetes lane (its frameworks then
# find it up; all::stack_down stops it with the rest); its start waits for the build begun by
# all::stack_up (one build at a time) and finds it done. A failure is the frameworks' to name.
all::k8s_up() {
  ((K8S_DEFERRED)) || return 0
  log::info "=== the local Kubernetes cluster (lane kubernetes); log: $REPORT_DIR/k8s-up.log ==="
  local pid rc=0
  CC_STACK_CONFIG=$CONFIG "$CC_ROOT/test-infra/local/stack" up "${K8S_PARTS[@]}" >"$REPORT_DIR/k8s-up.log" 2>&1 &
  pid=$!
  # a signal to the lane goes on to the cluster's start, which cleans up after itself
  trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 143' TERM
  wait "$pid" || rc=$?
  trap - TERM
  ((rc == 0)) && return 0
  log::warn "stack up ${K8S_PARTS[*]} failed, exit $rc (see $REPORT_DIR/k8s-up.log); its last lines:"
  tail -n 5 "$REPORT_DIR/k8s-up.log" | sed 's/^/    /' >&2
}

all::stack_down() {
  if [[ -n "$K8S_BUILD_PID" ]]; then
    kill -TERM "$K8S_BUILD_PID" 2>/dev/null || true  # done by now, unless the run was cut short
    wait "$K8S_BUILD_PID" 2>/dev/null || true
    K8S_BUILD_PID=
  fi
  owner::lists "$ALL_STARTED" stack || return 0
  CC_STACK_CONFIG=$CONFIG "$CC_ROOT/test-infra/local/stack" down || log::warn "stack down reported a problem"
  owner::forget "$ALL_STARTED" stack
}

# all::cluster_up: on a local target, the cloud cluster once for the frameworks that use it (their
# start-cluster finds it running and their stop-cluster leaves it), instead of each booting its guests
# and destroying them; stopped at the end if this run started it. A cluster found running stays.
all::cluster_up() {
  [[ "$(all::config_value CC_TARGET_KIND)" == local && -n "$(all::config_value CC_CLOUD_VM_CLUSTER_NAME)" ]] || return 0
  [[ " ${FRAMEWORKS[*]} " =~ \ (cloud-vm|pcie-passthrough|multi-cluster)\  ]] || return 0
  "$CC_ROOT/frameworks/test-cloud-vm-framework.sh" start-cluster --config "$CONFIG" ||
    log::die "the cloud cluster did not come up" 1
  if owner::has "$(cloud_cluster::found_record)"; then
    owner::drop "$(cloud_cluster::found_record)" # found running: this run leaves it, and a later stop-cluster must not
  else
    owner::note "$ALL_STARTED" cloud-cluster
  fi
}

all::cluster_down() {
  owner::lists "$ALL_STARTED" cloud-cluster || return 0
  "$CC_ROOT/frameworks/test-cloud-vm-framework.sh" stop-cluster --config "$CONFIG" ||
    log::warn "the cloud cluster's stop-cluster reported a problem"
  owner::forget "$ALL_STARTED" cloud-cluster
}

CHILDREN=()
all::on_signal() {
  trap '' INT TERM
  log::warn "$1 received: stopping the running framework(s) (each cleans up after itself)"
  local pid
  # TERM, whatever came in: a background job ignores SIGINT, and each lane passes TERM on.
  for pid in "${CHILDREN[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CHILDREN[@]}"; do wait "$pid" 2>/dev/null || true; done
  all::cluster_down
  all::stack_down
  exit "$2"
}

# all::run_one FRAMEWORK [LOG]: its e2e into REPORT_DIR/FRAMEWORK (output to LOG when given); notes its
# wall time (e2e.json) and exit status (.rc) there.
all::run_one() {
  local f=$1 log=${2:-} rc=0 fw_start child
  rm -rf "${REPORT_DIR:?}/$f"
  fw_start=$(util::now)
  if [[ -n "$log" ]]; then
    "$CC_ROOT/frameworks/test-$f-framework.sh" e2e --config "$CONFIG" --report-dir "$REPORT_DIR/$f" "${PASS_ON[@]}" >"$log" 2>&1 &
  else
    "$CC_ROOT/frameworks/test-$f-framework.sh" e2e --config "$CONFIG" --report-dir "$REPORT_DIR/$f" "${PASS_ON[@]}" &
  fi
  child=$!
  # A signal to this (lane) shell goes on to the framework, which cleans up after itself.
  trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
  wait "$child" || rc=$?
  trap - TERM
  mkdir -p "$REPORT_DIR/$f"
  printf '{"wall_s": %s}\n' "$(util::elapsed "$fw_start")" >"$REPORT_DIR/$f/e2e.json"
  printf '%s\n' "$rc" >"$REPORT_DIR/$f/.rc"
  return "$rc"
}

# all::run_lanes: the frameworks lane by lane at the same time, then lane "all" alone.
all::run_lanes() {
  local f lane pid
  local -A lanes=()
  local -a order=() last=()
  for f in "${FRAMEWORKS[@]}"; do
    lane=$(all::lane "$f")
    if [[ "$lane" == all ]]; then last+=("$f"); continue; fi
    [[ -n "${lanes[$lane]:-}" ]] || order+=("$lane")
    lanes[$lane]+="$f "
  done
  for lane in "${order[@]}"; do
    (
      [[ "$lane" != kubernetes ]] || all::k8s_up
      for f in ${lanes[$lane]}; do
        log::info "=== $f framework (lane $lane) started; log: $REPORT_DIR/$f.log ==="
        if all::run_one "$f" "$REPORT_DIR/$f.log"; then
          log::info "=== $f framework finished: passed ($(all::_wall "$f") s) ==="
        else
          log::warn "=== $f framework finished: exit $(cat "$REPORT_DIR/$f/.rc") ($(all::_wall "$f") s); see $REPORT_DIR/$f.log ==="
        fi
      done
    ) &
    CHILDREN+=("$!")
  done
  for pid in "${CHILDREN[@]}"; do wait "$pid" || true; done
  CHILDREN=()
  [[ -n "${lanes[kubernetes]:-}" ]] || all::k8s_up  # no kubernetes lane: the last lane may still place work there
  for f in "${last[@]}"; do
    log::info "=== $f framework ==="
    all::run_one "$f" || true
  done
}

# all::config_value VAR: VAR of the config's export (read once by all::main into CONFIG_ENV).
all::config_value() { sed -n "s/^$1=//p" <<<"$CONFIG_ENV" | tr -d "'"; }

all::_wall() { sed -n 's/.*"wall_s": *\([0-9]*\).*/\1/p' "$REPORT_DIR/$1/e2e.json"; }

all::main() {
  all::parse "$@"
  CONFIG_ENV=$(clustercheck config export "$CONFIG") || exit 2
  if [[ -n "$BASELINE$SAVE_BASELINE" ]]; then
    clustercheck baseline check --config "$CONFIG" ${BASELINE:+--baseline "$BASELINE"} \
      ${SAVE_BASELINE:+--save "$SAVE_BASELINE"} || exit 2
    [[ -z "$BASELINE" ]] || PASS_ON=(--baseline "$(realpath -- "$BASELINE")" "${PASS_ON[@]}")
    [[ -z "$SAVE_BASELINE" ]] || SAVE_BASELINE=$(realpath -m -- "$SAVE_BASELINE")
  fi
  owner::drop "$ALL_STARTED" # what a killed run left there names nothing this run started
  trap 'all::on_signal INT 130' INT
  trap 'all::on_signal TERM 143' TERM
  util::trap_add all::stack_down EXIT
  util::trap_add all::cluster_down EXIT
  local start f rc runs=() failed=()
  start=$(util::now)
  mkdir -p "$REPORT_DIR"
  all::stack_up
  all::cluster_up
  if ((PARALLEL)); then
    all::run_lanes
  else
    for f in "${FRAMEWORKS[@]}"; do
      log::info "=== $f framework ==="
      all::run_one "$f" &
      CHILDREN=("$!")
      wait "${CHILDREN[0]}" || true
      CHILDREN=()
    done
  fi
  for f in "${FRAMEWORKS[@]}"; do
    rc=$(cat "$REPORT_DIR/$f/.rc" 2>/dev/null || echo "did not finish")
    [[ "$rc" == 0 ]] || failed+=("$f (exit $rc)")
    runs+=("$f=$REPORT_DIR/$f")
  done
  all::cluster_down
  all::stack_down
  rc=0
  clustercheck combine "${runs[@]}" --out-dir "$REPORT_DIR" --name all-clusters --config "$CONFIG" \
    --history "$(util::history_file "$(all::config_value CC_TARGET_NAME)" "$(all::config_value CC_RUNNER_HISTORY_FILE)")" --summary || rc=$?
  if [[ -n "$SAVE_BASELINE" ]]; then
    local -a dirs=()
    for f in "${FRAMEWORKS[@]}"; do dirs+=(--run-dir "$REPORT_DIR/$f" --framework "$f"); done
    clustercheck baseline save --config "$CONFIG" --out "$SAVE_BASELINE" "${dirs[@]}" >&2 ||
      log::error "could not save the baseline $SAVE_BASELINE"
  fi
  ((${#failed[@]} == 0)) || log::warn "frameworks with failures: ${failed[*]}"
  log::info "all clusters: ${#FRAMEWORKS[@]} framework(s) in $(util::elapsed "$start")s; report: $REPORT_DIR/junit.xml, $REPORT_DIR/report.html"
  ((rc == 0 && ${#failed[@]} == 0)) || return 1
}

all::main "$@"
