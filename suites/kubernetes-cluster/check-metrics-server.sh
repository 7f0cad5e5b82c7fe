#!/usr/bin/env bash
# Check: metrics.k8s.io answers with node and pod metrics
set -euo pipefail
# shellcheck source=suites/kubernetes-cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

k8s::facts metrics k8s facts metrics
for kind in nodes pods; do
  got=$(facts::get metrics "${kind}_metrics")
  check::expect "metrics.k8s.io $kind metrics (got: $got)" grep -Eq '^[1-9][0-9]*$' <<<"$got"
done
check::finish "metrics for $(facts::get metrics nodes_metrics) node(s) and $(facts::get metrics pods_metrics) pod(s)"
