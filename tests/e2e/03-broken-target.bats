#!/usr/bin/env bats
# Every check shown failing on a broken target: a VM missing, wrong memory, the network cut, a volume
# gone, a GPU owned twice or by the wrong VM, and a cluster CLI that misbehaves in one way at a time.
load helpers

setup_file() {
  "$ROOT/test-infra/local/stack" up libvirt >&3 2>&1
  "$FW" start-cluster >&3 2>&1
}

teardown_file() {
  "$FW" stop-cluster >&3 2>&1 || true
  stack_release libvirt >&3 2>&1 || true
}

setup() {
  cp "$STATE" "$BATS_TEST_TMPDIR/state.orig"
  cp "$GLOBAL_STATE" "$BATS_TEST_TMPDIR/global.orig"
}

# A full stop/start through the real CLI puts the cluster back as configured; then until provisioning
# passes (the guests answer), 30 s at most.
restore_cluster() {
  local i
  put_back_state_files
  ai_how cloud stop >/dev/null
  ai_how cloud start >/dev/null
  for i in 1 2 3 4 5; do
    "$FW" run-test check-vm-provisioning --report-dir "$BATS_TEST_TMPDIR/restore-$i" >/dev/null 2>&1 && return 0
    sleep 1
  done
}

# Where a test changed only the state files (and what libvirt runs is as before), putting them back is
# enough; the state-tracking check confirms state and libvirt agree again.
restore_state() {
  put_back_state_files
  expect_pass check-state-tracking
}

put_back_state_files() {
  cp "$BATS_TEST_TMPDIR/state.orig" "$STATE"
  cp "$BATS_TEST_TMPDIR/global.orig" "$GLOBAL_STATE"
}

@test "start-cluster on a running cluster uses it as found; stop-cluster then leaves it running" {
  marker=$ROOT/.local-target/cloud-cluster-found-running
  run "$FW" start-cluster
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"already running: used as found"* && "$output" != *"cloud start:"* ]]
  [ -e "$marker" ]
  run "$FW" stop-cluster
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"left running: start-cluster found it running"* && "$output" != *"cloud destroy:"* ]]
  [ ! -e "$marker" ]
  [ "$(virsh_q domstate cc-local-control-plane)" = running ]
  # a cluster start-cluster started (no marker) is destroyed by stop-cluster: 02's e2e and teardown_file
}

@test "VM missing: provisioning and state-tracking fail" {
  virsh_q destroy cc-local-control-plane
  expect_fail check-vm-provisioning
  [[ "$output" == *"cc-local-control-plane: domain cc-local-control-plane is shut-off, expected running"* ]]
  expect_fail check-state-tracking
  [[ "$output" == *"cc-local-control-plane: state file vs libvirt: got '"* ]]
  restore_cluster
}

@test "wrong memory: provisioning fails naming the VM and both values" {
  virsh_q dumpxml cc-local-control-plane >"$BATS_TEST_TMPDIR/cpu1.xml"
  sed -E 's#<memory unit=.KiB.>[0-9]+</memory>#<memory unit="KiB">163840</memory>#; s#<currentMemory unit=.KiB.>[0-9]+</currentMemory>#<currentMemory unit="KiB">163840</currentMemory>#' \
    "$BATS_TEST_TMPDIR/cpu1.xml" >"$BATS_TEST_TMPDIR/cpu1-small.xml"
  virsh_q destroy cc-local-control-plane
  virsh_q define "$BATS_TEST_TMPDIR/cpu1-small.xml" >/dev/null
  virsh_q start cc-local-control-plane >/dev/null
  expect_fail check-vm-provisioning
  [[ "$output" == *"cc-local-control-plane memory MiB (libvirt): got '160', expected '1024'"* ]]
  virsh_q destroy cc-local-control-plane
  virsh_q define "$BATS_TEST_TMPDIR/cpu1.xml" >/dev/null
  restore_cluster
}

@test "network cut: vm-network fails" {
  mac=$(virsh_q domiflist cc-local-control-plane | awk '{print $5}')
  virsh_q domif-setlink cc-local-control-plane "$mac" down >/dev/null
  expect_fail check-vm-network
  virsh_q domif-setlink cc-local-control-plane "$mac" up >/dev/null
  expect_pass check-vm-network
}

