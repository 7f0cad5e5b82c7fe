#!/usr/bin/env bash
# Check: accounting measures what a job used - a job step that holds hpc.slurm.usage_probe.memory_mib
# for usage_probe.seconds shows in sacct with MaxRSS at least that, an elapsed time that matches, and
# its allocated TRES (cpu, mem); seed task T017
# depends: check-slurm-accounting
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

[[ "$CC_HPC_SLURM_ACCOUNTING" == true ]] || check::skip "accounting is not expected on this cluster (hpc.slurm.accounting is false)"
command -v sacct >/dev/null || check::error "SLURM client 'sacct' is not installed on this host"
mib=$CC_HPC_SLURM_USAGE_PROBE_MEMORY_MIB secs=$CC_HPC_SLURM_USAGE_PROBE_SECONDS
gather=$(slurm::setting JobAcctGatherType)
# touch every page so that the memory is resident, not just reserved
prog="import time; b = bytearray($mib * 1048576); b[::4096] = b'x' * len(b[::4096]); time.sleep($secs)"
slurm::submit hold "srun $(printf '%q ' "$CC_HPC_SLURM_MPI_PYTHON" -c "$prog")" -N1 -n1 --mem=$((mib * 2 + 256))M
id=$SLURM_JOB
if ! state=$(slurm::wait_state "$id" 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY' $((SLURM_TIMEOUT + secs))); then
  slurm::skip_when_busy "job $id ($state)"
  check::fail "job $id did not finish: $state"
fi
[[ "$state" == COMPLETED ]] || check::fail "job $id holding ${mib} MiB for ${secs}s ended $state: $(tail -n 1 "$SLURM_JOB_DIR/hold.out" 2>/dev/null)"

# the step's record: slurmctld hands it to slurmdbd asynchronously
record() { sacct -n -P -j "$id.0" -o JobID,MaxRSS,Elapsed,AllocTRES 2>/dev/null | awk -F '|' -v s="$id.0" '$1 == s'; }
# shellcheck disable=SC2317 # called through util::wait_for
recorded() { [[ -n "$(record)" ]]; }
util::wait_for 15 "step $id.0 in accounting" recorded 2>/dev/null || check::fail "step $id.0 finished but is missing from accounting (sacct -j $id.0 lists nothing)"
rec=$(record)
printf '%s\n' "$rec" >"$CC_ARTIFACT_DIR/sacct.txt"
IFS='|' read -r _ maxrss elapsed tres <<<"$rec"

# MaxRSS in sacct's units (K, M, G; plain bytes without a suffix)
rss_mib=$(awk -v v="$maxrss" 'BEGIN { n = v + 0; u = substr(v, length(v));
  f = (u == "K") ? 1 / 1024 : (u == "M") ? 1 : (u == "G") ? 1024 : (u == "T") ? 1048576 : 1 / 1048576
  printf "%.1f", n * f }')
check::metric step_max_rss "$rss_mib" MiB ">=" "$mib" ||
  log::error "sacct MaxRSS '${maxrss:-empty}' for a step that held ${mib} MiB (JobAcctGatherType=$gather)"
el_s=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' <<<"${elapsed#*-}")
check::metric step_elapsed "$el_s" s ">=" "$secs" || true
((el_s <= secs + 30)) || check::note_failure "step $id.0 elapsed ${el_s}s in sacct for a step of ${secs}s"
[[ "$tres" == *cpu=* && "$tres" == *mem=* ]] || check::note_failure "step $id.0 has no cpu and mem in its AllocTRES ('$tres')"
check::finish "step $id.0 held $mib MiB for ${secs}s: sacct MaxRSS ${rss_mib} MiB, elapsed ${el_s}s, TRES $tres"
