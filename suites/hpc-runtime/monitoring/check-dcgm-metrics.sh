#!/usr/bin/env bash
# Check: the DCGM exporter serves GPU metrics (hpc.monitoring.dcgm_url): utilisation and framebuffer
# memory for every GPU of every GPU node (the nodes of the partition with a gpu GRES), each named
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

url=${CC_HPC_MONITORING_DCGM_URL:-}
[[ -n "$url" ]] || check::skip "no DCGM exporter configured (hpc.monitoring.dcgm_url; the local target has no GPU)"
scrape=$CC_ARTIFACT_DIR/dcgm.txt
curl -sf --max-time 10 "$url" -o "$scrape" || check::fail "the DCGM exporter at $url did not answer"
for metric in DCGM_FI_DEV_GPU_UTIL DCGM_FI_DEV_FB_USED; do
  grep -q "^$metric{" "$scrape" || check::note_failure "$url serves no $metric"
done
((${#CHECK_FAILURES[@]} == 0)) || check::finish ""

# The GPU nodes, as NAME:GPUS:HOSTNAME,ADDRESS (the exporter's Hostname label may carry any of them).
specs=() gpu_nodes=0
mapfile -t nodes < <(slurm::partition_nodes)
for n in "${nodes[@]}"; do
  gres=$(slurm::node_field "$n" Gres)
  gpus=$(grep -oE '(^|,)gpu(:[A-Za-z0-9_.-]+)?:[0-9]+' <<<"$gres" | awk -F: '{ s += $NF } END { print s + 0 }')
  ((gpus > 0)) || continue
  gpu_nodes=$((gpu_nodes + 1))
  specs+=(--node "$n:$gpus:$(slurm::node_field "$n" NodeHostName),$(slurm::node_field "$n" NodeAddr)")
done
((${#specs[@]})) ||
  check::skip "DCGM metrics served, but no node of partition $CC_HPC_SLURM_PARTITION has a gpu GRES: no GPU node to judge them for"
rc=0
verdict=$(clustercheck dcgm per-node "$scrape" "${specs[@]}") || rc=$?
((rc <= 1)) || check::error "clustercheck dcgm per-node failed (exit $rc): $verdict"
while read -r line; do
  [[ "$line" == "gpus "* ]] || check::note_failure "$line"
done <<<"$verdict"
check::finish "DCGM exporter serves utilisation and memory for all ${verdict##*gpus } GPU(s) of $gpu_nodes GPU node(s)"
