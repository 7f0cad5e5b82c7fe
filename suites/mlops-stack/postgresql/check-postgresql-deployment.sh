#!/usr/bin/env bash
# Check: PostgreSQL is reachable with the configured credentials and runs a supported major version
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mlops::facts pg-probe pg probe
check::expect_eq "PostgreSQL at $(mlops::fact pg-probe address) reachable" "$(mlops::fact pg-probe reachable)" yes
major=$(mlops::fact pg-probe major_version)
if [[ -n "$major" ]]; then
  check::metric postgresql_major_version "$major" major ">=" "$CC_MLOPS_POSTGRESQL_MIN_MAJOR_VERSION" || true
  check::expect_eq "writable primary (not a read-only replica)" "$(mlops::fact pg-probe read_only_replica)" no
  check::metric postgresql_connect "$(mlops::fact pg-probe connect_ms)" ms
fi
check::finish "PostgreSQL $(mlops::fact pg-probe server_version) reachable"
