#!/usr/bin/env bats
# The HPC side of the local target: `stack up|down hpc` (MUNGE, slurmctld, slurmd with two GRES GPUs),
# the six SLURM checks passing on it and each failing on a broken cluster, and no target -> skipped.
load helpers

FW=$ROOT/frameworks/test-multi-cluster-framework.sh
STACK=$ROOT/test-infra/local/stack
export SLURM_CONF=$ROOT/.local-target/hpc/etc/slurm.conf

setup_file() {
  "$STACK" up hpc >&3 2>&1
}

teardown_file() {
  "$STACK" down hpc >&3 2>&1 || true
}

# stop_daemon NAME: end one of the stack's SLURM/MUNGE daemons abruptly, by the PID the stack keeps.
stop_daemon() {
  local pid started
  read -r pid started <"$ROOT/.local-target/pids/$1.pid"
  kill -KILL -- "-$pid"
  while [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do sleep 0.1; done
}

wait_idle() {
  for _ in $(seq 60); do
    [ "$(sinfo -h -N -o '%T')" = idle ] && return 0
    sleep 0.5
  done
  return 1
}

@test "stack up hpc twice keeps the daemons; the node is idle with two GPUs" {
  before=$(cat "$ROOT"/.local-target/pids/{munged,slurmctld,slurmd}.pid)
  run "$STACK" up hpc
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$ROOT"/.local-target/pids/{munged,slurmctld,slurmd}.pid)" = "$before" ]
  run "$STACK" status hpc
  [ "$status" -eq 0 ]
  [ "$(sinfo -h -N -o '%T %G')" = "idle gpu:2" ]
}

@test "the SLURM checks pass on the local cluster" {
  report=$BATS_TEST_TMPDIR/report
  run "$FW" run-tests --suite hpc-slurm --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"multi-cluster: 6 passed, 0 failed, 0 errors, 0 skipped of 6"* ]]
  xmllint --noout --schema "$ROOT/tests/fixtures/junit.xsd" "$report/junit.xml"
  # Nothing left behind: no job, no job directory.
  [ -z "$(squeue -h)" ]
  [ -z "$(ls -A "$ROOT/.local-target/hpc/jobs")" ]
}

@test "munged stopped: the MUNGE check fails, and so does the controller check" {
  ON_TEARDOWN=("\"$STACK\" up hpc")
  stop_daemon munged
  expect_fail check-munge-auth
  [[ "$output" == *"munge could not issue a credential"* ]]
  expect_fail check-slurm-controller
  "$STACK" up hpc
  expect_pass check-munge-auth
}

@test "slurmctld stopped: the controller check fails" {
  ON_TEARDOWN=("\"$STACK\" up hpc")
  stop_daemon slurmctld
  expect_fail check-slurm-controller
  [[ "$output" == *"slurmctld does not answer"* ]]
}

@test "node drained: controller, srun and sbatch fail within the job timeout" {
  ON_TEARDOWN=("scontrol update nodename=localhost state=resume" "wait_idle")
  scontrol update nodename=localhost state=drain reason=clustercheck-test
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.job_timeout_s=4
  expect_fail check-slurm-controller "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"not usable: localhost is drained"* ]]
  expect_fail check-slurm-srun "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"srun failed"* ]]
  expect_fail check-slurm-sbatch "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"did not finish within 4s: PENDING"* ]]
  [ -z "$(squeue -h)" ]
}

@test "fewer GPUs on the node than the target promises: the GRES allocation check fails" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.slurm.gpus_per_node=3
  expect_fail check-slurm-gres-allocation "$BATS_TEST_TMPDIR/c.yaml"
  [[ "$output" == *"a job asking for gpu:3 on localhost was refused"* ]]
}

@test "GRES counted without device files: the isolation check fails" {
  ON_TEARDOWN=("\"$STACK\" down hpc" "\"$STACK\" up hpc")
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc.local.gres_device_files=false
  "$STACK" down hpc
  CC_STACK_CONFIG=$BATS_TEST_TMPDIR/c.yaml "$STACK" up hpc
  expect_fail check-slurm-gres-isolation
  [[ "$output" == *"was given no device (CUDA_VISIBLE_DEVICES unset"* ]]
  [ -f "$ROOT/.local-target/hpc/dev/gpu0" ] && [ ! -c "$ROOT/.local-target/hpc/dev/gpu0" ]
  [ -z "$(squeue -h)" ]
}

@test "no hpc section: every SLURM check and scenario is skipped with the reason, exit 0" {
  target_config "$BATS_TEST_TMPDIR/c.yaml" hpc="<unset>" cloud_vm.hpc_state_file="<unset>" clusters.hpc="<unset>"
  report=$BATS_TEST_TMPDIR/report
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/c.yaml" --report-dir "$report"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"multi-cluster: 0 passed, 0 failed, 0 errors, 13 skipped of 13"* ]]
  grep -q 'needs a SLURM cluster; this target configures none (hpc.slurm)' "$report/junit.xml"
  grep -q 'needs HPC cluster VMs; the cluster YAML (cloud_vm.cli_config) has no clusters.hpc' "$report/junit.xml"
  run "$FW" run-tests --config "$BATS_TEST_TMPDIR/c.yaml" --report-dir "$report" --fail-on-skip
  [ "$status" -eq 1 ]
}

@test "stack down hpc leaves no daemon, port or job behind" {
  ON_TEARDOWN=("\"$STACK\" up hpc")
  pids=$(cat "$ROOT"/.local-target/pids/{munged,slurmctld,slurmd}.pid | awk '{print $1}')
  "$STACK" down hpc
  for pid in $pids; do [ ! -e "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ]; done
  for port in 16817 16818; do ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; done
  [ ! -S "$ROOT/.local-target/hpc/munge/munge.socket" ]
}
