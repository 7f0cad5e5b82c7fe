"""A small PyTorch DistributedDataParallel run, one process per SLURM task: the rank, world size and
local rank come from SLURM's environment (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID), the rendezvous
from MASTER_ADDR/MASTER_PORT. Each rank trains the same linear model on its own shard of a fixed
regression problem for STEPS steps, then all ranks gather a checksum of their parameters. Each rank
prints one JSON line: its environment as it saw it, the loss at the first and last step, the checksums
of every rank and the backend and device it used. With ALLREDUCE_MB, the ranks then time an all-reduce
of that many MB of float32 (one warm-up, then ALLREDUCE_ITERS, default 5) and report its algbw (bytes /
time; the check turns the slowest rank's into nccl-tests' busbw: clustercheck.bench.collectives).
Usage: ddp_train.py STEPS BACKEND [ALLREDUCE_MB] (BACKEND auto: nccl when this rank has a GPU, else gloo)"""
import datetime
import json
import os
import socket
import sys
import time

import torch
import torch.distributed as dist

steps, backend = int(sys.argv[1]), sys.argv[2]
allreduce_mb = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
# the variables the harness keeps in every job's environment (NVLink multicast off): None when unset
KEEP = os.environ.get("CC_JOB_KEEP_ENV", "NCCL_NVLS_ENABLE TORCH_SYMM_MEM_DISABLE_MULTICAST NVSHMEM_DISABLE_NVLS").split()
rank, world = int(os.environ["SLURM_PROCID"]), int(os.environ["SLURM_NTASKS"])
local = int(os.environ.get("SLURM_LOCALID", "0"))
os.environ.setdefault("RANK", str(rank))
os.environ.setdefault("WORLD_SIZE", str(world))
os.environ.setdefault("LOCAL_RANK", str(local))
if backend == "auto":
    backend = "nccl" if torch.cuda.is_available() else "gloo"
device = torch.device(f"cuda:{local % max(torch.cuda.device_count(), 1)}" if backend == "nccl" else "cpu")
if device.type == "cuda":
    torch.cuda.set_device(device)
start = time.time()
dist.init_process_group(backend, rank=rank, world_size=world, timeout=datetime.timedelta(seconds=60))

torch.manual_seed(0)  # the same initial model on every rank; DDP broadcasts rank 0's anyway
true_w = torch.arange(1.0, 9.0).unsqueeze(1)
gen = torch.Generator().manual_seed(1000 + rank)  # each rank its own shard
x = torch.randn(256, 8, generator=gen)
y = x @ true_w + 0.01 * torch.randn(256, 1, generator=gen)
x, y = x.to(device), y.to(device)
model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(8, 1).to(device),
                                                  device_ids=[device.index] if device.type == "cuda" else None)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
losses = []
for _ in range(steps):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())
flat = torch.cat([p.detach().flatten() for p in model.parameters()]).double()
checksum = torch.stack([flat.sum(), (flat * torch.arange(1, flat.numel() + 1, device=device, dtype=flat.dtype)).sum()])
gathered = [torch.zeros_like(checksum) for _ in range(world)]
dist.all_gather(gathered, checksum)


def sync() -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


allreduce = None
if allreduce_mb > 0:
    size = int(allreduce_mb * 1024 * 1024) // 4
    buf = torch.ones(size, dtype=torch.float32, device=device)
    iters = int(os.environ.get("ALLREDUCE_ITERS", "5"))
    dist.all_reduce(buf)  # warm-up: connections and buffers set up outside the timing
    sync()
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(iters):
        dist.all_reduce(buf)
    sync()
    per_op = (time.perf_counter() - t0) / iters
    nbytes = size * 4
    algbw = nbytes / per_op / 1e9
    allreduce = {"bytes": nbytes, "iters": iters, "seconds_per_op": round(per_op, 6), "algbw_gbps": round(algbw, 4),
                 # every element is the sum of world ones: a wrong reduction shows here
                 "correct": bool(buf[0].item() == float(world) ** (iters + 1) and buf[-1].item() == float(world) ** (iters + 1))}
    del buf
print(json.dumps({
    "rank": rank, "world_size": world, "local_rank": local, "host": socket.gethostname(),
    "env": {k: os.environ.get(k, "") for k in ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK")},
    "keep_env": {k: os.environ.get(k) for k in KEEP},
    "allreduce": allreduce,
    "backend": backend, "device": str(device), "steps": steps,
    "loss_first": losses[0], "loss_last": losses[-1],
    "checksums": [[round(v, 10) for v in g.tolist()] for g in gathered],
    "seconds": round(time.time() - start, 3),
}), flush=True)
# Every rank reported before any leaves. Then leave without tearing gloo down: a peer that closes its
# sockets while this rank's process group is being destroyed aborts it ("terminate called without an
# active exception": once on CI, once in a parallel test-all-clusters, both after the work was done),
# a race in torch's teardown, not a fault of the cluster under test. The kernel closes the sockets.
dist.barrier()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
