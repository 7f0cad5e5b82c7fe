#!/usr/bin/env bats
# The SLURM helpers' parsing, on srun output recorded on the local multi-node cluster: which node failed
# an MPI step, and what each node answered a node-health probe.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  source "$ROOT/test-infra/checks/check.sh"
  source "$ROOT/test-infra/checks/slurm.sh"
  source "$ROOT/test-infra/checks/node-health.sh"
}

@test "step_failure names the node whose ranks died and the error they printed" {
  SRUN_OUTPUT='  File "/work/jobs/mpi_allreduce.py", line 4, in <module>
    from mpi4py import MPI
ImportError: /lib/x86_64-linux-gnu/libmpi.so.40: invalid ELF header
srun: error: cc-cn02: tasks 2-3: Exited with exit code 1
srun: launch/slurm: _step_signal: Terminating StepId=102.0
slurmstepd-cc-cn01: error: *** STEP 102.0 ON cc-cn01 CANCELLED AT 2026-11-30T22:27:13 ***
srun: error: cc-cn01: tasks 0-1: Terminated'
  [ "$(slurm::step_failure)" = "cc-cn02: tasks 2-3: Exited with exit code 1 (ImportError: /lib/x86_64-linux-gnu/libmpi.so.40: invalid ELF header)" ]
  SRUN_OUTPUT='srun: error: Unable to allocate resources: Requested node configuration is not available'
  [ "$(slurm::step_failure)" = "$SRUN_OUTPUT" ]
}

@test "node-health answers are filed per node; a node that did not answer is a failure naming it" {
  HEALTH_NODES=(cc-cn01 cc-cn02 cc-cn03)
  node_health::_parse '@ cc-cn01 writable=yes free_mib=900
@ cc-cn02 writable=yes free_mib=20
@ cc-cn02 second line
srun: error: cc-cn03: task 2: Exited with exit code 1'
  [ "${HEALTH_VALUE[cc-cn01]}" = "writable=yes free_mib=900" ]
  [ "${HEALTH_VALUE[cc-cn02]}" = "writable=yes free_mib=20 | second line" ]
  [ -z "${HEALTH_VALUE[cc-cn03]+x}" ]
  HEALTH_MISSING[cc-cn03]="no answer through SLURM: srun: error: cc-cn03: task 2: Exited with exit code 1"
  judge() { [[ "$2" == *free_mib=900* ]] || check::note_failure "$1: too little"; }
  node_health::each judge
  [ "${#CHECK_FAILURES[@]}" -eq 2 ]
  [ "${CHECK_FAILURES[0]}" = "cc-cn02: too little" ]
  [[ "${CHECK_FAILURES[1]}" == "cc-cn03: no answer through SLURM: "*"cc-cn03: task 2"* ]]
}

@test "every job carries NVLink multicast off when it is set here, on top of the site's SLURM_EXPORT_ENV" {
  unset NCCL_NVLS_ENABLE TORCH_SYMM_MEM_DISABLE_MULTICAST NVSHMEM_DISABLE_NVLS SLURM_EXPORT_ENV
  [ -z "$(slurm::export_opt)" ]
  export NCCL_NVLS_ENABLE=0 NVSHMEM_DISABLE_NVLS=1
  [ "$(slurm::export_opt)" = "--export=ALL,NCCL_NVLS_ENABLE=0,NVSHMEM_DISABLE_NVLS=1" ]
  export TORCH_SYMM_MEM_DISABLE_MULTICAST=1 SLURM_EXPORT_ENV=NONE
  [ "$(slurm::export_opt)" = "--export=NONE,NCCL_NVLS_ENABLE=0,TORCH_SYMM_MEM_DISABLE_MULTICAST=1,NVSHMEM_DISABLE_NVLS=1" ]
  # srun and sbatch get it: a stand-in srun records its arguments
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s/srun.args"\n' "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/bin/srun"
  chmod +x "$BATS_TEST_TMPDIR/bin/srun"
  SLURM_PREFLIGHT_DONE=1 PATH=$BATS_TEST_TMPDIR/bin:$PATH CC_ARTIFACT_DIR=$BATS_TEST_TMPDIR CC_HPC_SLURM_PARTITION=p SLURM_TIMEOUT=5 SLURM_BUSY_WAIT=5 slurm::srun -n 2 hostname
  grep -qx -- "--export=NONE,NCCL_NVLS_ENABLE=0,TORCH_SYMM_MEM_DISABLE_MULTICAST=1,NVSHMEM_DISABLE_NVLS=1" "$BATS_TEST_TMPDIR/srun.args"
}

# busy_snapshot: the run's capacity as a busy cluster shows it - cc-cn01 running a user's exclusive
# job, cc-cn02 idle, two users' 2-node jobs of higher priority pending for both (issue 38).
busy_snapshot() {
  export CC_RUN_DIR=$BATS_TEST_TMPDIR/run CC_ARTIFACT_DIR=$BATS_TEST_TMPDIR/run/artifacts/check-x CC_HPC_SLURM_PARTITION=gpu
  mkdir -p "$CC_ARTIFACT_DIR"
  printf '%s\n' $'taken\t10:00:00' $'node\tcc-cn01\tallocated' $'node\tcc-cn02\tidle' \
    $'running\t83\talice\tcc-cn01\t14:40' $'pending\t84\tbob\t2\tResources\t' $'pending\t85\tbob\t2\tPriority\t' \
    >"$BATS_TEST_TMPDIR/run/slurm-capacity.tsv"
}

