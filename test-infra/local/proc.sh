#!/usr/bin/env bash
# Processes of the local stack: each started in its own session (so its children stop with it),
# remembered by PID file, stopped by PID - TERM to the process group, wait, then KILL.
# Sourced by test-infra/local/stack; needs CC_LOCAL_STATE.

proc::pidfile() { printf '%s/pids/%s.pid' "$CC_LOCAL_STATE" "$1"; }
proc::logfile() { printf '%s/logs/%s.log' "$CC_LOCAL_STATE" "$1"; }

# proc::starttime PID: the kernel's start time of PID (clock ticks since boot); fails for a PID that
# is gone or a zombie. With the PID it names one process, whatever PIDs are reused later.
proc::starttime() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) } # after the command name, which may hold spaces
  local -a f
  read -ra f <<<"$stat"
  [[ "${f[0]}" != Z ]] || return 1
  printf '%s\n' "${f[19]}"
}

# proc::remember NAME PID: record PID (and its start time) as the process started under NAME.
proc::remember() {
  mkdir -p "$CC_LOCAL_STATE/pids"
  printf '%s %s\n' "$2" "$(proc::starttime "$2" || echo 0)" >"$(proc::pidfile "$1")"
}

# proc::pid NAME: the PID of the running process we started under NAME; fails when there is none.
proc::pid() {
  local f pid started
  f=$(proc::pidfile "$1")
  [[ -s "$f" ]] || return 1
  read -r pid started <"$f"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ "$(proc::starttime "$pid")" == "${started:-}" ]] || return 1
  printf '%s\n' "$pid"
}

# proc::exec_bare CMD...: exec CMD with every descriptor above 2 closed (call it in a subshell). A daemon
# that keeps one - bats' fd 3, or the pipe bats reads its results from on fd 4 - makes whoever reads
# that pipe wait for the daemon to exit: a test file run alone never finishes.
proc::exec_bare() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) && eval "exec $fd>&-"
  done
  exec "$@"
}

# proc::start NAME CMD...: run CMD detached in a new session, output to the stack's log for NAME.
proc::start() {
  local name=$1; shift
  mkdir -p "$CC_LOCAL_STATE/pids" "$CC_LOCAL_STATE/logs"
  rm -f "$(proc::pidfile "$name")"
  # No inherited stdio or other descriptor: a caller reading a pipe must not wait for daemons. The child
  # becomes CMD only once its PID is on record: a signal whose trap (stack down) runs between the fork
  # and the record would otherwise leave a daemon nobody knows of (a port forward holding its port).
  (proc::_recorded "$name" && proc::exec_bare setsid "$@") </dev/null >>"$(proc::logfile "$name")" 2>&1 &
  proc::remember "$name" "$!"
  log::debug "$name: started pid $!"
}

# proc::_recorded NAME: in the child proc::start forks, wait (5 s at most) until NAME's PID file names
# this process; fails (the child exits) when its starter never recorded it.
proc::_recorded() {
  local i pid _
  for ((i = 0; i < 500; i++)); do
    if read -r pid _ 2>/dev/null <"$(proc::pidfile "$1")" && [[ "$pid" == "$BASHPID" ]]; then return 0; fi
    sleep 0.01
  done
  return 1
}

# proc::stop NAME [GRACE_S]: stop NAME's process group; quiet when it is not running.
proc::stop() {
  local name=$1 grace=${2:-10} pid i
  if pid=$(proc::pid "$name"); then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      kill -0 -- "-$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log::info "$name: stopped (pid $pid)"
  fi
  rm -f "$(proc::pidfile "$name")"
}

# proc::status NAME: "NAME up (pid N)" or "NAME down" for a process we started; fails when it is down.
proc::status() {
  local pid
  if pid=$(proc::pid "$1"); then
    printf '%-12s up    (pid %s)\n' "$1" "$pid"
  else
    printf '%-12s down\n' "$1"
    return 1
  fi
}

