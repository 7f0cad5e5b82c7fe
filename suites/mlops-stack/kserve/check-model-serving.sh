#!/usr/bin/env bash
# Check: the model registered in MLflow is served - each endpoint ready and right for known inputs
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
mlops_target::require_serving

facts::run serving serving probe
endpoint=
n=0
while IFS=$'\t' read -r key value; do
  case $key in
    endpoint) endpoint=$value; n=$((n + 1)) ;;
    ready) check::expect_eq "$endpoint ready" "$value" ready ;;
    predict) check::expect_eq "$endpoint predict" "$value" ok ;;
    predict_ms) check::metric "predict_latency_${endpoint%% *}" "$value" ms ;;
    sample.*)
      read -r got want <<<"$value"
      check::expect_eq "$endpoint ${key/./ } prediction" "$got" "$want" ;;
  esac
done <"$CC_ARTIFACT_DIR/serving.tsv"
((n)) || check::note_failure "no serving endpoint configured"
check::finish "$CC_MLOPS_SERVING_MODEL_NAME@$CC_MLOPS_SERVING_MODEL_ALIAS served by $n endpoint(s), predictions right"
