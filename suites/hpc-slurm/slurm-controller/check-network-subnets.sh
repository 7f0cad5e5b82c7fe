#!/usr/bin/env bash
# Check: the subnets the config gives the clusters (hpc.local.subnet, and the cloud and HPC cluster
# networks of the platform's cluster YAML) overlap no route the host already has - its uplink, a VPN,
# another bridge; a route on the network's own bridge is that network. Seed task T003.
set -euo pipefail
# shellcheck source=suites/hpc-slurm/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

nets=()
[[ -z "${CC_HPC_LOCAL_SUBNET:-}" ]] || nets+=("hpc.local.subnet=$CC_HPC_LOCAL_SUBNET@${CC_HPC_LOCAL_BRIDGE:-}")
[[ -z "${CC_CLOUD_VM_CLUSTER_NETWORK_GATEWAY:-}" ]] ||
  nets+=("clusters.cloud.network=$CC_CLOUD_VM_CLUSTER_NETWORK_GATEWAY/$CC_CLOUD_VM_CLUSTER_NETWORK_PREFIX@$CC_CLOUD_VM_CLUSTER_NETWORK_BRIDGE")
[[ -z "${CC_HPC_CLUSTER_NETWORK_GATEWAY:-}" ]] ||
  nets+=("clusters.hpc.network=$CC_HPC_CLUSTER_NETWORK_GATEWAY/$CC_HPC_CLUSTER_NETWORK_PREFIX@$CC_HPC_CLUSTER_NETWORK_BRIDGE")
((${#nets[@]})) || check::skip "the config gives the clusters no subnet of their own (hpc.local.subnet, clusters.*.network)"
command -v ip >/dev/null || check::error "'ip' (iproute2) is not installed on this host"
ip -4 route show >"$CC_ARTIFACT_DIR/routes.txt" 2>&1 || true
rc=0 clear=()
out=$(clustercheck net overlaps "${nets[@]}" 2>&1) || rc=$?
printf '%s\n' "$out" >"$CC_ARTIFACT_DIR/overlaps.txt"
((rc <= 1)) || check::error "clustercheck net overlaps failed: $(tail -n 1 <<<"$out")"
while read -r verdict name subnet route; do
  case $verdict in
    ok) log::ok "$name $subnet overlaps no route of the host"; clear+=("$name $subnet") ;;
    overlap) check::note_failure "$name $subnet overlaps the host's route $route" ;;
  esac
done <<<"$out"
check::finish "${#nets[@]} cluster subnet(s) clear of the host's routes: $(slurm::listing "${clear[@]}")"
