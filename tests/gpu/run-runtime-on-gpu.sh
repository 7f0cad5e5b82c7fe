#!/usr/bin/env bash
# The GPU parts of the HPC runtime and PCIe passthrough frameworks, for real, on a machine with an
# NVIDIA GPU and no SLURM: the pcie-passthrough framework in host mode (driver, /dev/nvidia*, NVML;
# tests/gpu/gpu-host.yaml), and the program the distributed-training check runs under srun - one rank
# with nccl on the GPU, then two ranks with gloo beside it - each given its rank through the variables
# srun sets (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID), each timing a 256 MB all-reduce; and the GPU
# inventory (index, UUID, model, memory, PCI bus id). Needs torch with CUDA and nvidia-ml-py; the
# project's other Python dependencies come from WHEELS (pip download ... for that machine) when it
# has no index.
# Usage: tests/gpu/run-runtime-on-gpu.sh OUT_DIR [WHEELS_DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# shellcheck source=tests/gpu/lib.sh
source tests/gpu/lib.sh
out=${1:?output directory}
gpu::begin "$out" "${2:-}"

rc=0
NO_COLOR=1 frameworks/test-pcie-passthrough-framework.sh run-tests --config tests/gpu/gpu-host.yaml \
  --report-dir /tmp/cc-pcie 2>&1 | tee "$out/pcie-run.log" || rc=$?
cp /tmp/cc-pcie/junit.xml "$out/pcie-junit.xml"
cp /tmp/cc-pcie/summary.json "$out/pcie-summary.json" 2>/dev/null || true

prog=suites/hpc-runtime/programs/ddp_train.py
export MASTER_ADDR=127.0.0.1
# every GPU by index, UUID, model, memory and PCI bus id, as the inventory check reads them
clustercheck gpu inventory | tee "$out/inventory.tsv" || rc=1
# NVLink multicast off, as the harness keeps it in every job; the ranks report what they saw
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
# a timed 256 MB all-reduce on the GPU (one rank: algbw only, busbw is 0 by definition)
MASTER_PORT=29511 SLURM_PROCID=0 SLURM_NTASKS=1 SLURM_LOCALID=0 python3 "$prog" 50 nccl 256 | tee "$out/ddp-nccl.jsonl" || rc=1
for r in 0 1; do
  MASTER_PORT=29512 SLURM_PROCID=$r SLURM_NTASKS=2 SLURM_LOCALID=$r python3 "$prog" 50 gloo 256 >"$out/ddp-gloo-$r.jsonl" &
done
wait || rc=1
cat "$out"/ddp-gloo-*.jsonl
# The check's verdicts: ranks agree on the parameters, the loss falls by half.
python3 - "$out" <<'PY' || rc=1
import glob, json, sys
for name in ("nccl", "gloo"):
    ranks = [json.loads(l) for f in sorted(glob.glob(f"{sys.argv[1]}/ddp-{name}*.jsonl")) for l in open(f) if l.startswith("{")]
    sums = {tuple(map(tuple, r["checksums"])) for r in ranks}
    agree = len(sums) == 1 and len({c for s in sums for c in s}) == 1
    down = all(r["loss_last"] < 0.5 * r["loss_first"] for r in ranks)
    kept = all(r["keep_env"]["NCCL_NVLS_ENABLE"] == "0" for r in ranks)
    ar = ranks[0]["allreduce"] if ranks else None
    print(f"{name}: {len(ranks)} rank(s) on {sorted({r['device'] for r in ranks})}, parameters agree: {agree}, loss down: {down}, "
          f"multicast off in the job: {kept}, all-reduce {ar['bytes'] >> 20} MB: {ar['seconds_per_op']} s, "
          f"algbw {ar['algbw_gbps']} GB/s, busbw {ar['busbw_gbps']} GB/s, sums correct: {ar['correct']}")
    if not (ranks and agree and down and kept and ar["correct"]):
        sys.exit(1)
PY
exit "$rc"
