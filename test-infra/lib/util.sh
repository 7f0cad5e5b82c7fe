#!/usr/bin/env bash
# Small shared helpers: composable traps, bounded waits, stopping a process by PID, JSON strings.

# util::trap_add CMD SIGNAL...: add CMD to what runs on SIGNAL (most recent first) instead of
# replacing the trap, so a library and its caller can both clean up.
util::trap_add() {
  local cmd=$1 sig; shift
  for sig in "$@"; do
    eval "UTIL_TRAPS_${sig}=(\"\$cmd\" \"\${UTIL_TRAPS_${sig}[@]}\")"
    # shellcheck disable=SC2064
    trap "util::_run_traps $sig" "$sig"
  done
}

util::_run_traps() {
  local list="UTIL_TRAPS_$1[@]" cmd
  for cmd in "${!list}"; do
    eval "$cmd" || true
  done
}

# util::wait_for TIMEOUT_S DESCRIPTION CMD...: run CMD every half second until it succeeds.
util::wait_for() {
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log::error "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.5
  done
  log::debug "ready: $what"
}

# util::stop_pid PID [GRACE_S]: TERM, wait up to GRACE_S, then KILL. Only ever a PID we started.
util::stop_pid() {
  local pid=$1 grace=${2:-10} i
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

# util::json_str VALUE: VALUE as a JSON string literal (quotes included).
util::json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  s=$(printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037')
  printf '"%s"' "$s"
}

# util::now / util::elapsed START: wall-clock seconds, millisecond precision.
util::now() { date +%s.%N; }
util::elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }

# util::registry_host URL: host:port of a registry URL (what image references start with).
util::registry_host() { local u=${1#*://}; printf '%s\n' "${u%%/*}"; }

# util::registry_login FILE URL USER PASSWORD: a podman/docker login file (mode 600) for the registry,
# so that no password is on a command line.
util::registry_login() {
  (
    umask 077
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$(util::registry_host "$2")" "$(printf '%s:%s' "$3" "$4" | base64 -w0)" >"$1"
  )
}

# util::version_ge VERSION MINIMUM: true when VERSION (dotted, "22.05.8", "4.2.2rc2") is at least MINIMUM.
util::version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" == "$2" ]]; }

# util::header SCRIPT: the script's header comment (its usage), without the comment marks.
util::header() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$1"; }

# util::help_if_asked SCRIPT "$@": with -h or --help first, print SCRIPT's header comment and exit 0.
util::help_if_asked() {
  case ${2:-} in
    -h | --help) util::header "$1"; exit 0 ;;
  esac
}

# util::no_args SCRIPT "$@": a script that takes no arguments - --help prints its header comment,
# anything else is one line and exit 2.
util::no_args() {
  local script=$1; shift
  util::help_if_asked "$script" "$@"
  case ${1:-} in
    '') return 0 ;;
    *) log::die "$(basename "$script"): takes no arguments, got '$*' (see: $script --help)" ;;
  esac
}

# util::creatable_dir DIR: DIR exists as a writable directory, or its nearest existing ancestor is one
# that a directory can be made in (not /proc or /sys); prints that ancestor. Creates nothing.
util::creatable_dir() {
  local dir=$1
  [[ "$dir" == /* ]] || dir=$PWD/$dir
  while [[ ! -e "$dir" ]]; do dir=$(dirname "$dir"); done
  printf '%s\n' "$dir"
  [[ -d "$dir" && -w "$dir" ]] || return 1
  case $dir in /proc | /proc/* | /sys | /sys/*) return 1 ;; esac
}

# util::history_file TARGET [CONFIGURED]: the per-target metrics history (config runner.history_file,
# else reports/history/TARGET.jsonl) - one default for the frameworks and run-all-clusters.
util::history_file() { printf '%s' "${2:-$CC_ROOT/reports/history/$1.jsonl}"; }
