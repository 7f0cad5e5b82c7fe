#!/usr/bin/env bats
# The sourced shell library: logging, traps, waits, JSON strings, process stopping.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  source "$ROOT/test-infra/lib/init.sh"
}

@test "log lines carry no colour when NO_COLOR is set or stderr is not a TTY" {
  run bash -c 'source "$1/test-infra/lib/init.sh"; NO_COLOR=1 log::error boom' _ "$ROOT"
  [[ "$output" == *"ERROR boom"* ]]
  [[ "$output" != *$'\033'* ]]
}

@test "debug lines only with CC_VERBOSE=1" {
  run bash -c 'source "$1/test-infra/lib/init.sh"; log::debug hidden; CC_VERBOSE=1 log::debug shown' _ "$ROOT"
  [[ "$output" != *hidden* ]]
  [[ "$output" == *shown* ]]
}

@test "log::die prints one line and exits 2" {
  run bash -c 'source "$1/test-infra/lib/init.sh"; log::die "config: bad key"; echo after' _ "$ROOT"
  [ "$status" -eq 2 ]
  [[ "$output" == *"config: bad key"* && "$output" != *after* ]]
}

@test "trap_add composes cleanups, most recent first, even with quotes" {
  run bash -c 'source "$1/test-infra/lib/init.sh"; util::trap_add "echo \"first'"'"'s\"" EXIT; util::trap_add "echo second" EXIT; true' _ "$ROOT"
  [ "$output" = "$(printf "second\nfirst's")" ]
}

@test "cleanup traps run when a script is killed by SIGTERM" {
  marker=$BATS_TEST_TMPDIR/cleaned
  ready=$BATS_TEST_TMPDIR/ready
  bash -c 'source "$1/test-infra/lib/init.sh"; util::trap_add "touch $2" EXIT; util::trap_add "exit 143" TERM; touch "$3"; sleep 30 & wait' _ "$ROOT" "$marker" "$ready" &
  pid=$!
  # Signalled once its traps are in place (a ready file, not a guess at how long a busy machine takes).
  util::wait_for 60 "the traps to be set" test -e "$ready"
  kill -TERM "$pid"
  wait "$pid" || true
  [ -e "$marker" ]
}

@test "wait_for returns once the condition holds and fails after its timeout" {
  f=$BATS_TEST_TMPDIR/flag
  (sleep 1; touch "$f") &
  # A generous limit: wait_for returns as soon as the file is there, however busy the machine is.
  util::wait_for 60 "flag file" test -e "$f"
  run util::wait_for 1 "never" false
  [ "$status" -eq 1 ]
  [[ "$output" == *"timed out after 1s waiting for never"* ]]
}

@test "util::json_str escapes quotes, backslashes, newlines and control characters" {
  s=$(util::json_str $'a"b\\c\nd\te\001')
  python3 -c 'import json,sys; assert json.loads(sys.argv[1]) == "a\"b\\c\nd\te", sys.argv[1]' "$s"
}

@test "stop_pid terminates, then kills a process that ignores TERM" {
  python3 -c 'import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
open(sys.argv[1], "w").close()
time.sleep(30)' "$BATS_TEST_TMPDIR/ready" &
  pid=$!
  for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/ready" ] && break; sleep 0.05; done
  SECONDS=0
  util::stop_pid "$pid" 1
  # gone, or a zombie (killed; bats reaps it only when the test ends)
  [[ "$(ps -o stat= -p "$pid")" =~ ^(Z.*)?$ ]]
  # Reference: the process would have lived 30 s; stopping took the 1 s grace period plus the KILL.
  [ "$SECONDS" -lt 20 ]
}

@test "framework help and bad options" {
  run "$ROOT/frameworks/test-cloud-vm-framework.sh" help
  [ "$status" -eq 0 ]
  [[ "$output" == *"run-test NAME"* && "$output" == *"--retries N"* ]]
  run "$ROOT/frameworks/test-cloud-vm-framework.sh" run-tests --bogus
  [ "$status" -eq 2 ]
  run "$ROOT/frameworks/test-cloud-vm-framework.sh" list-tests
  [ "$(wc -l <<<"$output")" -eq 17 ]
  run "$ROOT/frameworks/test-cloud-vm-framework.sh" run-test 'x;rm'
  [ "$status" -eq 2 ]
}

@test "dry run lists the checks and creates nothing" {
  run "$ROOT/frameworks/test-cloud-vm-framework.sh" e2e --dry-run --report-dir "$BATS_TEST_TMPDIR/r"
  [ "$status" -eq 0 ]
  [[ "$output" == *"would run 17 check(s)"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/r" ]
}
