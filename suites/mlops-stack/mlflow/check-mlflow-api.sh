#!/usr/bin/env bash
# Check: MLflow's REST API creates, searches, reads and deletes experiments
# depends: check-mlflow-deployment
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run mlflow-experiments mlflow experiments
f() { facts::get mlflow-experiments "$1"; }
[[ -z "$(f error)" ]] || check::note_failure "API error: $(f error)"
check::expect_eq "experiments/create" "$(f create)" ok
check::expect_eq "experiments/search finds it" "$(f search)" found
check::expect_eq "experiments/get lifecycle stage" "$(f stage_after_create)" active
check::expect_eq "experiments/delete" "$(f delete)" ok
check::expect_eq "lifecycle stage after delete" "$(f stage_after_delete)" deleted
check::expect_eq "search of active experiments after delete" "$(f search_after_delete)" "not found"
check::finish "experiment create, search, get, delete through REST"
