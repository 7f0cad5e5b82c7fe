#!/usr/bin/env python3
"""A small GPU-backed model server with dynamic batching, for running the inference framework's GPU
checks for real (Open Inference Protocol v2 on 127.0.0.1).

Requests queue; a batcher takes up to --max-batch of them and runs one forward pass on the GPU: a
stack of bf16 matrix products sized so a batch costs about --work-ms of GPU time, then the iris rule
on the inputs (so answers are checkable). GPU work runs in a thread, so the event loop keeps
accepting requests while the GPU is busy. Needs torch with CUDA and aiohttp.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import torch
from aiohttp import web

ARGS = argparse.Namespace()


class Model:
    """Weights on the GPU; forward() of a batch takes about work_ms of GPU time."""

    def __init__(self, work_ms: float, dim: int) -> None:
        self.w = torch.randn(dim, dim, device="cuda", dtype=torch.bfloat16) / dim**0.5
        self.x = torch.randn(1024, dim, device="cuda", dtype=torch.bfloat16)
        # Timed over many layers: a single layer's time is mostly kernel-launch overhead on the CPU,
        # which would size the batch far below work_ms of GPU time.
        self.layers = 40
        self.layers = max(1, round(work_ms / (self._time_ms() / 40)))

    def _time_ms(self) -> float:
        self._burn()
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(5):
            self._burn()
        torch.cuda.synchronize()
        return (time.perf_counter() - start) * 1000 / 5

    def _burn(self) -> torch.Tensor:
        h = self.x
        for _ in range(self.layers):
            h = torch.tanh(h @ self.w)
        return h

    def forward(self, rows: list[list[float]]) -> list[int]:
        self._burn()
        x = torch.tensor(rows, device="cuda", dtype=torch.float32)
        pred = torch.where(x[:, 2] < 2.5, 0, torch.where(x[:, 3] < 1.75, 1, 2))
        return pred.cpu().tolist()  # synchronises with the GPU work above


class Batcher:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.queue: asyncio.Queue[tuple[list[list[float]], asyncio.Future[list[int]]]] = asyncio.Queue()

    async def submit(self, rows: list[list[float]]) -> list[int]:
        fut: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        await self.queue.put((rows, fut))
        return await fut

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.queue.get()]
            deadline = loop.time() + ARGS.batch_wait_ms / 1000
            while len(batch) < ARGS.max_batch:
                timeout = deadline - loop.time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self.queue.get(), timeout))
                except asyncio.TimeoutError:
                    break
            rows = [r for item, _ in batch for r in item]
            try:
                preds = await loop.run_in_executor(None, self.model.forward, rows)
            except Exception as exc:  # one failed batch fails its requests, not the server
                for _, fut in batch:
                    fut.set_exception(exc)
                continue
            i = 0
            for item, fut in batch:
                fut.set_result(preds[i:i + len(item)])
                i += len(item)


def routes(batcher: Batcher) -> web.RouteTableDef:
    r = web.RouteTableDef()
    name = ARGS.model

    @r.get("/v2/health/live")
    async def live(_: web.Request) -> web.Response:
        return web.json_response({"live": True})

    @r.get("/v2/health/ready")
    @r.get(f"/v2/models/{name}/ready")
    async def ready(_: web.Request) -> web.Response:
        return web.json_response({"ready": True})

    @r.get(f"/v2/models/{name}")
    async def metadata(_: web.Request) -> web.Response:
        return web.json_response({"name": name, "versions": ["1"], "platform": f"torch-{torch.__version__}",
                                  "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, 4]}],
                                  "outputs": [{"name": "output-0", "datatype": "INT64", "shape": [-1]}]})

    @r.post(f"/v2/models/{name}/infer")
    async def infer(request: web.Request) -> web.Response:
        try:
            spec: Any = (await request.json())["inputs"][0]
            n, width = spec["shape"]
            if width != 4 or len(spec["data"]) != n * width:
                raise ValueError("shape must be [n, 4] and match the data")
            rows = [[float(v) for v in spec["data"][i * 4:(i + 1) * 4]] for i in range(n)]
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            return web.json_response({"error": f"bad input: {exc}"}, status=400)
        preds = await batcher.submit(rows)
        return web.json_response({"model_name": name, "outputs": [
            {"name": "output-0", "shape": [len(preds)], "datatype": "INT64", "data": preds}]})

    return r


async def main() -> None:
    model = Model(ARGS.work_ms, ARGS.dim)
    print(f"model ready: {model.layers} layers of {ARGS.dim}x{ARGS.dim} bf16 per batch", flush=True)
    batcher = Batcher(model)
    app = web.Application()
    app.add_routes(routes(batcher))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", ARGS.port, backlog=2048).start()
    await batcher.run()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--model", default="gpu-iris")
    p.add_argument("--work-ms", type=float, default=8.0, help="GPU time of one batch")
    p.add_argument("--dim", type=int, default=4096)
    p.add_argument("--max-batch", type=int, default=64)
    p.add_argument("--batch-wait-ms", type=float, default=2.0)
    p.parse_args(namespace=ARGS)
    asyncio.run(main())
