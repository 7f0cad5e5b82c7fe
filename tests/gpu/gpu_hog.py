"""A real fault for the GPU node checks on the GPU machine: another process keeps the GPU busy with bf16
matrix products for SECONDS, as a job left behind on a node would; the acceptance run beside it must
fail on throughput, naming the GPU. Usage: gpu_hog.py SECONDS [GPU_INDEX]"""
import sys
import time

import torch

seconds, index = float(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0
dev = torch.device(f"cuda:{index}")
a = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
b = torch.randn(8192, 8192, device=dev, dtype=torch.bfloat16)
host = torch.empty(1 << 30, dtype=torch.uint8, pin_memory=True)
gpu = torch.empty(1 << 30, dtype=torch.uint8, device=dev)
print("hog: busy", flush=True)
end = time.monotonic() + seconds
while time.monotonic() < end:
    for _ in range(20):
        a @ b
    gpu.copy_(host, non_blocking=True)  # the host link too
    torch.cuda.synchronize(dev)
