#!/usr/bin/env bash
# Check: a PyTorch DistributedDataParallel job over SLURM trains, agrees and all-reduces fast enough
# (hpc.runtime.training.nodes x ranks_per_node tasks, one per GPU; gloo on CPU, nccl on GPUs): every
# rank sees the right RANK/WORLD_SIZE/MASTER_ADDR from SLURM and the variables the harness keeps in jobs
# (NVLink multicast off), the loss goes down, all ranks hold the same parameters after training, and a
# timed all-reduce of allreduce_mb MB reaches busbw_floor_gbps (bus bandwidth as nccl-tests defines it)
set -euo pipefail
# shellcheck source=suites/hpc-runtime/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

py=${CC_HPC_RUNTIME_TRAINING_PYTHON:-${CC_HPC_SLURM_PYTHON:-}}
[[ -n "$py" ]] || check::skip "no Python for training jobs configured (hpc.runtime.training.python or hpc.slurm.python)"
"$py" -c 'import torch' 2>/dev/null ||
  check::skip "torch is not installed in $py (make setup installs torch==2.13.0 CPU from the machine's wheel)"
nodes_n=$CC_HPC_RUNTIME_TRAINING_NODES per=$CC_HPC_RUNTIME_TRAINING_RANKS_PER_NODE steps=$CC_HPC_RUNTIME_TRAINING_STEPS
n=$((nodes_n * per))
slurm::usable_nodes
((${#SLURM_USABLE[@]} >= nodes_n)) || check::skip "needs $nodes_n usable nodes, the partition has ${#SLURM_USABLE[@]}"
nodes=("${SLURM_USABLE[@]:0:nodes_n}")
master=$(slurm::node_field "${nodes[0]}" NodeAddr)
[[ -n "$master" ]] || master=${nodes[0]}
slurm::program hpc-runtime/programs/ddp_train.py
prog=$SLURM_PROGRAM
gres=()
((CC_HPC_SLURM_GPUS_PER_NODE == 0)) || [[ "$CC_HPC_RUNTIME_TRAINING_BACKEND" == gloo ]] || gres=(--gres="gpu:$per")
# shellcheck disable=SC2034 # read by slurm::srun (slurm.sh)
SLURM_TIMEOUT=${CC_HPC_RUNTIME_TRAINING_TIMEOUT_S%.*}
if [[ -n "${CC_HPC_RUNTIME_TRAINING_SOCKET_IFNAME:-}" ]]; then
  export GLOO_SOCKET_IFNAME=$CC_HPC_RUNTIME_TRAINING_SOCKET_IFNAME NCCL_SOCKET_IFNAME=$CC_HPC_RUNTIME_TRAINING_SOCKET_IFNAME
fi
start=$(util::now)
MASTER_ADDR=$master MASTER_PORT=$CC_HPC_RUNTIME_TRAINING_PORT slurm::srun -N "$nodes_n" -n "$n" --ntasks-per-node="$per" \
  -w "$(slurm::join "${nodes[@]}")" "${gres[@]}" "$py" "$prog" "$steps" "$CC_HPC_RUNTIME_TRAINING_BACKEND" \
  "$CC_HPC_RUNTIME_TRAINING_ALLREDUCE_MB"
elapsed=$(util::elapsed "$start")
if [[ "$SRUN_RC" != 0 ]]; then
  # what the ranks said last (torch and gloo errors are not in srun's own lines)
  said=$(grep -v -E '^(srun|slurmstepd)' <<<"$SRUN_OUTPUT" | grep -v '^{' | tail -n 2 | paste -sd ' ' - | cut -c1-300)
  check::fail "the training job failed: $(slurm::step_failure)${said:+ - $said}"
fi
grep '^{' <<<"$SRUN_OUTPUT" >"$CC_ARTIFACT_DIR/ranks.jsonl" || check::fail "no rank reported: $(tail -n 3 <<<"$SRUN_OUTPUT")"
# what the harness keeps in jobs, as it is here: every rank must see the same
kept_env=$(slurm::kept_env)
verdicts=$(python3 - "$CC_ARTIFACT_DIR/ranks.jsonl" "$n" "$master" "$CC_HPC_RUNTIME_TRAINING_PORT" "$nodes_n" "$kept_env" <<'PY'
import json, sys
from clustercheck.bench.collectives import slowest
ranks = [json.loads(line) for line in open(sys.argv[1])]
n, master, port, hosts = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
keep = dict(line.split("=", 1) for line in sys.argv[6].splitlines() if line)
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
    for var, want in keep.items():
        got = (r.get("keep_env") or {}).get(var)
        if got != want:
            problems.append(f"rank {r['rank']} on {r['host']} has {var}={'(unset)' if got is None else got} in its job environment, the harness set {want}")
if len({r["host"] for r in ranks}) != hosts:
    problems.append(f"the ranks ran on {len({r['host'] for r in ranks})} host(s), not {hosts}")
sums = [tuple(map(tuple, r["checksums"])) for r in ranks]
flat = {c for s in sums for c in s}
if len(set(sums)) != 1 or len(flat) != 1:
    problems.append("the ranks disagree on the parameters after training: " + "; ".join(f"rank {r['rank']}: {r['checksums'][r['rank']] if r['rank'] < len(r['checksums']) else r['checksums']}" for r in ranks))
r0 = min(ranks, key=lambda r: r["rank"])
ar = [r["allreduce"] for r in ranks if r.get("allreduce")]
if ar:
    if not all(a["correct"] for a in ar):
        problems.append("the timed all-reduce gave wrong sums on rank(s) " + ",".join(str(r["rank"]) for r in ranks if r.get("allreduce") and not r["allreduce"]["correct"]))
    slow = slowest(ar, n)
    print("allreduce", slow["bytes"], slow["seconds_per_op"], slow["algbw_gbps"], slow["busbw_gbps"])
print("summary", f"{n} ranks on {hosts} node(s) ({r0['backend']} on {r0['device']}), {r0['steps']} steps, loss {r0['loss_first']:.4g} -> {r0['loss_last']:.4g}, parameters agree")
for p in problems:
    print("problem", p)
PY
) || check::error "could not read the ranks' reports: $verdicts"
while read -r kind text; do
  [[ "$kind" == problem ]] && check::note_failure "$text"
done <<<"$verdicts"
check::metric ddp_job_s "$elapsed" s
bw=
if read -r _ bytes per_op algbw busbw < <(grep '^allreduce ' <<<"$verdicts"); then
  check::metric allreduce_algbw "$algbw" GB/s
  floor=${CC_HPC_RUNTIME_TRAINING_BUSBW_FLOOR_GBPS:-}
  if ((n < 2)); then
    log::info "bus bandwidth is 0 by definition with one rank: not judged"
  elif [[ -n "$floor" ]]; then
    check::metric allreduce_busbw "$busbw" GB/s ">=" "$floor" || true
  else
    check::metric allreduce_busbw "$busbw" GB/s
  fi
  bw="; all-reduce of $((bytes / 1048576)) MB in ${per_op} s: busbw $busbw GB/s"
elif [[ -n "${CC_HPC_RUNTIME_TRAINING_BUSBW_FLOOR_GBPS:-}" ]] && ((n >= 2 && ${#CHECK_FAILURES[@]} == 0)); then
  # a floor asked for and nothing timed to judge it by: not a pass
  check::skip "$(sed -n 's/^summary //p' <<<"$verdicts"), but the all-reduce bandwidth floor (busbw_floor_gbps ${CC_HPC_RUNTIME_TRAINING_BUSBW_FLOOR_GBPS} GB/s) is not judged: no all-reduce was timed (hpc.runtime.training.allreduce_mb is ${CC_HPC_RUNTIME_TRAINING_ALLREDUCE_MB:-0})"
fi
check::finish "$(sed -n 's/^summary //p' <<<"$verdicts") in ${elapsed%.*} s$bw"
