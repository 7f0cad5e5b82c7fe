#!/usr/bin/env bash
# Check: slurmctld answers and runs SLURM hpc.slurm.min_version or later; its configuration has what the
# cluster needs (auth/munge, select/cons_tres, the configured partition up) and every node of the
# partition responds
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# A controller answers within milliseconds; without MUNGE scontrol would retry for its whole timeout.
ping=$(timeout 8 scontrol ping 2>&1) || true
[[ "$ping" == *"is UP"* ]] || check::fail "slurmctld does not answer: $(tail -n 1 <<<"$ping")"
log::ok "$ping"
version=$(slurm::setting SLURM_VERSION)
version=${version:-$(scontrol version | awk '{ print $2 }')}
check::metric slurm_version "$version" ""
util::version_ge "$version" "$CC_HPC_SLURM_MIN_VERSION" ||
  check::note_failure "SLURM $version is older than the minimum hpc.slurm.min_version $CC_HPC_SLURM_MIN_VERSION"

scontrol show config >"$CC_ARTIFACT_DIR/config.txt" 2>&1 || check::fail "scontrol show config failed: $(tail -n 1 "$CC_ARTIFACT_DIR/config.txt")"
setting() { slurm::setting "$1" "$CC_ARTIFACT_DIR/config.txt"; }
check::expect_eq "AuthType" "$(setting AuthType)" auth/munge
check::expect_eq "SelectType" "$(setting SelectType)" select/cons_tres
[[ -z "${CC_HPC_SLURM_CLUSTER_NAME:-}" ]] || check::expect_eq "ClusterName" "$(setting ClusterName)" "$CC_HPC_SLURM_CLUSTER_NAME"
((CC_HPC_SLURM_GPUS_PER_NODE == 0)) || check::expect "GresTypes names gpu (got '$(setting GresTypes)')" grep -qw gpu <<<"$(setting GresTypes)"

avail=$(sinfo -h -p "$CC_HPC_SLURM_PARTITION" -o '%a' 2>/dev/null | head -n 1)
[[ -n "$avail" ]] || check::fail "partition $CC_HPC_SLURM_PARTITION does not exist (partitions: $(sinfo -h -o '%P' | tr '\n' ' '))"
[[ "$avail" == up ]] || check::note_failure "partition $CC_HPC_SLURM_PARTITION is ${avail^^}: SLURM starts no job in it (scontrol update partitionname=$CC_HPC_SLURM_PARTITION state=up)"

slurm::usable_nodes
# drained or in maintenance is a choice, not a fault: those nodes still count as responding
check::objective nodes_responding $((${#SLURM_USABLE[@]} + ${#SLURM_OUT[@]})) nodes ">=" "hpc.slurm.nodes" || true
((${#SLURM_FAULT[@]} == 0)) || check::note_failure "not usable: $(slurm::listing "${SLURM_FAULT[@]}")"
((${#SLURM_USABLE[@]})) || check::note_failure "no node of partition $CC_HPC_SLURM_PARTITION takes jobs: $(slurm::listing "${SLURM_UNUSABLE[@]:-it has no nodes}")"
check::finish "slurmctld $version up (auth/munge, select/cons_tres); partition $CC_HPC_SLURM_PARTITION up with ${#SLURM_USABLE[@]} node(s) taking jobs$(slurm::out_note "out of service")"