@test "volume gone: vm-storage fails" {
  virsh_q vol-delete --pool cc-local-pool cc-local-gpu-worker-02.qcow2
  expect_fail check-vm-storage
  [[ "$output" == *"cc-local-gpu-worker-02/root: volume"*"is gone from libvirt storage"* ]]
  ai_how cloud start >/dev/null   # recreates missing volumes
  expect_pass check-vm-storage
}

@test "GPU recorded for the wrong VM: passthrough, ownership-tracking, shared-gpu-detection fail" {
  edit_json "$GLOBAL_STATE" 's["shared_resources"]["gpu_allocations"]["0000:65:00.0"] = "cc-local-gpu-worker-02"'
  expect_fail check-vm-gpu-passthrough
  expect_fail check-gpu-ownership-tracking
  expect_fail check-shared-gpu-detection
  restore_state
}

@test "no GPU VM running: gpu-passthrough is skipped naming the VMs, not passed" {
  edit_json "$STATE" 's["worker_nodes"][0]["state"] = "shutoff"'
  run_check check-vm-gpu-passthrough
  [ "$status_of" = skipped ]
  [[ "$output" == *"no GPU VM is running: cc-local-gpu-worker-01 (stopped) cc-local-gpu-worker-02 (stopped)"* ]]
  restore_state
}

@test "GPU owned twice: state-tracking fails" {
  edit_json "$STATE" 's["worker_nodes"][1]["state"] = "running"'
  virsh_q start cc-local-gpu-worker-02 >/dev/null
  expect_fail check-state-tracking
  [[ "$output" == *"no GPU held by two running VMs (held twice: 0000:65:00.0)"* ]]
  virsh_q destroy cc-local-gpu-worker-02 >/dev/null
  restore_state
}

@test "a CLI whose GPU exclusivity fails from the second round on: concurrent-start fails in round 2" {
  cfg=$BATS_TEST_TMPDIR/broken.yaml
  broken_config "$cfg"
  yaml_set "$cfg" cloud_vm.concurrent_rounds=3
  count=$(dirname "$STATE")/.broken-race-later-starts
  ON_TEARDOWN=("rm -f '$count' '$count.lock'")
  BROKEN=race-later expect_fail check-gpu-concurrent-start "$cfg"
  [[ "$output" == *"round 2: VMs whose start succeeded: got 'cc-local-gpu-worker-01 cc-local-gpu-worker-02'"* ]]
  [[ "$output" != *"round 1: "* ]]
  [[ "$output" != *"round 3 of 3"* ]]
  rm -f "$count" "$count.lock"
  restore_cluster
  expect_pass check-gpu-concurrent-start
}

@test "broken CLI: each misbehaviour fails the check that covers it" {
  cfg=$BATS_TEST_TMPDIR/broken.yaml
  broken_config "$cfg"
  # each fails for the misbehaviour it covers, named - not for anything else
  BROKEN=stop-noop expect_fail check-individual-vm-stop "$cfg"
  [[ "$output" == *"domain after stop: got 'running', expected 'shut-off'"* ]]
  BROKEN=stop-noop expect_fail check-vm-gpu-release "$cfg"
  [[ "$output" == *"released after vm stop"* ]]
  BROKEN=start-noop expect_fail check-individual-vm-start "$cfg"
  [[ "$output" == *"domain after start: got 'shut-off', expected 'running'"* ]]
  restore_cluster
  BROKEN=restart-noop expect_fail check-individual-vm-restart "$cfg"
  [[ "$output" == *"rebooted (boot id "* ]]
  BROKEN=status-lies expect_fail check-vm-status-command "$cfg"
  [[ "$output" == *"names its GPU"* ]]
  BROKEN=status-lies expect_fail check-shared-gpu-detection "$cfg"
  [[ "$output" == *"names its GPU"* ]]
  BROKEN=vague-errors expect_fail check-gpu-error-messages "$cfg"
  [[ "$output" == *"conflict message has no traceback"* ]]
  BROKEN=cloud-stop-noop expect_fail check-vm-lifecycle "$cfg"
  [[ "$output" == *"stopped (libvirt: running)"* ]]
  BROKEN=stop-keeps-gpu expect_fail check-gpu-switch-between-vms "$cfg"
  [[ "$output" == *" moved "*" -> "* ]]
  restore_cluster
  BROKEN=no-conflict expect_fail check-gpu-conflict-detection "$cfg"
  [[ "$output" == *"refused while "*" holds "* ]]
  restore_cluster
  expect_pass check-state-tracking
}
