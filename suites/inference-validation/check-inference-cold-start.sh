#!/usr/bin/env bash
# Check: from a (re)start of the model server to its first correct answer within the objective
# depends: check-inference-service-deployment
# exclusive: true
# timeout: 300
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -n "${CC_INFERENCE_ENDPOINT_RESTART_COMMAND:-}" ]] ||
  check::skip "no way to restart the server from here (inference.endpoint.restart_command)"

facts::run cold inference cold-start
[[ "$(facts::get cold restart_exit)" == 0 ]] || check::error "restart command failed: $(facts::get cold restart_error)"
check::expect_eq "first answer after the restart is right" "$(facts::get cold first_good_answer)" ok
check::objective cold_start "$(facts::get cold cold_start_s)" s "<=" "inference.objectives.cold_start_s" || true
check::finish "first correct answer $(facts::get cold cold_start_s) s after the restart"
