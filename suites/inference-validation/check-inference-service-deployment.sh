#!/usr/bin/env bash
# Check: the inference service is deployed and ready (on the local target: its server process is up)
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ "${CC_TARGET_KIND:-}" == local ]]; then
  status=$(CC_STACK_CONFIG=$CC_CONFIG_FILE "$CC_ROOT/test-infra/local/stack" status mlops 2>&1 || true)
  printf '%s\n' "$status" | sed 's/^/  | /'
  server=$(awk '$1 == "mlserver" || $1 == "model-server" { print $1, $2 }' <<<"$status" | tr '\n' ' ')
  # no server listed at all is not "none down"
  check::expect "the local model servers are up (got: ${server:-no model server in the stack status})" \
    grep -Eq '^[^ ]+ [^ ]' <<<"$server"
  [[ "$server" != *down* ]] || check::note_failure "a local model server is down (got: $server)"
fi
facts::run health inference health
check::expect_eq "readiness of $CC_INFERENCE_ENDPOINT_URL" "$(facts::get health ready)" 200
check::finish "$CC_INFERENCE_ENDPOINT_MODEL_NAME deployed and ready at $CC_INFERENCE_ENDPOINT_URL"
