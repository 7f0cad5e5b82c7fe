#!/usr/bin/env bash
# Check: a job given -c 1 is bound to one CPU (its allowed CPU list), a job given -c 2 to two
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# cpus_allowed N: CPUS = the CPU count in the allowed list of a task started with -c N; a failed job is
# noted (it runs in this shell: a failure noted inside $(...) would be lost and the check would pass).
cpus_allowed() {
  slurm::srun -N1 -n1 -c "$1" grep Cpus_allowed_list /proc/self/status
  [[ "$SRUN_RC" == 0 ]] || { check::note_failure "a job with -c $1 failed: $(slurm::step_failure)"; return 1; }
  local list
  list=$(awk '/Cpus_allowed_list/ { print $2 }' <<<"$SRUN_OUTPUT")
  log::info "-c $1: Cpus_allowed_list $list"
  CPUS=$(awk -v l="$list" 'BEGIN { n = split(l, parts, ","); c = 0
    for (i = 1; i <= n; i++) { if (split(parts[i], r, "-") == 2) c += r[2] - r[1] + 1; else c++ }
    print c }')
}

cpus_allowed 1 || check::finish ""
check::expect_eq "CPUs a job with -c 1 may run on" "$CPUS" 1
cpus=${CC_HPC_SLURM_CPUS_PER_NODE:-1}
two=""
if ((cpus >= 2)); then
  cpus_allowed 2 || check::finish ""
  two=$CPUS
  check::expect_eq "CPUs a job with -c 2 may run on" "$two" 2
fi
check::finish "a job with -c 1 runs on 1 CPU${two:+, with -c 2 on $two}"
