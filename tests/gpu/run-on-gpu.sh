#!/usr/bin/env bash
# Run the inference framework for real on a machine with an NVIDIA GPU: start the GPU fixture server
# (torch, dynamic batching), run `test-inference-framework.sh e2e` against it with NVML sampling,
# and copy the report to OUT. Needs torch with CUDA, aiohttp and nvidia-ml-py; the project's other
# Python dependencies come from WHEELS (pip download ... for that machine) when it has no index.
# Usage: tests/gpu/run-on-gpu.sh OUT_DIR [WHEELS_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=tests/gpu/lib.sh
source tests/gpu/lib.sh
out=${1:?output directory}
gpu::begin "$out" "${2:-}"

state=/tmp/cc-gpu/server
FIXTURE_SCRIPT=$root/tests/gpu/gpu_server.py tests/fixtures/fixture-server start "$state" 18990 --work-ms 8
trap 'tests/fixtures/fixture-server stop "$state"' EXIT
cat "$state/server.log"

rc=0
report=/tmp/cc-gpu/report
NO_COLOR=1 frameworks/test-inference-framework.sh e2e --config tests/gpu/gpu-target.yaml \
  --report-dir "$report" 2>&1 | tee "$out/run.log" || rc=$?
# A handful of files: the report, and the raw results of the GPU load and the throughput sweep.
cp "$report/junit.xml" "$report/report.html" "$report/summary.json" "$out/" 2>/dev/null || true
cp "$report/artifacts/check-gpu-utilization/load.json" "$out/gpu-load.json" 2>/dev/null || true
cp "$report/artifacts/check-inference-throughput/sweep.json" "$out/sweep.json" 2>/dev/null || true
exit "$rc"
