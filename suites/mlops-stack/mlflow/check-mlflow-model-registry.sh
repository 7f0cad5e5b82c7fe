#!/usr/bin/env bash
# Check: the model registry - two versions of a model, an alias, loaded back by alias, predicting right
# depends: check-mlflow-deployment
# timeout: 300
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mlops_target::require_serving

facts::run mlflow-registry mlflow registry
f() { facts::get mlflow-registry "$1"; }
[[ -z "$(f error)" ]] || check::note_failure "registry: $(f error)"
check::expect_eq "versions of $(f model_name)" "$(f versions)" "1,2"
check::expect_eq "alias resolves to the version it was set on" "$(f alias_resolves_to)" "$(f alias_set_on)"
check::expect_eq "predictions of the model loaded by alias = the trained model's" "$(f predicted)" "$(f trained_model_predicts)"
check::expect_eq "predictions for the configured samples" "$(f predicted)" "$(f sample_outputs)"
check::expect_eq "registered model removed afterwards" "$(f cleanup)" ok
load_s=$(f load_s)
[[ -z "$load_s" ]] || check::metric model_load "$load_s" s
check::finish "register, version, alias, load by alias and predict"
