#!/usr/bin/env bash
# Check: accounting - sacctmgr knows the cluster; a finished job is in sacct with its state, exit code,
# elapsed time and node list, and a failed job shows as FAILED with its exit code
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

[[ "$CC_HPC_SLURM_ACCOUNTING" == true ]] || check::skip "accounting is not expected on this cluster (hpc.slurm.accounting is false)"
for t in sacct sacctmgr; do command -v "$t" >/dev/null || check::error "SLURM client '$t' is not installed on this host"; done
cluster=$(slurm::setting ClusterName)
known=$(timeout 15 sacctmgr -n -P show cluster format=cluster 2>&1) || check::fail "slurmdbd does not answer sacctmgr: $(tail -n 1 <<<"$known")"
grep -qx -- "$cluster" <<<"$known" || check::fail "sacctmgr does not know cluster '$cluster' (it knows: $(tr '\n' ' ' <<<"$known"))"
log::ok "sacctmgr knows cluster $cluster"

# shellcheck disable=SC2016 # expanded by the job's shell
slurm::submit ok 'echo "ran on $SLURMD_NODENAME"; sleep 1'
ok=$SLURM_JOB
slurm::submit failing 'exit 3'
failing=$SLURM_JOB
for id in "$ok" "$failing"; do
  slurm::wait_state "$id" 'COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL' "$SLURM_TIMEOUT" >/dev/null ||
    check::fail "job $id did not finish within ${SLURM_TIMEOUT}s"
done

# slurmctld hands a job to slurmdbd asynchronously, its start first and its end later (a busy slurmdbd
# takes longer): wait, bounded, until both records carry a final state, and judge only then.
final='COMPLETED|FAILED|CANCELLED.*|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE'
record() { sacct -X -n -P -j "$1" -o JobID,State,ExitCode,Elapsed,NodeList 2>/dev/null | awk -F '|' -v id="$1" '$1 == id'; }
# shellcheck disable=SC2317 # called through util::wait_for
settled() { [[ "$(record "$1" | cut -d '|' -f 2)" =~ ^($final)$ ]]; }
# shellcheck disable=SC2317 # called through util::wait_for
recorded() { settled "$ok" && settled "$failing"; }
wait_s=$((SLURM_TIMEOUT < 30 ? SLURM_TIMEOUT : 30))
util::wait_for "$wait_s" "jobs $ok and $failing final in accounting" recorded 2>/dev/null || true
rec_ok=$(record "$ok") rec_failing=$(record "$failing")
printf '%s\n%s\n' "$rec_ok" "$rec_failing" >"$CC_ARTIFACT_DIR/sacct.txt"
[[ -n "$rec_ok" ]] || check::fail "job $ok finished but is missing from accounting (sacct -j $ok lists nothing)"
[[ -n "$rec_failing" ]] || check::fail "job $failing finished but is missing from accounting (sacct -j $failing lists nothing)"
for id in "$ok" "$failing"; do
  settled "$id" || check::fail "job $id finished, but accounting still shows it $(record "$id" | cut -d '|' -f 2) after ${wait_s}s (slurmdbd has not recorded its end)"
done
IFS='|' read -r _ state code elapsed nodes <<<"$rec_ok"
check::expect_eq "job $ok state in sacct" "$state" COMPLETED
check::expect_eq "job $ok exit code in sacct" "$code" 0:0
check::expect "job $ok elapsed time in sacct ('$elapsed') is a duration" grep -Eq '^([0-9]+-)?[0-9]{2}:[0-9]{2}:[0-9]{2}$' <<<"$elapsed"
expected_nodes=$(slurm::job_field "$ok" NodeList)
[[ -z "$expected_nodes" ]] || check::expect_eq "job $ok node list in sacct" "$nodes" "$expected_nodes"
[[ -n "$nodes" && "$nodes" != "None assigned" ]] || check::note_failure "job $ok has no node list in sacct"
IFS='|' read -r _ state code _ _ <<<"$rec_failing"
check::expect_eq "job $failing (exit 3) state in sacct" "$state" FAILED
check::expect_eq "job $failing exit code in sacct" "$code" 3:0
check::finish "cluster $cluster known to slurmdbd; job $ok COMPLETED 0:0 on $nodes, job $failing FAILED 3:0 in sacct"
