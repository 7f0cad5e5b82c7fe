#!/usr/bin/env bash
# The framework CLI shared by every frameworks/test-*-framework.sh. A framework sets
#   FRAMEWORK_NAME, FRAMEWORK_SUITES (dirs under suites/), FRAMEWORK_DEFAULT_CONFIG (default: local.yaml),
#   FRAMEWORK_STACK_COMPONENTS (the parts of the local stack it runs against: libvirt, mlops), or
#   framework::hook_components printing them one a line from the loaded config (where the config places work)
# and may define framework::hook_start_cluster, _deploy, _stop_cluster, _status, and extra commands as
# framework::cmd_<name> (listed under FRAMEWORK_EXTRA_HELP); then calls
#   framework::main "$@"
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/init.sh"
# shellcheck source=test-infra/lib/runner.sh
source "$CC_LIB/runner.sh"

FRAMEWORK_STACK_COMPONENTS=()
FRAMEWORK_DEFAULT_CONFIG=test-infra/configs/local.yaml
FRAMEWORK_EXTRA_HELP=

framework::_opts_help() {
  cat <<OPTS
Options:
  --config FILE      target config (default: $FRAMEWORK_DEFAULT_CONFIG)
  --report-dir DIR   where junit.xml, summary.json, report.html go (default: reports/$FRAMEWORK_NAME)
  --jobs N           checks run in parallel (default: config runner.jobs)
  --timeout S        per-check timeout in seconds (default: config runner.timeout_s)
  --filter REGEX     only checks whose name matches
  --suite NAME       only this suite (repeatable; the last part of its path, e.g. minio)
  --retries N        rerun failing checks up to N times; a pass on retry is marked flaky
  --fail-on-skip     count skipped checks as failures (for CI that requires every check to run)
  --baseline FILE    judge each metric against a saved baseline's runs: worse than every one of
                     them by more than the tolerance (config runner.baseline, default 20%) fails
                     its check; better is reported; a metric whose runs spread wider than the
                     tolerance is reported as too noisy to judge
  --save-baseline FILE  run the checks N times (--baseline-runs) and save every run's metrics (of
                     the checks that passed) as a baseline; merge files saved one by one with
                     clustercheck baseline merge
  --baseline-runs N  runs saved by --save-baseline (default: config runner.baseline.runs, 5)
  --verbose          debug logging (also CC_VERBOSE=1)
  --dry-run          print what would run; change nothing
  -h, --help         this help
Every run appends its metrics to the target's history (config runner.history_file, default
reports/history/<target>.jsonl); report.html draws each metric's trend from it.
Environment: NO_COLOR disables colour; CC_LOCAL_STATE moves the local target's state.
OPTS
}

framework::usage() {
  cat <<USAGE
Usage: $0 COMMAND [OPTIONS]

$FRAMEWORK_NAME framework - suites: ${FRAMEWORK_SUITES[*]}

Commands:
  e2e             start-cluster, deploy, run-tests, stop-cluster (cleanup on any exit or signal)
  start-cluster   bring the target up (the local stack when target.kind is local)
  deploy          deploy what the checks need onto the running target
  run-tests       run every check against a running target
  run-test NAME   run one check
  list-tests      list the checks
  status          show the target's state
  stop-cluster    tear down what start-cluster made
  help            this help
${FRAMEWORK_EXTRA_HELP}
$(framework::_opts_help)

Exit codes: 0 nothing failed, 1 a check failed or errored (or the target could not start),
2 bad usage or config, 130/143 interrupted.
USAGE
}

