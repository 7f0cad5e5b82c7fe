"""The coordinator's clock, as its workers measure it: the coordinator answers `GET /time` with its wall
clock for as long as a distributed run lasts, and each worker asks a few times before it starts and
takes the answer with the shortest round trip (Cristian's algorithm, as NTP's clock filter does):
offset = coordinator's time - the midpoint of the worker's send and receive, within half that round trip.

The start time the coordinator announces is on its own clock; a worker reads it on its own, corrected by
the offset, so a clock that is off does not matter. What does is how well the offset is known: a worker
whose fastest probe took a round trip longer than twice the lag bound may start early or late by more
than the bound, and its result is refused.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

PROBES = 7


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps({"t": time.time()}).encode()
        self.send_response(200 if self.path == "/time" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


class Server:
    """`with Server(address) as s:` serves the clock on ADDRESS (port 0: any free one) at s.url."""

    def __init__(self, address: str, port: int = 0) -> None:
        try:
            self._http = ThreadingHTTPServer((address, port), _Handler)
        except OSError as exc:
            raise RuntimeError(f"cannot serve the coordinator's clock on {address}: {exc.strerror or exc} "
                               "(inference.load.distributed.coordinator_address, --coordinator-address)") from None
        self._http.daemon_threads = True
        self.url = f"http://{address}:{self._http.server_address[1]}/time"

    def __enter__(self) -> "Server":
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._http.shutdown()
        self._http.server_close()


def offset(url: str, probes: int = PROBES, timeout_s: float = 2.0, clock: Callable[[], float] = time.time,
           delay_s: float = 0.0) -> tuple[float, float]:
    """(offset, round trip) in seconds: the coordinator's clock minus CLOCK, from the fastest probe; the
    offset is known to within half that round trip. DELAY_S (test mode) slows each answer's way back."""
    best: tuple[float, float] | None = None
    for _ in range(probes):
        sent = clock()
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:  # noqa: S310 (the coordinator's http URL)
            theirs = float(json.loads(resp.read())["t"])
        time.sleep(delay_s)
        back = clock()
        rtt = back - sent
        if best is None or rtt < best[1]:
            best = (theirs - (sent + back) / 2, rtt)
    assert best is not None
    return best
