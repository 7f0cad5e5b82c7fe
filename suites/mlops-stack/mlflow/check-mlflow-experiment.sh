#!/usr/bin/env bash
# Check: params, a metric history and an artifact logged to a run read back exactly
# depends: check-mlflow-deployment
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run mlflow-run mlflow log-run
f() { facts::get mlflow-run "$1"; }
exp=$(f experiment_id)
[[ -z "$exp" ]] || util::trap_add "clustercheck mlflow delete-experiment '$exp' --config '$CC_CONFIG_FILE' >/dev/null" EXIT
[[ "$(f log)" == ok ]] || check::fail "could not log a run: $(f log)"
[[ -z "$(f readback)" ]] || check::note_failure "read back: $(f readback)"
check::expect_eq "run status" "$(f back.status)" FINISHED
while IFS=$'\t' read -r key value; do
  check::expect_eq "${key#sent.}" "$(f "back.${key#sent.}")" "$value"
done < <(facts::matching mlflow-run sent.)
check::expect_eq "artifact listed" "$(f back.artifact_listed)" yes
check::expect_eq "artifact sha256 read back" "$(f back.artifact_sha256)" "$(f artifact_sha256)"
check::finish "params, metric history and artifact of run $(f run_id) read back intact"
