#!/usr/bin/env bash
# Check: schema-valid answers, correct predictions for known inputs, 4xx (not 5xx) for bad inputs
# depends: check-inference-endpoint
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

facts::run rr inference request-response
check::expect_eq "prediction status" "$(facts::get rr predict_status)" 200
check::expect_eq "answer fits the $CC_INFERENCE_ENDPOINT_PROTOCOL protocol" "$(facts::get rr schema)" ok
while IFS=$'\t' read -r key value; do
  read -r got want <<<"$value"
  check::expect_eq "${key/./ } prediction" "$got" "$want"
done < <(facts::matching rr sample.)
while IFS=$'\t' read -r key code; do
  check::expect "${key#bad_input.} request refused with 4xx (got: $code)" grep -Eq '^4[0-9][0-9]$' <<<"$code"
done < <(facts::matching rr bad_input.)
check::metric predict_latency "$(facts::get rr predict_ms)" ms
check::finish "known inputs answered right; bad inputs refused with 4xx"
