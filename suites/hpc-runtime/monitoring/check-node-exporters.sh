#!/usr/bin/env bash
# Check: Prometheus scrapes a node exporter on every compute node of the partition and each is up
# (up == 1); a node whose exporter is missing or down is named
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

url=${CC_HPC_MONITORING_PROMETHEUS_URL:-}
[[ -n "$url" ]] || check::skip "no Prometheus configured (hpc.monitoring.prometheus_url)"
job=$CC_HPC_MONITORING_NODE_JOB label=$CC_HPC_MONITORING_NODE_LABEL
mapfile -t nodes < <(slurm::partition_nodes)
((${#nodes[@]})) || check::error "partition $CC_HPC_SLURM_PARTITION has no nodes"
# A target is matched to a node by its label, its host name or its address.
declare -A addr_of=()
for n in "${nodes[@]}"; do addr_of[$n]=$(slurm::node_field "$n" NodeAddr); done

# scrape: up.json = Prometheus' answer to up{job=...}; fails the check when Prometheus does not answer
# (called in the check's own shell: a verdict inside a process substitution would be lost)
scrape() {
  curl -sf --max-time 10 -G --data-urlencode "query=up{job=\"$job\"}" "$url/api/v1/query" >"$CC_ARTIFACT_DIR/up.json" ||
    check::fail "Prometheus at $url did not answer the query up{job=\"$job\"}"
}

# targets: "NODE-OR-INSTANCE VALUE" per target in up.json
targets() {
  python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["data"]["result"]:
    m = r["metric"]
    print(m.get(sys.argv[2]) or m.get("instance", "?").rsplit(":", 1)[0], r["value"][1])' "$CC_ARTIFACT_DIR/up.json" "$label"
}

# missing: the nodes without a target that is up in up.json, as "NODE (why)"
missing() {
  local n t v found
  declare -A up=()
  while read -r t v; do up[$t]=$v; done < <(targets)
  for n in "${nodes[@]}"; do
    found=${up[$n]:-${up[${addr_of[$n]}]:-}}
    if [[ -z "$found" ]]; then printf '%s (no scrape target)\n' "$n"
    elif [[ "$found" != 1 ]]; then printf '%s (up = %s)\n' "$n" "$found"
    fi
  done
  return 0
}

# A target just started is "up" only after its first scrape: give the scrapes hpc.monitoring.scrape_wait_s.
deadline=$((SECONDS + ${CC_HPC_MONITORING_SCRAPE_WAIT_S%.*}))
while :; do
  scrape
  bad=$(missing)
  [[ -n "$bad" && $SECONDS -lt $deadline ]] || break
  sleep 1
done
[[ -z "$bad" ]] || check::fail "node exporter not up on: $(paste -sd, - <<<"$bad" | sed 's/,/, /g')"
check::finish "Prometheus scrapes a node exporter on all ${#nodes[@]} node(s), each up"
