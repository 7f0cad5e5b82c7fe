"""The load engine's raw HTTP/1.1 client against scripted answers: every framing an inference server
may use, and the broken ones counted as errors instead of hanging or crashing the run."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

import pytest

from clustercheck.bench import engine, rawhttp, stats
from clustercheck.bench.protocols import predict_request

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"predictions\":0}"
CHUNKED = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
CLOSE = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy"
UNTIL_CLOSE = b"HTTP/1.0 200 OK\r\n\r\nbody until the connection closes"
GARBAGE = b"SSH-2.0-OpenSSH_9.2\r\n\r\n"
TRUNCATED = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part"


async def _serve(answers: list[bytes], handler_done: list[int]) -> tuple[asyncio.AbstractServer, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while answers:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")))
                await reader.readexactly(length)
                answer = answers.pop(0)
                writer.write(answer)
                await writer.drain()
                handler_done.append(1)
                if answer in (CLOSE, UNTIL_CLOSE, TRUNCATED, GARBAGE):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


def _run(answers: list[bytes], body: Callable[[rawhttp.Pool, bytes], Awaitable[object]]) -> object:
    async def main() -> object:
        server, url = await _serve(answers, [])
        pool = rawhttp.Pool(url, 4)
        raw = pool.encode("POST", "/invocations", b"{}", {"Content-Type": "application/json"})
        try:
            return await asyncio.wait_for(body(pool, raw), 5)
        finally:
            pool.close()
            server.close()

    return asyncio.run(main())


def test_framings_keep_alive_and_close() -> None:
    async def body(pool: rawhttp.Pool, raw: bytes) -> list[int]:
        return [await pool.request(raw) for _ in range(4)]

    # two on one kept-alive connection, then a close, then a new connection reads to its end
    assert _run([OK, CHUNKED, CLOSE, UNTIL_CLOSE], body) == [200, 200, 503, 200]


@pytest.mark.parametrize("answer,error", [(GARBAGE, rawhttp.BadResponse), (TRUNCATED, ConnectionError)])
def test_broken_answers_raise(answer: bytes, error: type) -> None:
    async def body(pool: rawhttp.Pool, raw: bytes) -> object:
        with pytest.raises(error):
            await pool.request(raw)
        return None

    _run([answer], body)


def test_the_engine_counts_broken_answers_as_errors() -> None:
    async def main() -> dict:
        server, url = await _serve([OK, GARBAGE], [])
        spec = engine.LoadSpec(url=url, request=predict_request("mlflow", "m", [[1, 2, 3, 4]]), mode="closed",
                               concurrency=1, duration_s=0.5, warmup_s=0, max_requests=3, timeout_s=1)
        loop = asyncio.get_running_loop()
        records, workers = await loop.run_in_executor(None, engine.run, spec)
        server.close()
        return stats.summarize(spec, records, workers)

    out = asyncio.run(main())
    assert out["ok"] == 1 and out["errors"].get("client_error") == 1, out["errors"]


def test_a_host_of_the_callers_is_sent_to_the_address_connected_to() -> None:
    """inference.endpoint.connect_to: the ingress's address connected to, the service's name as Host."""
    from clustercheck.bench.endpoint import load_spec

    cfg = {"endpoint": {"url": "http://cc-iris-default.cc.local/", "protocol": "v2", "model_name": "cc-iris",
                        "size": "D(16,16)", "connect_to": "10.98.0.11:30080"},
           "samples": [{"input": [1.0, 2.0], "output": 0}],
           "load": {"arrival": "constant", "burstiness": 1.0, "warmup_s": 0, "timeout_s": 5, "max_requests": 10,
                    "workers": 1}}
    spec = load_spec(cfg, 10, 1)
    assert spec.url == "http://10.98.0.11:30080"
    raw = rawhttp.Pool(spec.url, 1).encode("POST", "/v2/models/cc-iris/infer", b"{}", spec.headers)
    head = raw.split(b"\r\n\r\n")[0].decode().split("\r\n")
    assert [h for h in head if h.lower().startswith("host:")] == ["Host: cc-iris-default.cc.local"]
    # without connect_to: the URL's own authority, once
    assert b"Host: 10.98.0.11:30080" in rawhttp.Pool(spec.url, 1).encode("POST", "/", b"", {})
