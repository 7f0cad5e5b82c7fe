#!/usr/bin/env bash
# Logging for every clustercheck script: levels, a verbosity switch, colour only on a terminal.
# CC_VERBOSE=1 shows debug lines; NO_COLOR (any value) or a non-TTY stderr turns colour off.

log::_colour() {
  [[ -z "${NO_COLOR:-}" && -t 2 && "${TERM:-dumb}" != dumb ]]
}

log::_emit() {
  local level=$1 colour=$2; shift 2
  local ts
  ts=$(date +%H:%M:%S)
  if log::_colour; then
    printf '%s \033[%sm%-5s\033[0m %s\n' "$ts" "$colour" "$level" "$*" >&2
  else
    printf '%s %-5s %s\n' "$ts" "$level" "$*" >&2
  fi
}

log::debug() { [[ "${CC_VERBOSE:-0}" == 1 ]] && log::_emit DEBUG 2 "$@"; return 0; }
log::info() { log::_emit INFO 36 "$@"; }
log::warn() { log::_emit WARN 33 "$@"; }
log::error() { log::_emit ERROR 31 "$@"; }
log::ok() { log::_emit OK 32 "$@"; }

# log::die MESSAGE [CODE]: one line on stderr, then exit (2 = could not judge / bad input).
log::die() {
  log::error "$1"
  exit "${2:-2}"
}
