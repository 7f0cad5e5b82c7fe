"""The load engine: open loop (constant or Poisson arrivals) or closed loop (fixed concurrency),
spread over worker processes, every request recorded.

Open loop: each request leaves at its scheduled time whether or not earlier ones returned, so a stalled
server shows in the tail (as in wrk2); a worker that falls behind its schedule shows as schedule lag.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable, Iterator

from clustercheck.bench import arrivals, rawhttp
from clustercheck.bench.protocols import Request, stream_event

# Outcome codes besides HTTP statuses.
TIMEOUT, CONNECTION, OTHER = -1, -2, -3
ERROR_NAMES = {TIMEOUT: "timeout", CONNECTION: "connection", OTHER: "client_error"}
SPIN_S = 0.0012
MAX_CONNECTIONS = 512  # per worker process


@dataclass
class LoadSpec:
    url: str
    request: Request
    mode: str = "open"  # open | closed
    rate: float = 10.0  # open loop: requests per second
    arrival: str = "constant"  # constant | poisson | gamma (clustercheck.bench.arrivals)
    burstiness: float = 1.0  # gamma's shape
    concurrency: int = 1  # closed loop
    duration_s: float = 10.0  # measured part
    warmup_s: float = 1.0  # sent and discarded first
    timeout_s: float = 10.0
    max_requests: int = 1_000_000
    workers: int = 0  # 0: as many as the load needs (auto_workers)
    seed: int = 1
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    # replicas behind the load (one per GPU): worker k sends to urls[k % len(urls)], so each replica
    # gets an equal share of the schedule; empty: everything to url
    urls: list[str] = field(default_factory=list)

    def target(self, worker: int) -> str:
        return self.urls[worker % len(self.urls)] if self.urls else self.url


# One record per request: scheduled, sent, done (seconds since the run's start), outcome (HTTP status
# or an error code), time to first token and tokens (streams; else -1 and 0). A stream's record goes on:
# whether the server counted the tokens (its usage chunk; else they are text chunks), and the gaps
# between its text chunks (inter-token latency, ITL).
Record = tuple[float, float, float, int, float, int]


Sink = Callable[[Record], None]


def auto_workers(spec: LoadSpec) -> int:
    """One asyncio process keeps about 1,500 req/s or 128 connections on these CPUs; more needs more."""
    cpus = os.cpu_count() or 1
    need = math.ceil(spec.rate / 1500) if spec.mode == "open" else math.ceil(spec.concurrency / 128)
    return max(1, min(cpus, need))


def schedule(spec: LoadSpec, worker: int, workers: int) -> list[float]:
    """Send times (seconds from start) of this worker's share of the run's one open-loop schedule."""
    return list(share(spec, worker, workers))


def share(spec: LoadSpec, worker: int, workers: int) -> Iterator[float]:
    """schedule(), drawn as it is sent (a placed worker's memory stays flat however long the run)."""
    return arrivals.share(spec.arrival, spec.rate, spec.warmup_s + spec.duration_s, spec.seed, spec.burstiness,
                          spec.max_requests, worker, workers)


async def _plain(pool: rawhttp.Pool, raw: bytes, spec: LoadSpec, scheduled: float, t0: float) -> Record:
    """A non-streamed request on the raw client: what most of the load is."""
    sent = time.monotonic() - t0
    try:
        if hasattr(asyncio, "timeout"):
            async with asyncio.timeout(spec.timeout_s):
                status = await pool.request(raw)
        else:
            status = await asyncio.wait_for(pool.request(raw), spec.timeout_s)
    except asyncio.TimeoutError:
        status = TIMEOUT
    except (OSError, asyncio.IncompleteReadError):
        status = CONNECTION
    except (rawhttp.BadResponse, ValueError):
        status = OTHER
    return (scheduled, sent, time.monotonic() - t0, status, -1.0, 0)


async def _one(session: object, spec: LoadSpec, url: str, scheduled: float, t0: float,
               gaps: list[float] | None = None) -> Record:
    """A streamed request: (..., tokens, counted by the server, gaps between text chunks). TOKENS is the
    server's own count when it gives one (its usage chunk), else the text chunks (a chunk may carry more
    than one token: the record says which)."""
    import aiohttp

    sent = time.monotonic() - t0
    ttft, tokens, used = -1.0, 0, None
    last = 0.0
    gaps = [] if gaps is None else gaps
    try:
        async with session.request(  # type: ignore[attr-defined]
            spec.request.method, url + spec.request.path, data=spec.request.body, headers=spec.headers
        ) as resp:
            if spec.request.stream and resp.status < 300:
                async for line in resp.content:
                    event = stream_event(spec.request.protocol, line)
                    if event is None:
                        break
                    n, count = event
                    used = count if count is not None else used
                    if n:
                        now = time.monotonic()
                        if ttft < 0:
                            ttft = now - t0 - sent
                        else:
                            gaps.append(now - last)
                        last = now
                    tokens += n
            else:
                await resp.read()
            status = resp.status
    except asyncio.TimeoutError:
        status = TIMEOUT
    except aiohttp.ClientConnectionError:
        status = CONNECTION
    except aiohttp.ClientError:
        status = OTHER
    return (scheduled, sent, time.monotonic() - t0, status, ttft, tokens if used is None else used,  # type: ignore[return-value]
            used is not None, gaps)


async def _until(when: float) -> None:
    """Sleep until WHEN on the monotonic clock, to well under a millisecond.

    The event loop's timers wake up to 1 ms late (epoll's resolution), which would show as schedule
    lag; the last millisecond is spent yielding to the loop instead, so other requests still progress.
    """
    delay = when - time.monotonic()
    if delay > SPIN_S:
        await asyncio.sleep(delay - SPIN_S)
    while time.monotonic() < when:
        await asyncio.sleep(0)


async def _run_worker(spec: LoadSpec, worker: int, workers: int, t0: float,
                      times: Iterable[float] | None = None, sink: Sink | None = None) -> list[Record]:
    if spec.request.stream:
        return await _run_streams(spec, worker, workers, t0, times, sink)
    # Open loop wants no client-side queue, but a stalled server must not make us open sockets
    # without bound: requests beyond this many in flight wait (their latency still counts from schedule).
    pool = rawhttp.Pool(spec.target(worker), MAX_CONNECTIONS)
    raw = pool.encode(spec.request.method, spec.request.path, spec.request.body, spec.headers)
    try:
        return await _drive(spec, worker, workers, t0, lambda at: _plain(pool, raw, spec, at, t0), times, sink)
    finally:
        pool.close()


async def _run_streams(spec: LoadSpec, worker: int, workers: int, t0: float,
                       times: Iterable[float] | None = None, sink: Sink | None = None) -> list[Record]:
    """Streamed (token) requests: aiohttp reads the event stream."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=spec.timeout_s)
    connector = aiohttp.TCPConnector(limit=MAX_CONNECTIONS)
    url = spec.target(worker)

    async def send(at: float) -> Record:
        return await _one(session, spec, url, at, t0)

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        return await _drive(spec, worker, workers, t0, send, times, sink)


async def _drive(spec: LoadSpec, worker: int, workers: int, t0: float, send: Callable[[float], Awaitable[Record]],
                 times: Iterable[float] | None = None, sink: Sink | None = None) -> list[Record]:
    """This worker's share of the load: sends on schedule (open loop) or back to back (closed loop).
    TIMES: the send times to keep (else this worker's share of the spec's schedule); SINK: each
    record is handed to it as it completes and none is kept (memory bounded by what is in flight)."""
    records: list[Record] = []
    await asyncio.sleep(max(0.0, t0 - time.monotonic()))
    if spec.mode == "open" and sink is not None:
        pending: set[asyncio.Future[Record]] = set()

        def done(task: asyncio.Future[Record]) -> None:
            pending.discard(task)
            sink(task.result())

        for at in schedule(spec, worker, workers) if times is None else times:
            await _until(t0 + at)
            task = asyncio.ensure_future(send(at))
            pending.add(task)
            task.add_done_callback(done)
        while pending:
            await asyncio.wait(set(pending))
        return records
    if spec.mode == "open":
        tasks = []
        for at in schedule(spec, worker, workers) if times is None else times:
            await _until(t0 + at)
            tasks.append(asyncio.ensure_future(send(at)))
        return list(await asyncio.gather(*tasks))
    end = t0 + spec.warmup_s + spec.duration_s
    share = spec.concurrency // workers + (1 if worker < spec.concurrency % workers else 0)
    budget = [max(1, spec.max_requests // workers)]

    async def loop() -> None:
        while time.monotonic() < end and budget[0] > 0:
            budget[0] -= 1
            records.append(await send(time.monotonic() - t0))

    await asyncio.gather(*(loop() for _ in range(share)))
    return records


def _event_loop_run(coro: Any) -> Any:
    """asyncio.run, on uvloop where it is installed (its loop and streams cost less per request)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    if hasattr(asyncio, "Runner"):
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    uvloop.install()
    return asyncio.run(coro)


def _worker_main(spec: LoadSpec, worker: int, workers: int, t0: float, conn: object) -> None:
    try:
        conn.send(_event_loop_run(_run_worker(spec, worker, workers, t0)))  # type: ignore[attr-defined]
    except BaseException as exc:  # the parent reports it; a worker must never hang the run
        conn.send(exc)  # type: ignore[attr-defined]


def run_share(spec: LoadSpec, times: Iterable[float], t0: float, sink: Sink) -> None:
    """Send TIMES (seconds after T0 on the monotonic clock) in this process, handing each completed
    request's record to SINK: one worker of a distributed run (clustercheck.bench.worker)."""
    _event_loop_run(_run_worker(spec, 0, 1, t0, times, sink))


def run(spec: LoadSpec) -> tuple[list[Record], int]:
    """Run the load; returns every request's record and the number of worker processes used."""
    per_worker = run_per_worker(spec)
    return [r for records in per_worker for r in records], len(per_worker)


def run_per_worker(spec: LoadSpec) -> list[list[Record]]:
    """Run the load; each worker process's records, in worker order (worker k sent to spec.target(k))."""
    workers = spec.workers or auto_workers(spec)
    if spec.urls:  # every replica its own worker(s), the same number each
        workers = -(-max(workers, len(spec.urls)) // len(spec.urls)) * len(spec.urls)
    t0 = time.monotonic() + 0.3 + 0.05 * workers  # all workers start on the same clock
    if workers == 1:
        return [_event_loop_run(_run_worker(spec, 0, 1, t0))]
    ctx = multiprocessing.get_context("fork")
    procs, pipes = [], []
    for k in range(workers):
        parent, child = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_worker_main, args=(spec, k, workers, t0, child), daemon=True)
        p.start()
        procs.append(p)
        pipes.append(parent)
    per_worker: list[list[Record]] = []
    deadline = spec.warmup_s + spec.duration_s + spec.timeout_s + 30
    for pipe, p in zip(pipes, procs):
        if not pipe.poll(max(1.0, t0 + deadline - time.monotonic())):
            p.kill()
            raise RuntimeError(f"load worker {p.pid} did not finish")
        got = pipe.recv()
        if isinstance(got, BaseException):
            raise RuntimeError(f"load worker failed: {got}")
        per_worker.append(got)
        p.join(5)
    return per_worker
