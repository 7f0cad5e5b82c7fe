#!/usr/bin/env bash
# Check: artifacts logged through MLflow are objects in the S3 bucket, and the served model's are too
# depends: check-mlflow-deployment
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mlops_target::log_run
key=$(facts::get mlflow-run artifact_key)
facts::run s3-object s3 object --bucket "$CC_MLOPS_MLFLOW_ARTIFACT_BUCKET" --key "$key"
check::expect_eq "s3://$CC_MLOPS_MLFLOW_ARTIFACT_BUCKET/$key sha256" \
  "$(facts::get s3-object "sha256.$key")" "$(facts::get mlflow-run artifact_sha256)"

if [[ -n "${CC_MLOPS_SERVING_MODEL_NAME:-}" ]]; then
  facts::run model-artifacts mlflow model-artifacts
  g() { facts::get model-artifacts "$1"; }
  prefix=$(g artifact_key_prefix)
  [[ -n "$prefix" && "$prefix" != unresolved* ]] ||
    check::note_failure "$CC_MLOPS_SERVING_MODEL_NAME@$CC_MLOPS_SERVING_MODEL_ALIAS: ${prefix:-$(g model_version)}"
  while IFS=$'\t' read -r object state; do
    check::expect "served model's ${object#object.} in the bucket (got: $state)" grep -q '^present' <<<"$state"
  done < <(facts::matching model-artifacts object.)
  [[ -z "$prefix" || "$prefix" == unresolved* ]] || check::expect_eq "MLflow serves the model's MLmodel" "$(g proxy.MLmodel)" "same bytes"
fi
check::finish "run artifacts and the served model's files are in s3://$CC_MLOPS_MLFLOW_ARTIFACT_BUCKET"
