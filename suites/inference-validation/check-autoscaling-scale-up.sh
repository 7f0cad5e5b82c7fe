#!/usr/bin/env bash
# Check: replicas rise under load within the configured time (KServe on Kubernetes)
# depends: check-inference-request-response
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
k8s::require "a Kubernetes cluster running the InferenceService (autoscaling and replicas are Kubernetes')"
check::error "the Kubernetes side of this check is not built yet (the Kubernetes issue)"