@test "capacity: a job that needs nodes the users' jobs hold is refused at once, naming the jobs" {
  busy_snapshot
  run slurm_capacity::admit 1
  [ "$status" -eq 1 ]
  slurm_capacity::admit 1 || true
  [ "$SLURM_CAPACITY_WHY" = "needs 1 node(s) of partition gpu, 0 free when the run read it (10:00:00, once per run); cc-cn01 allocated: job 83 (alice, 14:40 left); cc-cn02 idle: pending job 84 (bob, 2 node(s), Resources)" ]
  slurm_capacity::node_free cc-cn01 || true
  [ "$SLURM_CAPACITY_WHY" = "needs cc-cn01 of partition gpu, 0 free when the run read it (10:00:00, once per run); cc-cn01 allocated: job 83 (alice, 14:40 left)" ]
  # in a QOS the site has made room: no pre-check (a reservation: the next tests)
  CC_HPC_SLURM_QOS=high slurm_capacity::admit 2
  [ "$(CC_HPC_SLURM_RESERVATION=cc-acceptance CC_HPC_SLURM_QOS=high slurm_capacity::options)" = $'--reservation=cc-acceptance\n--qos=high' ]
  [ -z "$(CC_HPC_SLURM_RESERVATION='' CC_HPC_SLURM_QOS='' slurm_capacity::options)" ]
}

@test "capacity: a pending job planned for one node leaves the other free; an idle cluster admits all" {
  busy_snapshot
  printf '%s\n' $'taken\t10:00:00' $'node\tcc-cn01\tidle' $'node\tcc-cn02\tmixed' $'node\tcc-cn03\tdrained' \
    $'pending\t90\tcarol\t1\tPriority\tcc-cn01' >"$BATS_TEST_TMPDIR/run/slurm-capacity.tsv"
  slurm_capacity::node_free cc-cn02
  run slurm_capacity::node_free cc-cn01
  [ "$status" -eq 1 ]
  slurm_capacity::admit 1
  run slurm_capacity::admit 2
  [ "$status" -eq 1 ]
  # a stand-in for `scontrol show hostnames`, which needs a cluster's configuration
  scontrol() { tr -d '[]' <<<"${3/01-02/01,cc-cn02}" | tr , '\n'; }
  [ "$(slurm_capacity::job_size -N 2 --ntasks-per-node=1)" = "2 " ]
  [ "$(slurm_capacity::job_size -N2 -w 'cc-cn[01-02]')" = "2 cc-cn01,cc-cn02" ]
  [ "$(slurm_capacity::job_size --nodes=3-4)" = "3 " ]
  [ "$(slurm_capacity::job_size -n1)" = "1 " ]
}

@test "capacity: a pending job SLURM expects to start after ours would end leaves its nodes to backfill" {
  busy_snapshot
  printf '%s\n' $'taken\t10:00:00\t1000000' $'node\tcc-cn01\tallocated' $'node\tcc-cn02\tplanned' \
    $'running\t83\talice\tcc-cn01\t14:40' $'pending\t84\tbob\t2\tResources\tcc-cn01,cc-cn02\t1000900' \
    >"$BATS_TEST_TMPDIR/run/slurm-capacity.tsv"
  slurm_capacity::node_free cc-cn02
  run slurm_capacity::admit 2
  [ "$status" -eq 1 ]
  # the same job expected in two minutes: ours would delay it, so it holds cc-cn02
  sed -i 's/1000900$/1000120/' "$BATS_TEST_TMPDIR/run/slurm-capacity.tsv"
  slurm_capacity::node_free cc-cn02 || true
  [[ "$SLURM_CAPACITY_WHY" == *"cc-cn02 planned: pending job 84 (bob, 2 node(s), Resources)" ]]
}

@test "capacity: in a reservation its nodes are the checks', whatever the users' jobs hold; a QOS admits all" {
  busy_snapshot
  echo $'reservation\tcc-acceptance\tcc-cn02' >>"$BATS_TEST_TMPDIR/run/slurm-capacity.tsv"
  export CC_HPC_SLURM_RESERVATION=cc-acceptance
  slurm_capacity::admit 1
  slurm_capacity::node_free cc-cn02
  run slurm_capacity::node_free cc-cn01
  [ "$status" -eq 1 ]
  slurm_capacity::admit 2 || true
  [[ "$SLURM_CAPACITY_WHY" == "needs 2 node(s) of partition gpu, 1 free"*"cc-cn01 allocated: job 83 (alice, 14:40 left); not in reservation cc-acceptance" ]]
  CC_HPC_SLURM_RESERVATION='' CC_HPC_SLURM_QOS=high slurm_capacity::admit 2
}
