#!/usr/bin/env bash
# Check: cert-manager's CRDs are established and its controller, cainjector and webhook run
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mlops_target::require_kubernetes
[[ "$CC_KUBERNETES_EXPECTED_CERT_MANAGER" == true ]] ||
  check::skip "this cluster's webhook certificates are made without cert-manager by design (kubernetes.expected.cert_manager: false)"

k8s::facts cm k8s facts cert-manager
k8s::expect_crds cm
k8s::expect_ready cm deployment.
check::finish "cert-manager installed and running"
