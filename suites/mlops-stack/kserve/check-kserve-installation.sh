#!/usr/bin/env bash
# Check: the KServe controller runs and its CRDs are established
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mlops_target::require_kubernetes

k8s::facts kserve k8s facts kserve
k8s::expect_crds kserve
k8s::expect_ready kserve controller.
check::finish "KServe CRDs established; controller $(facts::get kserve controller.kserve-controller-manager)"
