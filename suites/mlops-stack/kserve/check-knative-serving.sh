#!/usr/bin/env bash
# Check: Knative Serving's control plane is ready (KServe's serverless mode)
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mlops::require_kubernetes
mlops::facts knative-serving k8s knative-serving
mlops::expect_all_ok knative-serving
check::finish "Knative Serving's control plane is ready (KServe's serverless mode)"
