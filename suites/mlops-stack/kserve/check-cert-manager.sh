#!/usr/bin/env bash
# Check: cert-manager is ready (KServe's webhook certificates)
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mlops::require_kubernetes
mlops::facts cert-manager k8s cert-manager
mlops::expect_all_ok cert-manager
check::finish "cert-manager is ready (KServe's webhook certificates)"
