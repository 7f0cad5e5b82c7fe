#!/usr/bin/env bash
# Check: a row written survives a server restart (or, with no restart command, the next run reads it)
# depends: check-postgresql-connection
# timeout: 180
set -euo pipefail
# shellcheck source=suites/mlops-stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

if [[ -z "${CC_MLOPS_POSTGRESQL_RESTART_COMMAND:-}" ]]; then
  # No way to restart this server from here: the marker of the previous run must still be there.
  token=clustercheck-persistence-$CC_TARGET_NAME
  facts::run pg-marker pg marker-read "$token" --remove
  marker=$(facts::get pg-marker marker)
  facts::run pg-write pg marker-write "$token" >/dev/null
  [[ "$(facts::get pg-write written)" == "$token" ]] || check::fail "cannot write a marker: $(facts::get pg-write written)"
  [[ "$marker" == found* ]] &&
    check::pass "not restarted (no mlops.postgresql.restart_command): the marker of the previous run survived until this one ($marker)"
  check::skip "no marker from an earlier run (first run here?); one is written now for the next run to read back"
fi

token=clustercheck-persistence-$(date +%s)-$$
facts::run pg-write pg marker-write "$token"
check::expect_eq "marker written" "$(facts::get pg-write written)" "$token"
log::info "restarting PostgreSQL: $CC_MLOPS_POSTGRESQL_RESTART_COMMAND"
read -ra restart <<<"$CC_MLOPS_POSTGRESQL_RESTART_COMMAND"
start=$(util::now)
(cd "$CC_ROOT" && "${restart[@]}") || check::error "restart command failed: $CC_MLOPS_POSTGRESQL_RESTART_COMMAND"
# shellcheck disable=SC2317 # called through util::wait_for
reachable() { facts::run pg-probe pg probe >/dev/null && [[ "$(facts::get pg-probe reachable)" == yes ]]; }
util::wait_for "${CC_MLOPS_TIMEOUTS_READY_S%.*}" "PostgreSQL after restart" reachable ||
  check::fail "PostgreSQL not reachable again after the restart"
check::metric postgresql_restart "$(util::elapsed "$start")" s
facts::run pg-marker pg marker-read "$token" --remove
marker=$(facts::get pg-marker marker)
check::expect "the marker row survived the restart (got: $marker)" grep -q '^found' <<<"$marker"
check::finish "a row written before a restart is there after it"
