"""A minimal HTTP/1.1 keep-alive client for the load engine's plain (non-streamed) requests.

aiohttp's client costs tens of microseconds of Python per request (header multidicts, cookie jar,
tracing hooks, response objects, stream readers); at thousands of requests a second on two cores that,
not the server, was the ceiling, and at light load it added to every latency. Here a request is one
pre-encoded byte string written to a pooled connection, and an asyncio Protocol parses the answer as
it arrives: status line, headers to the blank line, then Content-Length bytes or chunks. What else
HTTP allows (1xx, trailers, pipelining) inference servers do not send; a malformed answer closes the
connection and counts as an error.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
from urllib.parse import urlsplit


class BadResponse(Exception):
    """The server's answer was not HTTP/1.x we can read."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection; at most one request in flight on it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bool]] | None = None
        self.buf = bytearray()
        self.closed = False
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.keep = True
        self.need = -1  # body bytes still to come; -1: headers not read yet
        self.chunked = False
        self.until_close = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter and not self.waiter.done():
            if self.until_close and self.status:
                self.waiter.set_result((self.status, False))
            else:
                self.waiter.set_exception(exc or ConnectionResetError("connection closed before the response"))

    def send(self, raw: bytes, waiter: "asyncio.Future[tuple[int, bool]]") -> None:
        self._reset()
        self.buf.clear()
        self.waiter = waiter
        assert self.transport is not None
        self.transport.write(raw)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        try:
            done = self._parse()
        except (BadResponse, ValueError) as exc:
            if self.waiter and not self.waiter.done():
                self.waiter.set_exception(exc if isinstance(exc, BadResponse) else BadResponse(str(exc)))
            self.keep = False
            if self.transport:
                self.transport.close()
            return
        if done and self.waiter and not self.waiter.done():
            self.waiter.set_result((self.status, self.keep))

    def _parse(self) -> bool:
        if self.need < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > 65536:
                    raise BadResponse("response headers too long")
                return False
            self._headers(bytes(self.buf[:end]))
            del self.buf[:end + 4]
        if self.until_close:
            self.buf.clear()
            return False
        if self.chunked:
            return self._chunks()
        if len(self.buf) >= self.need:
            del self.buf[:self.need]
            return True
        return False

    def _headers(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        first = lines[0].split(b" ", 2)
        if len(first) < 2 or not first[0].startswith(b"HTTP/1."):
            raise BadResponse(f"not an HTTP/1.x status line: {lines[0][:60]!r}")
        self.status = int(first[1])
        self.keep = first[0] == b"HTTP/1.1"
        length = -1
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                self.chunked = b"chunked" in value.lower()
            elif name == b"connection":
                token = value.strip().lower()
                self.keep = token != b"close" if self.keep else token == b"keep-alive"
        if self.chunked:
            self.need = 0
        elif length >= 0:
            self.need = length
        elif self.status in (204, 304) or 100 <= self.status < 200:
            self.need = 0
        else:
            self.need, self.until_close, self.keep = 0, True, False

    def _chunks(self) -> bool:
        while True:
            end = self.buf.find(b"\r\n")
            if end < 0:
                return False
            size = int(bytes(self.buf[:end]).split(b";")[0], 16)
            if len(self.buf) < end + 2 + size + 2:
                return False
            del self.buf[:end + 2 + size + 2]
            if size == 0:
                return True


class Pool:
    """Keep-alive connections to one origin; at most LIMIT open, further requests wait for one."""

    def __init__(self, url: str, limit: int) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        self.authority = parts.netloc
        self.base = parts.path.rstrip("/")
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(limit)
        self.ssl = ssl_module.create_default_context() if self.tls else None

    def encode(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
        """The request as bytes, built once per run and written as is for every request."""
        # a Host of the caller's: the name an ingress routes on, the connection going to its address
        host = next((v for k, v in headers.items() if k.lower() == "host"), self.authority)
        lines = [f"{method} {self.base}{path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in ("host", "content-length")]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def request(self, raw: bytes) -> int:
        """Send RAW on a pooled connection; the response status once its body has been read."""
        async with self.slots:
            loop = asyncio.get_running_loop()
            conn = None
            while self.idle:
                conn = self.idle.pop()
                if not conn.closed:
                    break
                conn = None
            if conn is None:
                _, conn = await loop.create_connection(_Connection, self.host, self.port, ssl=self.ssl)
            waiter: asyncio.Future[tuple[int, bool]] = loop.create_future()
            try:
                conn.send(raw, waiter)
                status, keep = await waiter
            except BaseException:
                if conn.transport:
                    conn.transport.close()
                raise
            if keep and not conn.closed:
                self.idle.append(conn)
            elif conn.transport:
                conn.transport.close()
            return status

    def close(self) -> None:
        for conn in self.idle:
            if conn.transport:
                conn.transport.close()
        self.idle.clear()
