#!/usr/bin/env bash
# Check: requests spread over every replica - each one works under load (CPU from metrics.k8s.io)
# depends: check-inference-request-response
# timeout: 600
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
inference::require_isvc

k8s::facts lb inference scaling balance
n=$(facts::get lb replicas)
((n >= 2)) || check::skip "one replica under $(facts::get lb offered_rate) req/s: nothing to balance (raise kubernetes.inference.min_replicas)"
mean=$(facts::matching lb cpu. | awk -F '\t' '{ s += $2; n++ } END { if (n) printf "%.1f", s / n }')
[[ -n "$mean" ]] || check::error "metrics.k8s.io reported no CPU for the replicas"
while IFS=$'\t' read -r key cpu; do
  check::expect "${key#cpu.} takes a share of the load (${cpu}m CPU; mean ${mean}m)" \
    awk -v c="$cpu" -v m="$mean" 'BEGIN { exit !(c >= 0.25 * m) }'
done < <(facts::matching lb cpu.)
check::finish "load spread over $n replicas (mean ${mean}m CPU each)"
