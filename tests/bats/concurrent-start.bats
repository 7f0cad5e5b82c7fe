#!/usr/bin/env bats
# gpu::start_together: the sharers started at one moment while a watcher reads the state files; the
# watcher's status is written whatever it finds (a state file read mid-write must reach the check).

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  export PATH="$ROOT/.venv/bin:$PATH" NO_COLOR=1
  source "$ROOT/test-infra/checks/check.sh"
  source "$ROOT/test-infra/checks/cloud-cli.sh"
  source "$ROOT/test-infra/checks/gpu.sh"
  CC_CLOUD_VM_STATE_FILE=$BATS_TEST_TMPDIR/cloud-state.json
  echo '{"worker_nodes": []}' >"$CC_CLOUD_VM_STATE_FILE"
  echo '{"shared_resources": {"gpu_allocations": {}}}' >"$BATS_TEST_TMPDIR/global-state.json"
}

# A CLI whose start leaves global-state.json half-written for a moment, as a writer without an atomic
# rename does (the real ai-how was caught that way: "Expecting value: line 1 column 1").
half_writing_start() {
  local g=$BATS_TEST_TMPDIR/global-state.json
  printf '{"shared_resources": {"gpu_all' >"$g"
  sleep 0.5
  echo '{"shared_resources": {"gpu_allocations": {}}}' >"$g"
  CLI_OUTPUT="started $3" CLI_RC=0
}

@test "a state file read half-written: the watcher fails and says so, its status written" {
  cloud_cli::run() { half_writing_start "$@"; }
  gpu::start_together "$BATS_TEST_TMPDIR/round" vm-a vm-b
  [ "$(cat "$BATS_TEST_TMPDIR/round/watch.rc")" = 1 ]
  grep -q "^invalid $BATS_TEST_TMPDIR/global-state.json: " "$BATS_TEST_TMPDIR/round/watch.out"
  [ "$(cat "$BATS_TEST_TMPDIR/round/vm-a.rc")" = 0 ]
}

@test "state files valid throughout: the watcher's status is 0 with its read count" {
  cloud_cli::run() { sleep 0.3; CLI_OUTPUT="started $3"; }
  gpu::start_together "$BATS_TEST_TMPDIR/round" vm-a vm-b
  [ "$(cat "$BATS_TEST_TMPDIR/round/watch.rc")" = 0 ]
  grep -Eq '^reads [1-9][0-9]*$' "$BATS_TEST_TMPDIR/round/watch.out"
}