# framework::_value OPTION VALUE WHAT: VALUE, or one line and exit 2 when the option has none (the end
# of the line, an empty string, or the next option in its place).
framework::_value() {
  [[ $# -ge 2 && -n "$2" && ("$2" != -* || "$2" =~ ^-[0-9.]+$) ]] || log::die "$1 needs $3 (see: $0 help)"
  printf '%s' "$2"
}

# framework::_once OPTION: one line and exit 2 when OPTION was already given.
declare -A FRAMEWORK_SEEN=()
framework::_once() {
  [[ -z "${FRAMEWORK_SEEN[$1]:-}" ]] || log::die "$1 given twice (see: $0 help)"
  FRAMEWORK_SEEN[$1]=1
}

framework::_parse() {
  OPT_CONFIG=$CC_ROOT/$FRAMEWORK_DEFAULT_CONFIG
  OPT_REPORT_DIR=$CC_ROOT/reports/$FRAMEWORK_NAME
  OPT_JOBS='' OPT_TIMEOUT='' OPT_FILTER='' OPT_RETRIES='' OPT_DRY_RUN=0 RUN_FAIL_ON_SKIP=0 ARGS=() OPT_SUITES=()
  OPT_BASELINE='' OPT_SAVE_BASELINE='' OPT_BASELINE_RUNS=''
  while (($#)); do
    case $1 in
      --config | --report-dir | --jobs | --timeout | --filter | --retries | --baseline | --save-baseline | --baseline-runs)
        framework::_once "$1" ;;
    esac
    case $1 in
      --config) OPT_CONFIG=$(framework::_value "$1" "${2-}" "a FILE") || exit 2; shift ;;
      --report-dir) OPT_REPORT_DIR=$(framework::_value "$1" "${2-}" "a DIR") || exit 2; shift ;;
      --jobs) OPT_JOBS=$(framework::_value "$1" "${2-}" "a number") || exit 2; shift ;;
      --timeout) OPT_TIMEOUT=$(framework::_value "$1" "${2-}" "seconds") || exit 2; shift ;;
      --filter) OPT_FILTER=$(framework::_value "$1" "${2-}" "a REGEX") || exit 2; shift ;;
      --suite) OPT_SUITES+=("$(framework::_value "$1" "${2-}" "a suite NAME")") || exit 2; shift ;;
      --retries) OPT_RETRIES=$(framework::_value "$1" "${2-}" "a number") || exit 2; shift ;;
      --baseline) OPT_BASELINE=$(framework::_value "$1" "${2-}" "a FILE") || exit 2; shift ;;
      --save-baseline) OPT_SAVE_BASELINE=$(framework::_value "$1" "${2-}" "a FILE") || exit 2; shift ;;
      --baseline-runs) OPT_BASELINE_RUNS=$(framework::_value "$1" "${2-}" "a number") || exit 2; shift ;;
      --fail-on-skip) RUN_FAIL_ON_SKIP=1 ;;
      --verbose) CC_VERBOSE=1; export CC_VERBOSE ;;
      --dry-run) OPT_DRY_RUN=1 ;;
      -h | --help) framework::usage; exit 0 ;;
      -*) log::die "unknown option $1 (see: $0 help)" ;;
      *) ARGS+=("$1") ;;
    esac
    shift
  done
  [[ -z "$OPT_JOBS" || ("$OPT_JOBS" =~ ^[0-9]+$ && "$OPT_JOBS" -ge 1 && "$OPT_JOBS" -le 64) ]] ||
    log::die "--jobs takes a whole number from 1 to 64, got '$OPT_JOBS'"
  [[ -z "$OPT_RETRIES" || ("$OPT_RETRIES" =~ ^[0-9]+$ && "$OPT_RETRIES" -le 10) ]] ||
    log::die "--retries takes a whole number from 0 to 10, got '$OPT_RETRIES'"
  [[ -z "$OPT_BASELINE_RUNS" || ("$OPT_BASELINE_RUNS" =~ ^[0-9]+$ && "$OPT_BASELINE_RUNS" -ge 1 && "$OPT_BASELINE_RUNS" -le 50) ]] ||
    log::die "--baseline-runs takes a whole number from 1 to 50, got '$OPT_BASELINE_RUNS'"
  [[ -z "$OPT_BASELINE_RUNS" || -n "$OPT_SAVE_BASELINE" ]] || log::die "--baseline-runs needs --save-baseline FILE"
  [[ -z "$OPT_TIMEOUT" || ("$OPT_TIMEOUT" =~ ^[0-9]+$ && "$OPT_TIMEOUT" -ge 1 && "$OPT_TIMEOUT" -le 86400) ]] ||
    log::die "--timeout takes whole seconds from 1 to 86400, got '$OPT_TIMEOUT'"
  if [[ -n "$OPT_FILTER" ]]; then
    # bash's =~ returns 2 for a pattern it cannot compile; grep -E reads the same syntax
    local rc=0
    printf '' | grep -Eq -- "$OPT_FILTER" 2>/dev/null || rc=$?
    ((rc != 2)) || log::die "--filter: '$OPT_FILTER' is not a valid regular expression"
  fi
  framework::_check_report_dir
  framework::_select_suites
}

# framework::_check_report_dir: --report-dir can be made and written, checked without making it (a
# command that refuses to start leaves nothing behind).
framework::_check_report_dir() {
  if [[ -e "$OPT_REPORT_DIR" ]]; then
    [[ -d "$OPT_REPORT_DIR" ]] || log::die "--report-dir: $OPT_REPORT_DIR exists and is not a directory"
    [[ -w "$OPT_REPORT_DIR" ]] || log::die "--report-dir: $OPT_REPORT_DIR is not writable"
    return 0
  fi
  local dir
  dir=$(util::creatable_dir "$OPT_REPORT_DIR") ||
    log::die "--report-dir: cannot create $OPT_REPORT_DIR ($dir is not a writable directory)"
}

