#!/usr/bin/env bash
# Check: replicas rise under load within the configured time (KServe on Kubernetes)
# depends: check-inference-request-response
# timeout: 900
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
inference::require_isvc

k8s::facts up inference scaling up
after=$(facts::get up scaled_up_after_s)
[[ "$after" =~ ^[0-9.]+$ ]] || check::fail "$(facts::get up baseline_replicas) replica(s) under $(facts::get up offered_rate) req/s: $after"
check::objective scale_up "$after" s "<=" "inference.objectives.autoscale_s" || true
check::finish "$(facts::get up baseline_replicas) -> $(facts::get up max_replicas) replicas $after s into the load"
