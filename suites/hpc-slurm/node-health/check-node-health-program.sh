#!/usr/bin/env bash
# Check: slurmd runs the node-health probes itself (hpc.slurm.health_check: HealthCheckProgram,
# HealthCheckInterval, HealthCheckNodeState as configured), every node's probes pass when run now, and no
# node is drained by the program - a node it drained fails the check with the reason the program gave
# depends: check-slurm-controller
set -euo pipefail
# shellcheck source=suites/hpc-slurm/node-health/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

program=${CC_HPC_SLURM_HEALTH_CHECK_PROGRAM:-}
[[ -n "$program" ]] ||
  check::skip "no node health check program configured (hpc.slurm.health_check: slurmd's HealthCheckProgram, opt-in)"
# what the program starts its drain reasons with (ansible/group_vars/all.yml: cc_health_reason_prefix)
prefix=cc-health:

scontrol show config >"$CC_ARTIFACT_DIR/config.txt" 2>&1 || check::fail "scontrol show config failed: $(tail -n 1 "$CC_ARTIFACT_DIR/config.txt")"
setting() { slurm::setting "$1" "$CC_ARTIFACT_DIR/config.txt"; }
check::expect_eq "HealthCheckProgram" "$(setting HealthCheckProgram)" "$program"
check::expect_eq "HealthCheckInterval" "$(setting HealthCheckInterval)" "$CC_HPC_SLURM_HEALTH_CHECK_INTERVAL_S sec"
check::expect_eq "HealthCheckNodeState" "$(setting HealthCheckNodeState)" "$CC_HPC_SLURM_HEALTH_CHECK_NODE_STATE"

# Nodes the program drained are out of service with its reason: the failure this check exists for.
slurm::usable_nodes
for entry in "${SLURM_OUT[@]}" "${SLURM_FAULT[@]}"; do
  [[ "$entry" != *"reason: $prefix"* ]] || check::note_failure "${entry%% *} drained by its health check program ${entry#* }"
done

# The same probes on every node now, without changing any node's state
node_health::gather probes "$(printf '%q' "$program") --check-only"
# shellcheck disable=SC2317 # called through node_health::each
judge() {
  local node=$1 value=$2
  [[ "$value" == ok ]] || check::note_failure "$node: its health check program fails: ${value//FAIL /}"
}
node_health::each judge
node_health::finish "slurmd runs $program every ${CC_HPC_SLURM_HEALTH_CHECK_INTERVAL_S}s on ${CC_HPC_SLURM_HEALTH_CHECK_NODE_STATE} nodes; its probes pass on every node and it drained none"
