#!/usr/bin/env bats
# The local stack's processes (test-infra/local/proc.sh): started in their own session, known by PID
# file, stopped by PID; a start cut short before its PID was recorded leaves no daemon behind.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export CC_LOCAL_STATE=$BATS_TEST_TMPDIR/state
}

@test "a started process is recorded, reported up, and stopped by its PID" {
  run bash -c 'source "$1/test-infra/lib/init.sh"; source "$1/test-infra/local/proc.sh"
    proc::start napper sleep 300; pid=$(proc::pid napper); proc::status napper
    # the child execs the command once it saw its PID recorded: a moment after proc::start returns
    for _ in $(seq 50); do [[ "$(ps -o args= -p "$pid")" != "sleep 300" ]] || break; sleep 0.1; done
    if [[ "$(ps -o args= -p "$pid")" == "sleep 300" ]]; then echo "is sleep"; fi
    proc::stop napper 2; kill -0 "$pid" 2>/dev/null || echo gone' _ "$ROOT"
  [ "$status" -eq 0 ]
  [[ "$output" == *"napper"*"up"*"is sleep"*"gone"* ]]
}

@test "a start whose PID never got recorded (its starter interrupted) exits instead of running on" {
  run bash -c 'source "$1/test-infra/lib/init.sh"; source "$1/test-infra/local/proc.sh"
    proc::remember() { :; } # the starter, cut short by a signal between the fork and the record
    proc::start orphan sleep 301; child=$!
    for _ in $(seq 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$child" 2>/dev/null; then echo "still running"; kill "$child"; fi
    wait "$child"; echo "child exited $?"' _ "$ROOT"
  [ "$status" -eq 0 ]
  [[ "$output" == *"child exited 1"* && "$output" != *"still running"* ]]
}
