#!/usr/bin/env bash
# Check: a ClusterServingRuntime serves the mlflow model format over the v2 protocol
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mlops_target::require_kubernetes

k8s::facts rt k8s facts serving-runtime
found=$(facts::matching rt runtime. | awk -F '\t' '$2 ~ /formats=([a-z0-9_-]+,)*mlflow(,|$| )/ && $2 ~ /protocols=([a-z0-9]+,)*v2/ && $2 ~ /disabled=False/ { sub(/^runtime\./, "", $1); print $1 }' | tr '\n' ' ')
[[ -n "$found" ]] || check::fail "no enabled ClusterServingRuntime for modelFormat mlflow with protocol v2 ($(facts::get rt runtimes) runtime(s) installed)"
check::pass "mlflow over v2 served by: $found"
