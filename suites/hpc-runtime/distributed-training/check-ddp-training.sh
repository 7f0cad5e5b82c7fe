#!/usr/bin/env bash
# Check: a PyTorch DistributedDataParallel job over SLURM, hpc.runtime.training.nodes nodes x 1 task
# (gloo on CPU, nccl where the nodes have GPUs): every rank sees the right RANK/WORLD_SIZE/MASTER_ADDR
# from SLURM, the loss goes down, and after training all ranks hold the same parameters
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

py=${CC_HPC_RUNTIME_TRAINING_PYTHON:-${CC_HPC_SLURM_PYTHON:-}}
[[ -n "$py" ]] || check::skip "no Python for training jobs configured (hpc.runtime.training.python or hpc.slurm.python)"
"$py" -c 'import torch' 2>/dev/null ||
  check::skip "torch is not installed in $py (make setup installs torch==2.13.0 CPU from the machine's wheel)"
n=$CC_HPC_RUNTIME_TRAINING_NODES steps=$CC_HPC_RUNTIME_TRAINING_STEPS
slurm::usable_nodes
((${#SLURM_USABLE[@]} >= n)) || check::skip "needs $n usable nodes, the partition has ${#SLURM_USABLE[@]}"
nodes=("${SLURM_USABLE[@]:0:n}")
master=$(slurm::node_field "${nodes[0]}" NodeAddr)
[[ -n "$master" ]] || master=${nodes[0]}
slurm::program hpc-runtime/programs/ddp_train.py
prog=$SLURM_PROGRAM
gres=()
((CC_HPC_SLURM_GPUS_PER_NODE == 0)) || [[ "$CC_HPC_RUNTIME_TRAINING_BACKEND" == gloo ]] || gres=(--gres=gpu:1)
SLURM_TIMEOUT=${CC_HPC_RUNTIME_TRAINING_TIMEOUT_S%.*}
if [[ -n "${CC_HPC_RUNTIME_TRAINING_SOCKET_IFNAME:-}" ]]; then
  export GLOO_SOCKET_IFNAME=$CC_HPC_RUNTIME_TRAINING_SOCKET_IFNAME NCCL_SOCKET_IFNAME=$CC_HPC_RUNTIME_TRAINING_SOCKET_IFNAME
fi
start=$(util::now)
MASTER_ADDR=$master MASTER_PORT=$CC_HPC_RUNTIME_TRAINING_PORT slurm::srun -N "$n" -n "$n" --ntasks-per-node=1 \
  -w "$(slurm::join "${nodes[@]}")" "${gres[@]}" "$py" "$prog" "$steps" "$CC_HPC_RUNTIME_TRAINING_BACKEND"
elapsed=$(util::elapsed "$start")
if [[ "$SRUN_RC" != 0 ]]; then
  # what the ranks said last (torch and gloo errors are not in srun's own lines)
  said=$(grep -v -E '^(srun|slurmstepd)' <<<"$SRUN_OUTPUT" | grep -v '^{' | tail -n 2 | paste -sd ' ' - | cut -c1-300)
  check::fail "the training job failed: $(slurm::step_failure)${said:+ - $said}"
fi
grep '^{' <<<"$SRUN_OUTPUT" >"$CC_ARTIFACT_DIR/ranks.jsonl" || check::fail "no rank reported: $(tail -n 3 <<<"$SRUN_OUTPUT")"
verdicts=$(python3 - "$CC_ARTIFACT_DIR/ranks.jsonl" "$n" "$master" "$CC_HPC_RUNTIME_TRAINING_PORT" <<'PY'
import json, sys
ranks = [json.loads(line) for line in open(sys.argv[1])]
n, master, port = int(sys.argv[2]), sys.argv[3], sys.argv[4]
problems = []
if sorted(r["rank"] for r in ranks) != list(range(n)):
    problems.append(f"ranks {sorted(r['rank'] for r in ranks)} reported, expected 0..{n - 1}")
for r in ranks:
    env = r["env"]
    if r["world_size"] != n or env["WORLD_SIZE"] != str(n):
        problems.append(f"rank {r['rank']} on {r['host']} sees world size {r['world_size']} (WORLD_SIZE={env['WORLD_SIZE']}), expected {n}")
    if env["RANK"] != str(r["rank"]):
        problems.append(f"rank {r['rank']} has RANK={env['RANK']}")
    if env["MASTER_ADDR"] != master or env["MASTER_PORT"] != port:
        problems.append(f"rank {r['rank']} has MASTER_ADDR={env['MASTER_ADDR']}:{env['MASTER_PORT']}, expected {master}:{port}")
    if not r["loss_last"] < 0.5 * r["loss_first"]:
        problems.append(f"rank {r['rank']}: loss {r['loss_first']:.4g} -> {r['loss_last']:.4g} did not go down by half")
if len({r["host"] for r in ranks}) != n:
    problems.append(f"the ranks ran on {len({r['host'] for r in ranks})} host(s), not {n}")
sums = [tuple(map(tuple, r["checksums"])) for r in ranks]
flat = {c for s in sums for c in s}
if len(set(sums)) != 1 or len(flat) != 1:
    problems.append("the ranks disagree on the parameters after training: " + "; ".join(f"rank {r['rank']}: {r['checksums'][r['rank']] if r['rank'] < len(r['checksums']) else r['checksums']}" for r in ranks))
r0 = min(ranks, key=lambda r: r["rank"])
print("summary", f"{n} ranks ({r0['backend']} on {r0['device']}), {r0['steps']} steps, loss {r0['loss_first']:.4g} -> {r0['loss_last']:.4g}, parameters agree")
for p in problems:
    print("problem", p)
PY
) || check::error "could not read the ranks' reports: $verdicts"
while read -r kind text; do
  [[ "$kind" == problem ]] && check::note_failure "$text"
done <<<"$verdicts"
check::metric ddp_job_s "$elapsed" s
check::finish "$(sed -n 's/^summary //p' <<<"$verdicts") in ${elapsed%.*} s"
