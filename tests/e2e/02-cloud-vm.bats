#!/usr/bin/env bats
# The cloud-VM framework end to end on real QEMU guests: every check passes, only the in-guest GPU
# part is skipped (the local GPU is simulated), and the JUnit file says so.
load helpers

setup_file() {
  "$ROOT/test-infra/local/stack" up libvirt >&3 2>&1
}

teardown_file() {
  stack_release libvirt >&3 2>&1 || true
}

@test "e2e on the local target: 16 passed, gpu-passthrough skipped with the reason" {
  report=$BATS_TEST_TMPDIR/report
  e2e_passes "$report"
  grep -q '<testsuites name="cloud-vm" tests="17" failures="0" errors="0"' "$report/junit.xml"
  [ "$(grep -c 'disabled=' "$report/junit.xml")" -eq 0 ]
  [ "$(junit_status "$report/junit.xml" check-vm-gpu-passthrough)" = skipped ]
  grep -q 'skipped type="skipped" message="assignment verified; in-guest visibility needs a real VFIO device and GPU 0000:65:00.0 is simulated"' "$report/junit.xml"
  for c in $("$FW" list-tests | awk '{print $1}' | grep -v gpu-passthrough); do
    [ "$(junit_status "$report/junit.xml" "$c")" = passed ] || { echo "$c not passed"; false; }
  done
  grep -q 'check-vm-lifecycle.metric.cluster_start_s' "$report/junit.xml"
  [ -z "$(virsh_q list --all --name | grep cc-local)" ]
}