# framework::_select_suites: narrow FRAMEWORK_SUITES to the --suite names; exit 2 on an unknown one.
framework::_select_suites() {
  ((${#OPT_SUITES[@]})) || return 0
  local want s found
  local -a chosen=()
  for want in "${OPT_SUITES[@]}"; do
    found=0
    for s in "${FRAMEWORK_SUITES[@]}"; do
      [[ "${s##*/}" == "$want" || "$s" == "$want" ]] && { chosen+=("$s"); found=1; }
    done
    ((found)) || log::die "--suite: no suite '$want' in $FRAMEWORK_NAME (suites: ${FRAMEWORK_SUITES[*]##*/})"
  done
  FRAMEWORK_SUITES=("${chosen[@]}")
}

# framework::load_config: validate (exit 2, one line, nothing created) and export for checks.
framework::load_config() {
  FRAMEWORK_TMP=$(mktemp -d)
  util::trap_add "rm -rf '$FRAMEWORK_TMP'" EXIT
  clustercheck config export "$OPT_CONFIG" -o "$FRAMEWORK_TMP/config.env" --secrets-out "$FRAMEWORK_TMP/secrets" || exit 2
  chmod 600 "$FRAMEWORK_TMP/config.env" "$FRAMEWORK_TMP/secrets"
  RUN_SECRETS_FILE=$FRAMEWORK_TMP/secrets
  # shellcheck source=/dev/null
  source "$FRAMEWORK_TMP/config.env"
  RUN_CONFIG_ENV=$FRAMEWORK_TMP/config.env
  # Commands a local target's config names (e.g. `stack restart postgresql`) act on this config's stack.
  [[ "$CC_TARGET_KIND" != local ]] || export CC_STACK_CONFIG=$CC_CONFIG_FILE
  RUN_CONFIG_FILE=$CC_CONFIG_FILE
  RUN_NAME=$FRAMEWORK_NAME
  RUN_JOBS=${OPT_JOBS:-$CC_RUNNER_JOBS}
  RUN_TIMEOUT=${OPT_TIMEOUT:-$CC_RUNNER_TIMEOUT_S}
  RUN_TIMEOUT=${RUN_TIMEOUT%.*}
  RUN_RETRIES=${OPT_RETRIES:-$CC_RUNNER_RETRIES}
  RUN_FILTER=$OPT_FILTER
  RUN_DIR=$OPT_REPORT_DIR
  export RUN_FAIL_ON_SKIP
  if declare -F framework::hook_components >/dev/null; then
    mapfile -t FRAMEWORK_STACK_COMPONENTS < <(framework::hook_components)
  fi
  framework::_baseline_options
}

# framework::placed_on RUNS_ON: the local stack component a placement (gpu_node.runs_on,
# inference.load.distributed.runs_on) runs its work on: hpc for slurm, k8s for kubernetes, else none.
framework::placed_on() {
  case $1 in
    slurm) echo hpc ;;
    kubernetes) echo k8s ;;
  esac
}

# framework::_baseline_options: a baseline that is corrupt, from another target, or a place one cannot
# be saved is refused here, before anything starts (one line, exit 2).
framework::_baseline_options() {
  RUN_BASELINE='' RUN_SAVE_BASELINE='' RUN_BASELINE_RUNS=${OPT_BASELINE_RUNS:-$CC_RUNNER_BASELINE_RUNS}
  RUN_HISTORY=$(util::history_file "$CC_TARGET_NAME" "${CC_RUNNER_HISTORY_FILE:-}")
  if [[ -n "$OPT_BASELINE$OPT_SAVE_BASELINE" ]]; then
    clustercheck baseline check --config "$CC_CONFIG_FILE" ${OPT_BASELINE:+--baseline "$OPT_BASELINE"} \
      ${OPT_SAVE_BASELINE:+--save "$OPT_SAVE_BASELINE"} >&2 || exit 2
    RUN_BASELINE=${OPT_BASELINE:+$(realpath "$OPT_BASELINE")}
    RUN_SAVE_BASELINE=${OPT_SAVE_BASELINE:+$(realpath -m "$OPT_SAVE_BASELINE")}
  fi
  if ((OPT_DRY_RUN)); then
    RUN_HISTORY='' RUN_SAVE_BASELINE=''
  fi
}

framework::_checks() {
  local suites=() s
  for s in "${FRAMEWORK_SUITES[@]}"; do suites+=("$CC_ROOT/suites/$s"); done
  runner::discover "${suites[@]}"
}

# framework::local_stack_up: bring up the stack components this framework needs
# (FRAMEWORK_STACK_COMPONENTS). Each one that was down is recorded as this framework's; one found up
# (another framework's, a hand-started one) is left as found: stop-cluster stops only what this started.
framework::local_stack_up() {
  local -a down=()
  local c
  for c in "${FRAMEWORK_STACK_COMPONENTS[@]}"; do
    if CC_STACK_CONFIG=$OPT_CONFIG "$CC_ROOT/test-infra/local/stack" status "$c" >/dev/null 2>&1; then
      log::info "local stack: $c already up; it stays up afterwards"
    else
      down+=("$c")
    fi
  done
  ((${#down[@]})) || return 0
  # Recorded before it starts: an up interrupted half-way is still taken down by stop-cluster.
  for c in "${down[@]}"; do owner::note ".started-by-$FRAMEWORK_NAME" "$c"; done
  CC_STACK_CONFIG=$OPT_CONFIG "$CC_ROOT/test-infra/local/stack" up "${down[@]}" ||
    log::die "start-cluster: local stack (${down[*]}) failed to come up" 1
}

# framework::local_stack_down: stop the components local_stack_up started, and nothing else.
framework::local_stack_down() {
  local -a mine
  mapfile -t mine < <(owner::items ".started-by-$FRAMEWORK_NAME")
  if ((${#mine[@]})); then
    CC_STACK_CONFIG=$OPT_CONFIG "$CC_ROOT/test-infra/local/stack" down "${mine[@]}" ||
      log::warn "stop-cluster: stack down (${mine[*]}) reported a problem"
  fi
  owner::drop ".started-by-$FRAMEWORK_NAME"
}

framework::_hook() {
  local name=$1
  if declare -F "framework::hook_$name" >/dev/null; then
    "framework::hook_$name"
  elif ((${#FRAMEWORK_STACK_COMPONENTS[@]})) && [[ "$name" == start_cluster || "$name" == stop_cluster ]]; then
    framework::_stack_hook "$name"
  else
    log::info "$name: nothing to do for $FRAMEWORK_NAME"
  fi
}

# framework::_stack_hook start_cluster|stop_cluster: a framework running against parts of the local
# stack brings them up (and down) on the local target; any other target is an existing deployment.
framework::_stack_hook() {
  if [[ "$CC_TARGET_KIND" != local ]]; then
    [[ "$1" == stop_cluster ]] || log::info "start-cluster: $CC_TARGET_NAME is an existing deployment; nothing to start"
  elif [[ "$1" == start_cluster ]]; then
    framework::local_stack_up
  else
    framework::local_stack_down
  fi
}

framework::run_tests() {
  local -a files
  mapfile -t files < <(framework::_checks)
  ((${#files[@]})) || log::die "no check matches${RUN_FILTER:+ filter "$RUN_FILTER"}"
  if ((OPT_DRY_RUN)); then
    printf 'would run %d check(s) into %s:\n' "${#files[@]}" "$RUN_DIR"
    printf '  %s\n' "${files[@]##*/}"
    return 0
  fi
  mkdir -p "$RUN_DIR"
  if [[ -n "$RUN_SAVE_BASELINE" ]] && ((RUN_BASELINE_RUNS > 1)); then
    framework::_baseline_rounds "${files[@]}"
  fi
  runner::run "${files[@]}"
}

# framework::_baseline_rounds FILES...: the first N-1 of the N runs a saved baseline is made of, each
# in RUN_DIR/baseline-runs/run-K (a report of its own); the last is the run itself, whose finish saves
# the metrics of all N (RUN_BASELINE_DIRS). A round that fails is kept: only checks that passed in a
# round give it metrics.
framework::_baseline_rounds() {
  local main=$RUN_DIR save=$RUN_SAVE_BASELINE k
  RUN_SAVE_BASELINE=''
  for ((k = 1; k < RUN_BASELINE_RUNS; k++)); do
    log::info "baseline: run $k of $RUN_BASELINE_RUNS (every run's metrics are saved; the last is the report in $main)"
    RUN_DIR=$main/baseline-runs/run-$k
    mkdir -p "$RUN_DIR"
    runner::run "$@" || true
    RUN_BASELINE_DIRS+=("$RUN_DIR")
    [[ ! -e "$RUN_DIR/.interrupted" ]] || break
  done
  RUN_DIR=$main RUN_SAVE_BASELINE=$save
  log::info "baseline: run $RUN_BASELINE_RUNS of $RUN_BASELINE_RUNS"
}

# framework::_not_run_report MESSAGE: the target never came up; every check is an error saying why.
framework::_not_run_report() {
  local f
  mkdir -p "$RUN_DIR"
  : >"$RUN_DIR/results.jsonl"
  framework::_checks | while read -r f; do basename "$f" .sh; done >"$RUN_DIR/planned.txt"
  while read -r f; do
    runner::_record "$f" "" error "not run: $1" 0 0 false 2
  done <"$RUN_DIR/planned.txt"
  runner::report --summary
}

FRAMEWORK_CLEANED=0
framework::_cleanup() {
  ((FRAMEWORK_CLEANED)) && return 0
  FRAMEWORK_CLEANED=1
  log::info "cleanup: stop-cluster"
  framework::_hook stop_cluster || log::warn "cleanup: stop-cluster reported a problem"
}

framework::_on_signal() {
  local sig=$1 code=$2
  trap '' INT TERM
  log::warn "$sig received: stopping running checks, keeping the report, cleaning up"
  runner::interrupt "$sig"
  [[ -n "${RUN_DIR:-}" && -f "${RUN_DIR}/planned.txt" ]] && runner::report --summary
  framework::_cleanup
  exit "$code"
}

framework::e2e() {
  if ((OPT_DRY_RUN)); then
    printf 'would: start-cluster (%s), deploy, run-tests, stop-cluster\n' "$CC_TARGET_NAME"
    framework::run_tests
    return 0
  fi
  trap 'framework::_on_signal SIGINT 130' INT
  trap 'framework::_on_signal SIGTERM 143' TERM
  util::trap_add framework::_cleanup EXIT
  local rc=0 start
  start=$(util::now)
  if ! (framework::_hook start_cluster); then
    framework::_not_run_report "start-cluster failed (see the log above)"
    framework::_cleanup
    return 1
  fi
  if ! (framework::_hook deploy); then
    framework::_not_run_report "deploy failed (see the log above)"
    framework::_cleanup
    return 1
  fi
  framework::run_tests || rc=$?
  framework::_cleanup
  log::info "$FRAMEWORK_NAME e2e finished in $(util::elapsed "$start")s; report: $RUN_DIR/junit.xml"
  return "$rc"
}

framework::main() {
  (($# == 0)) || [[ -n "$1" ]] || log::die "unknown command '' (see: $0 help)"
  local cmd=${1:-help}
  (($#)) && shift
  framework::_parse "$@"
  [[ "$cmd" == run-test || ${#ARGS[@]} -eq 0 ]] || log::die "$cmd takes no arguments, got '${ARGS[*]}' (see: $0 help)"
  case $cmd in
    help | -h | --help) framework::usage; return 0 ;;
    list-tests)
      local f
      while read -r f; do
        printf '%-36s %s\n' "$(basename "$f" .sh)" "$(sed -n 's/^# Check: //p' "$f" | head -n 1)"
      done < <(RUN_FILTER=$OPT_FILTER framework::_checks)
      return 0 ;;
  esac
  framework::load_config
  case $cmd in
    e2e) framework::e2e ;;
    start-cluster) ((OPT_DRY_RUN)) && { echo "would start $CC_TARGET_NAME"; return 0; }; framework::_hook start_cluster ;;
    deploy) ((OPT_DRY_RUN)) && { echo "would deploy"; return 0; }; framework::_hook deploy ;;
    stop-cluster) ((OPT_DRY_RUN)) && { echo "would stop $CC_TARGET_NAME"; return 0; }; framework::_hook stop_cluster ;;
    status) framework::_hook status ;;
    run-tests)
      trap 'framework::_on_signal SIGINT 130' INT
      trap 'framework::_on_signal SIGTERM 143' TERM
      framework::run_tests ;;
    run-test)
      [[ ${#ARGS[@]} -eq 1 ]] || log::die "run-test needs exactly one check name (see: $0 list-tests)"
      [[ "${ARGS[0]}" =~ ^[a-z0-9-]+$ ]] || log::die "run-test: '${ARGS[0]}' is not a check name"
      RUN_FILTER="^${ARGS[0]}\$"
      trap 'framework::_on_signal SIGINT 130' INT
      trap 'framework::_on_signal SIGTERM 143' TERM
      framework::run_tests ;;
    *)
      if [[ "$cmd" =~ ^[a-z][a-z-]*$ ]] && declare -F "framework::cmd_${cmd//-/_}" >/dev/null; then
        "framework::cmd_${cmd//-/_}"
      else
        log::die "unknown command '$cmd' (see: $0 help)"
      fi ;;
  esac
}
