"""A real local HTTP server on 127.0.0.1 for adapter ``fetch`` tests (never patch requests).

Usage::

    def test_fetch(feed_server):
        feed_server.route("/v2/entities", body=b'[...]', headers={"Fiware-Total-Count": "3"})
        feed_server.route("/broken", status=500)
        feed_server.route("/slow", body=b"[]", delay=2.0)
        url = feed_server.url  # "http://127.0.0.1:<port>"
        ...
        feed_server.requests  # list of (method, path, query dict, headers dict) seen

A route matches on the path only (query ignored) unless ``query`` is given, in which case
every listed query parameter must match too. Routes added later win over earlier ones.
``truncate=True`` announces a longer Content-Length than it sends and closes the socket.
``drip=True`` sends the body one byte per ``delay`` seconds (a slow, never-quite-timing-out server).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import data_sources.http as feed_http

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass
class Route:
    path: str
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    query: dict | None = None
    truncate: bool = False
    drip: bool = False
    method: str | None = None


class FeedServer:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.requests: list[tuple[str, str, dict, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                return

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length) if length else b""
                server.requests.append((self.command, parts.path, query, dict(self.headers), payload))
                route = server._match(self.command, parts.path, query)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.delay and not route.drip:
                    time.sleep(route.delay)
                body = route.body
                self.send_response(route.status)
                headers = {"Content-Type": "application/json", **route.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body) * 2 if route.truncate else len(body)))
                self.end_headers()
                try:
                    if route.drip:
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(route.delay)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    return
                if route.truncate:
                    self.close_connection = True

            do_GET = do_POST = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, path: str, body: bytes | str = b"", **kwargs) -> Route:
        if isinstance(body, str):
            body = body.encode("utf-8")
        route = Route(path=path, body=body, **kwargs)
        self.routes.append(route)
        return route

    def _match(self, method: str, path: str, query: dict) -> Route | None:
        for route in reversed(self.routes):
            if route.path != path or (route.method and route.method != method):
                continue
            if route.query and any(query.get(k) != str(v) for k, v in route.query.items()):
                continue
            return route
        return None

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.close()


@pytest.fixture
def session():
    """The project's real session (retries included) with fast backoff for tests."""
    s = feed_http.make_session()
    yield s
    s.close()
