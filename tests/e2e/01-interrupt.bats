#!/usr/bin/env bats
# e2e interrupted by a signal leaves no domain, network, volume or daemon it started, and a valid JUnit.
load helpers

@test "SIGTERM during the checks: everything the run started is gone, JUnit valid" {
  "$ROOT/test-infra/local/stack" down libvirt || true
  report=$BATS_TEST_TMPDIR/report
  "$FW" e2e --report-dir "$report" >"$BATS_TEST_TMPDIR/log" 2>&1 &
  pid=$!
  ON_TEARDOWN=("kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true")
  for _ in $(seq 600); do
    grep -q '^\[ 2/17\]' "$BATS_TEST_TMPDIR/log" 2>/dev/null && break
    sleep 0.5
  done
  grep -q '^\[ 2/17\]' "$BATS_TEST_TMPDIR/log" || { cat "$BATS_TEST_TMPDIR/log"; false; }
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$rc" -eq 143 ]
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  [ "$(grep -c '<testcase' "$report/junit.xml")" -eq 17 ]
  grep -q 'interrupted by SIGTERM\|did not run' "$report/junit.xml"
  [ -z "$(pgrep -f 'guest=cc-local-')" ]
  [ -z "$(ip link show ccbr-local 2>/dev/null)" ]
  [ -z "$(ls -A "$ROOT/.local-target/volumes/cc-local" 2>/dev/null)" ]
  [ ! -e "$ROOT/.local-target/pids/libvirtd.pid" ]
  [ -z "$(pgrep -x libvirtd)" ]
}

@test "SIGINT during start-cluster: nothing left either" {
  report=$BATS_TEST_TMPDIR/report
  # Background jobs of a non-interactive shell ignore SIGINT; restore the default for the framework.
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
    "$FW" e2e --report-dir "$report" >"$BATS_TEST_TMPDIR/log" 2>&1 &
  pid=$!
  # should an assertion fail before the interrupt, the run still ends (and cleans up) with the test
  ON_TEARDOWN=("kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true")
  for _ in $(seq 600); do
    grep -q 'cloud start: exit 0' "$BATS_TEST_TMPDIR/log" 2>/dev/null && break
    sleep 0.2
  done
  # the interrupt lands mid-run: the run had not ended by itself
  grep -q 'cloud start: exit 0' "$BATS_TEST_TMPDIR/log"
  kill -0 "$pid"
  kill -INT "$pid"
  rc=0
  wait "$pid" || rc=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$rc" -eq 130 ]
  grep -q 'SIGINT received: stopping running checks' "$BATS_TEST_TMPDIR/log"
  [ -z "$(pgrep -f 'guest=cc-local-')" ]
  [ -z "$(ip link show ccbr-local 2>/dev/null)" ]
  [ -z "$(pgrep -x libvirtd)" ]
}
