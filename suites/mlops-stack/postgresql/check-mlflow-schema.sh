#!/usr/bin/env bash
# Check: MLflow's tables are in the backend database at the schema revision the MLflow server expects
# depends: check-postgresql-connection
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run pg-schema pg mlflow-schema
n=0
while IFS=$'\t' read -r key state; do
  n=$((n + 1))
  [[ "$state" == present ]] || check::note_failure "table ${key#table.} is $state"
done < <(facts::matching pg-schema table.)
expected=$(facts::get pg-schema expected_revision)
[[ "$expected" != unknown* ]] || check::error "cannot tell which schema revision MLflow expects: $expected"
check::expect_eq "alembic revision of database $CC_MLOPS_POSTGRESQL_DATABASE" "$(facts::get pg-schema db_revision)" "$expected"
check::finish "$n MLflow tables present at revision $expected"
