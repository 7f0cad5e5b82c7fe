#!/usr/bin/env bash
# Check: the InferenceService CRD serves serving.kserve.io/v1beta1
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mlops::require_kubernetes
mlops::facts inference-service-crd k8s inference-service-crd
mlops::expect_all_ok inference-service-crd
check::finish "the InferenceService CRD serves serving.kserve.io/v1beta1"
