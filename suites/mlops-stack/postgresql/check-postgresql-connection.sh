#!/usr/bin/env bash
# Check: the configured credentials are accepted and a wrong password is refused
# depends: check-postgresql-deployment
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run pg-auth pg auth
right=$(facts::get pg-auth right_credentials)
check::expect "user $CC_MLOPS_POSTGRESQL_USER logs in (got: $right)" grep -q '^accepted as ' <<<"$right"
wrong=$(facts::get pg-auth wrong_password)
check::expect "a wrong password is refused (got: $wrong)" grep -q 'password authentication failed' <<<"$wrong"
check::finish "right credentials accepted, a wrong password refused"
