#!/usr/bin/env bats
# The SLURM helpers' parsing, on srun output recorded on the local multi-node cluster: which node failed
# an MPI step, and what each node answered a node-health probe.

setup() {
  ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  source "$ROOT/test-infra/utils/check.sh"
  source "$ROOT/test-infra/utils/slurm-utils.sh"
  source "$ROOT/test-infra/utils/node-health-utils.sh"
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
  health::_parse '@ cc-cn01 writable=yes free_mib=900
@ cc-cn02 writable=yes free_mib=20
@ cc-cn02 second line
srun: error: cc-cn03: task 2: Exited with exit code 1'
  [ "${HEALTH_VALUE[cc-cn01]}" = "writable=yes free_mib=900" ]
  [ "${HEALTH_VALUE[cc-cn02]}" = "writable=yes free_mib=20 | second line" ]
  [ -z "${HEALTH_VALUE[cc-cn03]+x}" ]
  HEALTH_MISSING[cc-cn03]="no answer through SLURM: srun: error: cc-cn03: task 2: Exited with exit code 1"
  judge() { [[ "$2" == *free_mib=900* ]] || check::note_failure "$1: too little"; }
  health::each judge
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
