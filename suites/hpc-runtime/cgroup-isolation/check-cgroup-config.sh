#!/usr/bin/env bash
# Check: SLURM tracks and confines jobs with cgroups - proctrack/cgroup, task/cgroup, and every
# constraint hpc.runtime.cgroup.constraints names switched on in cgroup.conf
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scontrol show config >"$CC_ARTIFACT_DIR/config.txt" 2>&1 || check::error "scontrol show config failed: $(tail -n 1 "$CC_ARTIFACT_DIR/config.txt")"
conf=$CC_ARTIFACT_DIR/config.txt
check::expect_eq "ProctrackType" "$(slurm::setting ProctrackType "$conf")" proctrack/cgroup
task=$(slurm::setting TaskPlugin "$conf")
[[ ",$task," == *",task/cgroup,"* ]] || check::note_failure "TaskPlugin is '$task': without task/cgroup no job is confined"
for ((i = 0; i < ${CC_HPC_RUNTIME_CGROUP_CONSTRAINTS_COUNT:-0}; i++)); do
  key=CC_HPC_RUNTIME_CGROUP_CONSTRAINTS_$i
  key=${!key}
  value=$(slurm::setting "$key" "$conf")
  [[ "$value" == yes ]] || check::note_failure "cgroup.conf $key is '${value:-unset}', expected yes"
done
check::finish "proctrack/cgroup, $task; cgroup.conf constrains: $(grep -E '^Constrain[A-Za-z]+ *= *yes' "$conf" | awk '{print $1}' | paste -sd, -)"
