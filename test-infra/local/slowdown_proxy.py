"""The local target's slowed-down model server (config mlops.local.serving_slowdown: FACTOR > 1).

Starts the real server command (after --) on an inner port and answers on the outer one, each request
holding the one slot - the server answers one request at a time - for FACTOR times as long as the
server took: latency at light load and capacity both become about FACTOR times worse, as on a slower
machine. It exists to show a baseline regression on a target that is otherwise unchanged.
Runs as one process group with the server (the stack stops both by the group).

usage: slowdown_proxy.py --listen PORT --upstream-port PORT --factor F -- SERVER_COMMAND...
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time


def _args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    if "--" not in argv:
        sys.exit("slowdown_proxy: needs -- SERVER_COMMAND...")
    cut = argv.index("--")
    parser = argparse.ArgumentParser(prog="slowdown_proxy.py")
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream-port", type=int, required=True)
    parser.add_argument("--factor", type=float, required=True)
    args = parser.parse_args(argv[:cut])
    if args.factor < 1:
        parser.error("--factor must be at least 1")
    if cut + 1 >= len(argv):
        sys.exit("slowdown_proxy: needs a SERVER_COMMAND after --")
    return args, argv[cut + 1:]


async def _serve(args: argparse.Namespace) -> None:
    from aiohttp import ClientError, ClientSession, TCPConnector, web

    slot = asyncio.Semaphore(1)
    upstream = f"http://127.0.0.1:{args.upstream_port}"
    session = ClientSession(connector=TCPConnector(limit=8))

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "accept")}
        async with slot:
            start = time.perf_counter()
            try:
                async with session.request(request.method, upstream + request.rel_url.path_qs,
                                           data=body, headers=headers) as resp:
                    payload = await resp.read()
                    status, ctype = resp.status, resp.headers.get("Content-Type", "application/json")
            except ClientError as exc:
                return web.Response(status=502, text=f"slowdown proxy: upstream not answering: {exc}\n")
            await asyncio.sleep((time.perf_counter() - start) * (args.factor - 1))
        return web.Response(status=status, body=payload, headers={"Content-Type": ctype})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.listen).start()
    await asyncio.Event().wait()


def main() -> None:
    args, command = _args(sys.argv[1:])
    server = subprocess.Popen(command)
    try:
        asyncio.run(_serve(args))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
