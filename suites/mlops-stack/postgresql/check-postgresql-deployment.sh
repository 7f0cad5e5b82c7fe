#!/usr/bin/env bash
# Check: PostgreSQL is reachable with the configured credentials and runs a supported major version
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

facts::run pg-probe pg probe
check::expect_eq "PostgreSQL at $(facts::get pg-probe address) reachable" "$(facts::get pg-probe reachable)" yes
major=$(facts::get pg-probe major_version)
if [[ -n "$major" ]]; then
  check::objective postgresql_major_version "$major" major ">=" "mlops.postgresql.min_major_version" || true
  check::expect_eq "writable primary (not a read-only replica)" "$(facts::get pg-probe read_only_replica)" no
  check::metric postgresql_connect "$(facts::get pg-probe connect_ms)" ms
fi
check::finish "PostgreSQL $(facts::get pg-probe server_version) reachable"
