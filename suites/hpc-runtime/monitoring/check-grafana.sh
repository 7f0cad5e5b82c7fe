#!/usr/bin/env bash
# Check: Grafana's health API answers with its database ok, and it has a working Prometheus datasource
# (hpc.monitoring.grafana_url, grafana_token for the datasource API)
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

url=${CC_HPC_MONITORING_GRAFANA_URL:-}
[[ -n "$url" ]] || check::skip "no Grafana configured (hpc.monitoring.grafana_url; Grafana is not packaged for this machine)"
curl -sf --max-time 10 "$url/api/health" -o "$CC_ARTIFACT_DIR/health.json" || check::fail "Grafana at $url: /api/health did not answer"
db=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("database", "?"))' "$CC_ARTIFACT_DIR/health.json")
check::expect_eq "Grafana database health" "$db" ok
((${#CHECK_FAILURES[@]} == 0)) || check::finish ""
# Listing datasources needs an API token: without one, that half of the check is not done - a skip.
[[ -n "${CC_HPC_MONITORING_GRAFANA_TOKEN:-}" ]] ||
  check::skip "Grafana healthy (database ok); its Prometheus datasource not checked: no token (hpc.monitoring.grafana_token)"
cfg=$CC_ARTIFACT_DIR/grafana.curl
(umask 077; printf 'header = "Authorization: Bearer %s"\n' "$CC_HPC_MONITORING_GRAFANA_TOKEN" >"$cfg")
curl -sf --max-time 10 --config "$cfg" "$url/api/datasources" -o "$CC_ARTIFACT_DIR/datasources.json" ||
  { rm -f "$cfg"; check::fail "Grafana at $url: /api/datasources did not answer with the token"; }
rm -f "$cfg"
n=$(python3 -c 'import json, sys; print(sum(d.get("type") == "prometheus" for d in json.load(open(sys.argv[1]))))' "$CC_ARTIFACT_DIR/datasources.json")
((n > 0)) || check::note_failure "Grafana has no Prometheus datasource"
check::finish "Grafana healthy with $n Prometheus datasource(s)"
