#!/usr/bin/env bash
# Check: a run logged through MLflow's API is in PostgreSQL - its row, params and metrics
# depends: check-mlflow-deployment
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mlops_target::log_run
run_id=$(facts::get mlflow-run run_id)
facts::run pg-run pg run "$run_id"
check::expect_eq "run $run_id in table runs" "$(facts::get pg-run run_row)" present
check::expect_eq "run status in the database" "$(facts::get pg-run run_status)" FINISHED
while IFS=$'\t' read -r key value; do
  check::expect_eq "database ${key#sent.}" "$(facts::get pg-run "${key#sent.}")" "$value"
done < <(facts::matching mlflow-run sent.param.)
check::expect_eq "database metric loss (latest)" "$(facts::get pg-run metric.loss)" "$(facts::get mlflow-run sent.metric.loss.last)"
check::finish "run, params and metrics of run $run_id are in database $CC_MLOPS_POSTGRESQL_DATABASE"
