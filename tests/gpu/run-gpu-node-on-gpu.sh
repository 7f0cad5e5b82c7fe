#!/usr/bin/env bash
# GPU node acceptance for real on a machine with an NVIDIA GPU: bench/gpu-node.sh against this host
# (tests/gpu/gpu-node-host.yaml: every passive and active check, timed), `nvidia-smi -q` beside it, then
# a second run with a real fault - another process keeping the GPU busy (tests/gpu/gpu_hog.py) - which
# must fail naming the GPU. Each run's report goes to OUT_DIR as a tarball.
# Usage: tests/gpu/run-gpu-node-on-gpu.sh OUT_DIR [WHEELS_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:?output directory}
cd "$root"
mkdir -p "$out"
# shellcheck source=tests/gpu/lib.sh
source "$root/tests/gpu/lib.sh"
gpu::install_project "${2:-}"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
nvidia-smi -q >"$out/nvidia-smi-q.txt"

bench/gpu-node.sh --config tests/gpu/gpu-node-host.yaml --report-dir /tmp/cc-gpu-node 2>&1 | tee "$out/bench.txt"

python3 tests/gpu/gpu_hog.py 120 >/tmp/cc-hog.log 2>&1 &
hog=$!
trap 'kill "$hog" 2>/dev/null || true' EXIT
until grep -q busy /tmp/cc-hog.log 2>/dev/null; do kill -0 "$hog" || exit 1; sleep 0.5; done
rc=0
NO_COLOR=1 frameworks/test-gpu-node-framework.sh run-tests --config tests/gpu/gpu-node-host.yaml \
  --report-dir /tmp/cc-gpu-node-fault 2>&1 | tee "$out/fault-run.log" || rc=$?
kill "$hog" 2>/dev/null || true
echo "fault run: exit $rc (1 expected: the busy GPU fails its throughput checks)" | tee -a "$out/fault-run.log"
tar -C /tmp -czf "$out/reports.tar.gz" cc-gpu-node cc-gpu-node-fault
