#!/usr/bin/env bash
# Check: a ServingRuntime supports the mlflow model format
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mlops::require_kubernetes
mlops::facts mlflow-serving-runtime k8s mlflow-serving-runtime
mlops::expect_all_ok mlflow-serving-runtime
check::finish "a ServingRuntime supports the mlflow model format"
