#!/usr/bin/env bash
# Check: replicas fall back to the minimum after the load (KServe on Kubernetes)
# depends: check-autoscaling-scale-up
# timeout: 900
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
inference::require_isvc

k8s::facts down inference scaling down
after=$(facts::get down scaled_down_after_s)
[[ "$after" =~ ^[0-9.]+$ ]] || check::fail "after the load: $after (minimum $(facts::get down min_replicas))"
check::objective scale_down "$after" s "<=" "inference.objectives.autoscale_s" || true
check::finish "$(facts::get down start_replicas) -> $(facts::get down min_replicas) replica(s) in $after s"
