#!/usr/bin/env bash
# What a check sources: the config, its artifact directory, verdict and metric helpers.
# Exit codes (the check contract): 0 passed, 1 failed, 2 error (could not judge), 77 skipped.
# The verdict line (the last PASS:/FAIL:/SKIP:/ERROR: line, else the last line) is the JUnit message.
# shellcheck source=test-infra/lib/init.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/init.sh"

CHECK_FAILURES=()

# check::init: load the exported config. A check run by hand exports it itself.
check::init() {
  if [[ -z "${CC_CONFIG_ENV:-}" ]]; then
    local cfg=${CC_CONFIG:-$CC_ROOT/test-infra/configs/local.yaml} tmp
    tmp=$(mktemp -d)
    util::trap_add "rm -rf '$tmp'" EXIT
    clustercheck config export "$cfg" -o "$tmp/config.env" || exit 2
    CC_CONFIG_ENV=$tmp/config.env
    CC_ARTIFACT_DIR=${CC_ARTIFACT_DIR:-$tmp/artifacts}
  fi
  # shellcheck source=/dev/null
  source "$CC_CONFIG_ENV"
  CC_ARTIFACT_DIR=${CC_ARTIFACT_DIR:-$(mktemp -d)}
  mkdir -p "$CC_ARTIFACT_DIR"
  CC_CHECK_NAME=${CC_CHECK_NAME:-$(basename "$0" .sh)}
}

# check::exit_on_signals: SIGTERM and SIGINT end the check through its EXIT traps (its clean-up), also
# while it waits for a command; later signals are ignored so that they cannot cut the clean-up short
# (an interrupt reaches a check twice: from the runner and from `timeout`, which passes it on).
check::exit_on_signals() {
  util::trap_add "trap '' TERM INT; exit 143" TERM
  util::trap_add "trap '' TERM INT; exit 130" INT
}

check::pass() { printf 'PASS: %s\n' "${1:-ok}"; exit 0; }
check::fail() { printf 'FAIL: %s\n' "$1"; exit 1; }
check::error() { printf 'ERROR: %s\n' "$1"; exit 2; }
check::skip() { printf 'SKIP: %s\n' "$1"; exit 77; }

# check::expect DESCRIPTION CMD...: run CMD; on failure remember DESCRIPTION and go on.
check::expect() {
  local what=$1; shift
  if "$@"; then
    log::ok "$what"
  else
    log::error "not met: $what"
    CHECK_FAILURES+=("$what")
  fi
}

# check::expect_eq DESCRIPTION ACTUAL EXPECTED
check::expect_eq() {
  if [[ "$2" == "$3" ]]; then
    log::ok "$1: $2"
  else
    log::error "$1: got '$2', expected '$3'"
    CHECK_FAILURES+=("$1: got '$2', expected '$3'")
  fi
}

# check::lacks PATTERN TEXT: true when TEXT has no line matching PATTERN.
check::lacks() { ! grep -q -- "$1" <<<"$2"; }

# check::_number TEXT: TEXT is a finite decimal number (awk would compare "", "nan" or "None" as text).
check::_number() { [[ "$1" =~ ^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]]; }

# check::note_failure MESSAGE: record a failure found by the check's own logic.
check::note_failure() {
  log::error "$1"
  CHECK_FAILURES+=("$1")
}

# check::finish PASS_MESSAGE: fail with every recorded failure, or pass.
check::finish() {
  local n=${#CHECK_FAILURES[@]}
  if ((n == 0)); then
    check::pass "$1"
  fi
  local joined
  joined=$(printf '%s; ' "${CHECK_FAILURES[@]}")
  check::fail "$n problem(s): ${joined%; }"
}

# check::objective NAME VALUE UNIT OP KEY: record a metric judged against the threshold the target config
# sets at KEY (inference.objectives.p95_ms): the helper reads it from the config it loaded and judges it
# (report/records.py), so the check never compares a copy of it. Returns 1 when it is missed (recorded
# as a failure); a value that is not a number, or an objective the config does not set, is an error.
check::objective() {
  local out rc=0
  out=$(clustercheck record metric "$CC_ARTIFACT_DIR/metrics.jsonl" --config "$CC_CONFIG_FILE" --name "$1" \
    --value "$2" --unit "$3" --op "$4" --objective "$5" 2>&1) || rc=$?
  out=${out#clustercheck: }
  case $rc in
    0) log::ok "$out" ;;
    1) check::note_failure "$out"; return 1 ;;
    *) check::error "$out" ;;
  esac
}

# check::metric NAME VALUE UNIT [OP THRESHOLD]: record a metric into the artifact directory
# (JUnit properties, JSON report). With OP (<=, <, >=, >) the value is judged; returns 1 when the
# threshold is missed and records that as a failure. Prints "name 412 ms <= 500 ms: ok". A value or
# threshold to judge that is not a number (empty, nan, None: nothing was measured) is an error naming
# the metric, never a pass.
check::metric() {
  local name=$1 value=$2 unit=$3 op=${4:-} threshold=${5:-} verdict=
  if [[ -n "$op" ]]; then
    check::_number "$value" || check::error "metric $name: got '$value', not a number: $op $threshold $unit cannot be judged"
    check::_number "$threshold" || check::error "metric $name: the objective '$op $threshold' is not a number"
    if awk -v v="$value" -v t="$threshold" -v op="$op" 'BEGIN {
        v += 0; t += 0
        ok = (op == "<=") ? v <= t : (op == "<") ? v < t : (op == ">=") ? v >= t : (op == ">") ? v > t : 0
        exit ok ? 0 : 1 }'; then
      verdict=ok
    else
      verdict=missed
    fi
  fi
  printf '{"name":%s,"value":%s,"unit":%s,"op":%s,"threshold":%s,"verdict":%s}\n' \
    "$(util::json_str "$name")" "$(util::json_str "$value")" "$(util::json_str "$unit")" "$(util::json_str "$op")" \
    "$(util::json_str "$threshold")" "$(util::json_str "$verdict")" >>"$CC_ARTIFACT_DIR/metrics.jsonl"
  if [[ -z "$op" ]]; then
    log::info "metric $name $value $unit"
  elif [[ "$verdict" == ok ]]; then
    log::ok "$name $value $unit $op $threshold $unit: ok"
  else
    check::note_failure "$name $value $unit, objective $op $threshold $unit: missed"
    return 1
  fi
}
