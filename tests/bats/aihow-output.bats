#!/usr/bin/env bats
# The checks' parsing of the cluster CLI's output, on what the real ai-how printed (tests/fixtures/ai-how/cli):
# rich tables for vm status, "Error: ..." messages wrapped at 80 columns.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  REAL=$ROOT/tests/fixtures/ai-how/cli
  source "$ROOT/test-infra/lib/init.sh"
  source "$ROOT/test-infra/checks/cloud-cli.sh"
}

@test "vm status: State and GPU read from ai-how's table" {
  CLI_OUTPUT=$(cat "$REAL/vm-status-cc-local-gpu-worker-01.stdout")
  [ "$(cloud_cli::status_field State)" = running ]
  [ "$(cloud_cli::status_field GPU)" = 0000:65:00.0 ]
  [ "$(cloud_cli::status_field 'IP Address')" = 192.168.213.12 ]
  CLI_OUTPUT=$(cat "$REAL/vm-status-cc-local-gpu-worker-02.stdout")
  [ "$(cloud_cli::status_field State)" = shutoff ]
}

@test "vm status: the reference driver's plain rows read the same way" {
  CLI_OUTPUT=$'VM Status: x\nName         x\nState        shutoff\nGPU          0000:65:00.0 (simulated-h100)'
  [ "$(cloud_cli::status_field State)" = shutoff ]
  [ "$(cloud_cli::status_field GPU)" = "0000:65:00.0 (simulated-h100)" ]
}

@test "a GPU conflict: the wrapped error read as one message naming GPU, owner and VM" {
  CLI_OUTPUT=$(cat "$REAL/vm-start-cc-local-gpu-worker-02.stdout")
  [ "$(cat "$REAL/vm-start-cc-local-gpu-worker-02.exit")" = 1 ]
  [ "$(cloud_cli::error_text)" = "Error: GPU 0000:65:00.0 is currently allocated to cc-local-gpu-worker-01. Stop that VM before starting cc-local-gpu-worker-02." ]
  [ "$(cloud_cli::said)" = "Error: GPU 0000:65:00.0 is currently allocated to cc-local-gpu-worker-01. Stop that VM before starting cc-local-gpu-worker-02." ]
  [ "$(grep -c '^Error:' <<<"$CLI_OUTPUT")" -eq 1 ]
  # without an Error: line, what the CLI said is its last line
  CLI_OUTPUT=$'Starting VM x\nvm start: libvirt refused the domain'
  [ "$(cloud_cli::said)" = "vm start: libvirt refused the domain" ]
}

@test "an unknown VM: exit 1 and an error naming it, for every vm command" {
  for action in start stop restart status; do
    CLI_OUTPUT=$(cat "$REAL/vm-$action-no-such-vm-cc.stdout")
    [ "$(cat "$REAL/vm-$action-no-such-vm-cc.exit")" = 1 ]
    [[ "$(cloud_cli::error_text)" == "Error: VM 'no-such-vm-cc' not found in state"* ]]
  done
}

@test "state file routing: HPC VMs and hpc commands use the HPC cluster's state file" {
  CC_CLOUD_VM_STATE_FILE=/s/cloud-state.json CC_CLOUD_VM_HPC_STATE_FILE=/s/hpc-state.json
  CC_HPC_CLUSTER_VMS_COUNT=1 CC_HPC_CLUSTER_VMS_0_NAME=cc-hpc-compute-01
  [ "$(cloud_cli::state_for hpc start x.yaml)" = /s/hpc-state.json ]
  [ "$(cloud_cli::state_for vm start cc-hpc-compute-01)" = /s/hpc-state.json ]
  [ "$(cloud_cli::state_for vm start cc-local-gpu-worker-01)" = /s/cloud-state.json ]
  [ "$(cloud_cli::state_for cloud destroy x.yaml)" = /s/cloud-state.json ]
}
