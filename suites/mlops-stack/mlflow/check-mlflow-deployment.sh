#!/usr/bin/env bash
# Check: the MLflow tracking server answers /health and reports its version
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run mlflow-health mlflow health
check::expect_eq "GET $CC_MLOPS_MLFLOW_URL/health" "$(facts::get mlflow-health health)" "200 OK"
version=$(facts::get mlflow-health version)
check::expect "a version from /version (got: ${version:-nothing})" grep -Eq '^[0-9]+\.[0-9]+' <<<"$version"
check::finish "MLflow $version healthy at $CC_MLOPS_MLFLOW_URL"
