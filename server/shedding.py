"""Serve with waitress, answering connections past ``connection_limit`` with 503.

Waitress, at its connection limit, stops accepting: new clients wait in the
listen backlog, and past it their connections hang. Here the server keeps
accepting a little longer and answers each connection past the limit at once
with ``503 Service Unavailable`` and ``Retry-After``, then closes it.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from loader.settings import Settings
from server.errors import RETRY_AFTER

# Connections past connection_limit that get their 503 before waitress stops accepting.
REFUSAL_SLOTS = 64
REFUSAL_LINGER = 5.0  # seconds a refused connection may take to read its answer


def refusal(limit: int) -> bytes:
    """The whole HTTP response sent to a connection past the limit."""
    body = json.dumps(
        {
            "ok": False,
            "error": f"the server has {limit} open connections, its most (setting "
            "connection_limit); try again shortly",
            "errors": [],
            "status": 503,
        }
    ).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nRetry-After: {RETRY_AFTER}\r\n"
        "Connection: close\r\nServer: attest\r\n\r\n"
    )
    return head.encode() + body


class _Refused(wasyncore.dispatcher):  # type: ignore[misc]
    """A connection past the limit: write the 503, read and drop the request, close."""

    def __init__(self, conn: socket.socket, map: dict[int, Any], answer: bytes) -> None:
        super().__init__(conn, map)
        self.answer = answer
        self.deadline = time.monotonic() + REFUSAL_LINGER

    def readable(self) -> bool:
        if time.monotonic() > self.deadline:
            self.close()
            return False
        return True

    def writable(self) -> bool:
        return bool(self.answer)

    def handle_write(self) -> None:
        sent = self.send(self.answer)
        self.answer = self.answer[sent:]
        if not self.answer:
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                self.close()

    def handle_read(self) -> None:
        self.recv(65536)  # the request is not read further; EOF closes the connection

    def handle_close(self) -> None:
        self.close()


def serve(app: Any, settings: Settings) -> None:
    """Run waitress for *app* with the limits the settings give, until interrupted.

    :raises OSError: if the address cannot be bound.
    """
    proxies: dict[str, Any] = {}
    if settings.proxy_hops:
        # Only the client address: scheme and host come from public_url, never a header.
        proxies = {
            "trusted_proxy": "*",
            "trusted_proxy_count": settings.proxy_hops,
            "trusted_proxy_headers": {"x-forwarded-for"},
        }
    server = create_server(
        app,
        **proxies,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="attest",
        connection_limit=settings.connection_limit + REFUSAL_SLOTS,
        backlog=settings.connection_limit,
        # Waitress buffers a body before the app sees it: refuse huge ones at once, and
        # leave the app room to answer slightly-too-large ones naming max_body_bytes.
        max_request_body_size=2 * settings.max_body_bytes,
        max_request_header_size=max(65536, 2 * settings.max_url_length),
        channel_timeout=max(30, int(settings.query_timeout) + 10),
    )
    answer = refusal(settings.connection_limit)
    accept = server.handle_accept
    connections = server._map  # the listener, its trigger, and one entry per connection

    def handle_accept() -> None:
        if len(connections) - 2 < settings.connection_limit:
            accept()
            return
        try:
            accepted = server.accept()
        except OSError:
            return
        if accepted is not None:
            _Refused(accepted[0], connections, answer)

    server.handle_accept = handle_accept
    server.run()
