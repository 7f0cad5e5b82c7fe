#!/usr/bin/env bash
# Check: P95 latency at the configured open-loop rate meets the objective, with few errors
# depends: check-inference-request-response
# timeout: 300
set -euo pipefail
# shellcheck source=suites/inference-validation/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

facts::run load inference load
inference::judge_generator load
check::metric latency_p50 "$(facts::get load latency_ms.p50)" ms
check::metric latency_p99 "$(facts::get load latency_ms.p99)" ms
check::metric error_rate "$(facts::get load error_rate)" ratio "<=" "$CC_INFERENCE_OBJECTIVES_MAX_ERROR_RATE" || true
check::metric latency_p95 "$(facts::get load latency_ms.p95)" ms "<=" "$CC_INFERENCE_OBJECTIVES_P95_MS" || true
check::finish "p95 $(facts::get load latency_ms.p95) ms at $(facts::get load offered_rate) req/s (open loop, $CC_INFERENCE_LOAD_ARRIVAL)"
