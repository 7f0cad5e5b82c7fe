#!/usr/bin/env bash
# Check: Knative Serving's CRD is established and its activator, autoscaler, controller and webhook run
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mlops_target::require_kubernetes
[[ "$CC_KUBERNETES_EXPECTED_KNATIVE" == true ]] ||
  check::skip "KServe runs in raw-deployment mode on this cluster by design, without Knative Serving (kubernetes.expected.knative: false)"

k8s::facts knative k8s facts knative
k8s::expect_crds knative
k8s::expect_ready knative deployment.
check::finish "Knative Serving installed and running"