# proc::port_open PORT: something listens on 127.0.0.1:PORT.
proc::port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# proc::require_free_port PORT WHAT: die with the port's name when another process holds it.
proc::require_free_port() {
  if proc::port_open "$1"; then
    log::die "stack: port $1 on 127.0.0.1 ($2) is already in use by another process; free it or change the port in the config" 1
  fi
}

# proc::wait_http URL WHAT TIMEOUT_S [NAME]: until URL answers 2xx; with NAME, give up at once when
# the process started under NAME has exited (its log says why) instead of waiting out the timeout.
proc::wait_http() {
  util::wait_for "$3" "$2 at $1" proc::_answers "$1" "${4:-}"
}

# proc::wait_until NAME WHAT TIMEOUT_S CMD...: until CMD succeeds; give up at once when the process
# started under NAME has exited (its log's last line says why).
proc::wait_until() {
  local name=$1 what=$2 timeout=$3
  shift 3
  util::wait_for "$timeout" "$what" proc::_ready "$name" "$@"
}

proc::_ready() {
  local name=$1
  shift
  "$@" && return 0
  if ! proc::pid "$name" >/dev/null; then
    log::error "$name exited while starting: $(tail -n 1 "$(proc::logfile "$name")" | cut -c1-300)"
    exit 1
  fi
  return 1
}

proc::_answers() {
  curl -sf -o /dev/null --max-time 2 "$1" && return 0
  if [[ -n "$2" ]] && ! proc::pid "$2" >/dev/null; then
    log::error "$2 exited while starting: $(tail -n 1 "$(proc::logfile "$2")" | cut -c1-300)"
    exit 1
  fi
  return 1
}

# proc::load_config VAR WHAT: source the stack config's exported values once; die naming WHAT when the
# config lacks the section that sets VAR (a config that does not describe that part of the stack).
proc::load_config() {
  proc::source_config
  [[ -n "${!1:-}" ]] || log::die "stack: $CC_STACK_CONFIG does not describe $2"
}

# proc::source_config: the stack config's exported values, sourced once.
proc::source_config() {
  if [[ -z "${CC_CONFIG_FILE:-}" || "$CC_CONFIG_FILE" != "$CC_STACK_CONFIG" ]]; then
    local env
    env=$(mktemp)
    clustercheck config export "$CC_STACK_CONFIG" -o "$env" || { rm -f "$env"; exit 2; }
    # shellcheck source=/dev/null
    source "$env"
    rm -f "$env"
  fi
}

# proc::host_port_into NAME ADDRESS PORT NETNS...: this host's service on 127.0.0.1:PORT answers on
# 127.0.0.1:PORT inside each network namespace NETNS too (a cluster node's, as a cluster's nodes reach
# its services): socat, started as NAME, listens on ADDRESS (the nodes' bridge, on this host) and
# forwards to the loopback; in each namespace, loopback connections to PORT are sent to ADDRESS.
proc::host_port_into() {
  local name=$1 address=$2 port=$3 ns
  shift 3
  proc::pid "$name" >/dev/null ||
    proc::start "$name" socat "TCP-LISTEN:$port,bind=$address,fork,reuseaddr" "TCP:127.0.0.1:$port"
  for ns in "$@"; do
    # shellcheck disable=SC2016 # expanded by the namespace's shell
    nsenter --net="/run/netns/$ns" sh -c '
      sysctl -qw net.ipv4.conf.all.route_localnet=1 &&
      { iptables -t nat -C OUTPUT -d 127.0.0.1 -p tcp --dport "$1" -j DNAT --to-destination "$2:$1" 2>/dev/null ||
        iptables -t nat -A OUTPUT -d 127.0.0.1 -p tcp --dport "$1" -j DNAT --to-destination "$2:$1"; } &&
      { iptables -t nat -C POSTROUTING -o eth0 -s 127.0.0.0/8 -j MASQUERADE 2>/dev/null ||
        iptables -t nat -A POSTROUTING -o eth0 -s 127.0.0.0/8 -j MASQUERADE; }' sh "$port" "$address" ||
      log::die "stack: cannot forward port $port into $ns (iptables in its network namespace)" 1
  done
}
