#!/usr/bin/env bash
# Check: the endpoint answers health, readiness and metadata for the served model
# depends: check-inference-service-deployment
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

facts::run health inference health
check::expect_eq "liveness" "$(facts::get health live)" 200
check::expect_eq "readiness" "$(facts::get health ready)" 200
check::expect_eq "metadata" "$(facts::get health metadata)" 200
if [[ "$CC_INFERENCE_ENDPOINT_PROTOCOL" == v2 ]]; then
  check::expect_eq "metadata names the model" "$(facts::get health metadata_name)" "$CC_INFERENCE_ENDPOINT_MODEL_NAME"
fi
check::finish "$CC_INFERENCE_ENDPOINT_PROTOCOL endpoint live, ready, metadata served"
