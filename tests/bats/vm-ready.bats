#!/usr/bin/env bats
# cloud_cli::wait_vm_ready: a guest that answers is ready; one whose domain libvirt shows shut off fails after
# the grace, naming the state; one that runs but never answers fails at the timeout.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  source "$ROOT/test-infra/lib/init.sh"
  source "$ROOT/test-infra/checks/cloud-cli.sh"
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  # virsh -c URI domstate VM: the state written in $BATS_TEST_TMPDIR/state
  printf '#!/bin/sh\ncat "%s/state"\n' "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/bin/virsh"
  chmod +x "$BATS_TEST_TMPDIR/bin/virsh"
  PATH=$BATS_TEST_TMPDIR/bin:$PATH
  export CC_CLOUD_VM_CLUSTER_LIBVIRT_URI=test:///fake CC_VM_GONE_GRACE_S=1
  ANSWERS=no
  cloud_cli::ssh() { [[ "$ANSWERS" == yes ]]; }
}

@test "a guest that answers over SSH is ready" {
  printf 'running\n' >"$BATS_TEST_TMPDIR/state"
  ANSWERS=yes
  run cloud_cli::wait_vm_ready vm-a 5
  [ "$status" -eq 0 ]
}

@test "a domain shut off: fails after the grace, not at the timeout, naming the state" {
  printf 'shut off\n\n' >"$BATS_TEST_TMPDIR/state"
  start=$SECONDS
  run cloud_cli::wait_vm_ready vm-a 60
  [ "$status" -eq 1 ]
  [ $((SECONDS - start)) -le 5 ]
  [[ "$output" == *"VM vm-a will not answer over SSH: libvirt shows its domain shut off"* ]]
}

@test "a running domain that never answers: fails at the timeout" {
  printf 'running\n' >"$BATS_TEST_TMPDIR/state"
  run cloud_cli::wait_vm_ready vm-a 2
  [ "$status" -eq 1 ]
  [[ "$output" == *"timed out after 2s waiting for VM vm-a to answer over SSH"* ]]
}

@test "libvirt not reachable: the state is unknown, so it waits for the timeout" {
  rm -f "$BATS_TEST_TMPDIR/bin/virsh"
  unset CC_CLOUD_VM_CLUSTER_LIBVIRT_URI
  run cloud_cli::wait_vm_ready vm-a 2
  [ "$status" -eq 1 ]
  [[ "$output" == *"timed out after 2s"* ]]
}
