#!/usr/bin/env bash
# Check: slurm.conf runs the configured prolog, epilog and diagnosis tool, and on a job's events they
# run: the prolog's record appears, then the epilog's with the job's id, exit code, peak memory and -
# where the node has a GPU and nvidia-smi - GPU use
set -euo pipefail
# shellcheck source=suites/hpc-runtime/job-scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

scontrol show config >"$CC_ARTIFACT_DIR/config.txt" 2>&1 || check::error "scontrol show config failed"
check::expect_eq "slurm.conf Prolog" "$(slurm::setting Prolog "$CC_ARTIFACT_DIR/config.txt")" "$CC_HPC_RUNTIME_JOB_SCRIPTS_PROLOG"
check::expect_eq "slurm.conf Epilog" "$(slurm::setting Epilog "$CC_ARTIFACT_DIR/config.txt")" "$CC_HPC_RUNTIME_JOB_SCRIPTS_EPILOG"
check::expect_eq "slurm.conf EpilogSlurmctld" "$(slurm::setting EpilogSlurmctld "$CC_ARTIFACT_DIR/config.txt")" \
  "$CC_HPC_RUNTIME_JOB_SCRIPTS_EPILOG_SLURMCTLD"

mib=64
gres=()
((CC_HPC_SLURM_GPUS_PER_NODE == 0)) || gres=(--gres=gpu:1)
# Held for 3 s: accounting samples memory once a second.
slurm::submit epilog "$CC_HPC_SLURM_MPI_PYTHON -c \"import time; b = bytearray($mib << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(3)\"" \
  -N1 -n1 "${gres[@]}"
job=$SLURM_JOB
state=$(slurm::wait_state "$job" 'COMPLETED|FAILED|CANCELLED|OUT_OF_MEMORY|TIMEOUT|NODE_FAIL' "$SLURM_TIMEOUT") ||
  check::fail "job $job did not end within ${SLURM_TIMEOUT}s: $state"
[[ "$state" == COMPLETED ]] || check::fail "job $job ended $state (see $SLURM_JOB_DIR/epilog.out)"
node=$(sacct -X -n -P -j "$job" -o NodeList 2>/dev/null | head -n 1)
[[ -n "$node" ]] || node=$(slurm::job_field "$job" NodeList)
records=$CC_HPC_RUNTIME_JOB_SCRIPTS_RECORD_DIR
wait_s=${CC_HPC_RUNTIME_JOB_SCRIPTS_RECORD_WAIT_S%.*}
jobscripts::wait_file "$records/$job.$node.prolog.json" "$wait_s" ||
  check::note_failure "no prolog record for job $job on $node in $records (the prolog did not run)"
record=$records/$job.$node.json
jobscripts::wait_file "$record" "$wait_s" || check::fail "no epilog record for job $job on $node in $records within ${wait_s}s (the epilog did not run)"
cp "$record" "$CC_ARTIFACT_DIR/"
check::expect_eq "epilog record: job id" "$(jobscripts::field "$record" job_id)" "$job"
check::expect_eq "epilog record: exit code" "$(jobscripts::field "$record" exit_code)" "0:0"
peak=$(jobscripts::field "$record" peak_memory_kib)
if [[ "$peak" == null ]]; then
  check::note_failure "epilog record has no peak memory (the job allocated $mib MiB)"
elif ((peak < mib * 1024 / 2)); then
  check::note_failure "epilog record: peak memory $((peak / 1024)) MiB, but the job held $mib MiB"
fi
gpu_note="no GPU requested"
if ((${#gres[@]})); then
  gpus=$(jobscripts::field "$record" gpus)
  [[ -n "$gpus" ]] || check::note_failure "epilog record names no GPU for a job given one"
  use=$(jobscripts::field "$record" gpu_use)
  gpu_note="GPU $gpus, use: $([[ "$use" == null ]] && echo "not measured (no nvidia-smi on $node)" || echo "$use")"
fi
check::finish "job $job on $node: prolog ran; epilog recorded exit 0:0, peak $((${peak/null/0} / 1024)) MiB, $gpu_note"
