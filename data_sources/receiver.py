"""Webhook receiver: TTN webhooks and ChirpStack HTTP-integration posts, filed atomically into inboxes."""

from __future__ import annotations

import argparse
import hmac
import json
import os
import sys
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from data_sources import inbox

TOKEN_HEADER = "X-Showroom-Token"
DEFAULT_TOKEN_ENV = "SHOWROOM_WEBHOOK_TOKEN"
MAX_BYTES = 256 * 1024  # a TTN uplink is 2–4 kB; anything near this limit is not one
READ_TIMEOUT_S = 10.0
KINDS_WITH_INBOX = ("ttn", "chirpstack")


class Receiver(ThreadingHTTPServer):
    """An HTTP server that knows its routes (path → inbox directory), token and size limit.

    Every ``ttn``/``chirpstack`` source with ``inbox = "…"`` gets the path ``/<source key>``
    (sub-paths too, so TTN's per-message paths such as ``/<key>/uplink`` work). A request must
    carry the shared secret in ``X-Showroom-Token`` or as ``Authorization: Bearer …``.
    Answers: 202 stored, 204 ignored (ChirpStack events other than ``up``), 400 not JSON,
    401 wrong or missing token, 404 unknown path, 405 not POST, 411 no length, 413 too large,
    503 could not store (the sender retries). Nothing is answered 202 before it is on disk.
    """

    daemon_threads = True

    def __init__(self, address: tuple[str, int], routes: Mapping[str, Path], *, token: str, max_bytes: int = MAX_BYTES) -> None:
        if not token:
            msg = "the receiver needs a non-empty shared token"
            raise ValueError(msg)
        self.routes = {"/" + path.strip("/"): Path(folder) for path, folder in routes.items()}
        self.token = token.encode("utf-8")
        self.max_bytes = max_bytes
        super().__init__(address, _Handler)

    def inbox_for(self, path: str) -> Path | None:
        for prefix, folder in self.routes.items():
            if path == prefix or path.startswith(prefix + "/"):
                return folder
        return None


class _Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT_S  # a client that stalls mid-body does not hold a thread forever
    # Headers and body leave in two writes; with Nagle on, each answer waited ~40 ms for an ACK.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args) -> None:  # the stdlib's signature
        # Requests are logged without query strings or headers: tokens may travel in either.
        sys.stderr.write(f"receiver: {self.command} {urlsplit(self.path).path} {args[1] if len(args) > 1 else ''}\n")

    def do_POST(self) -> None:  # the stdlib's naming
        parts = urlsplit(self.path)
        folder = self.server.inbox_for(parts.path)
        if folder is None:
            return self._answer(404, "unknown path")
        if not self._authorised():
            return self._answer(401, "missing or wrong token")
        if self.headers.get("Transfer-Encoding") or self.headers.get("Content-Length") is None:
            return self._answer(411, "send a Content-Length")
        try:
            length = int(self.headers["Content-Length"])
        except ValueError:
            return self._answer(400, "bad Content-Length")
        if length > self.server.max_bytes or length < 0:
            return self._answer(413, f"body larger than {self.server.max_bytes} bytes")
        body = self.rfile.read(length)
        if len(body) != length:
            return self._answer(400, "body shorter than its Content-Length")
        try:
            json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return self._answer(400, "body is not JSON")
        event = parse_qs(parts.query).get("event", ["up"])[-1]
        if event != "up":
            return self._answer(204, "")  # ChirpStack join/status/location/log events: not readings
        try:
            inbox.append(folder, body)
        except OSError:
            return self._answer(503, "could not store the event, try again")
        return self._answer(202, "stored")

    def _other(self) -> None:
        if self.server.inbox_for(urlsplit(self.path).path) is None:
            return self._answer(404, "unknown path")
        return self._answer(405, "POST only", {"Allow": "POST"})

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _other

    def _authorised(self) -> bool:
        given = self.headers.get(TOKEN_HEADER) or ""
        bearer = self.headers.get("Authorization") or ""
        if bearer.lower().startswith("bearer "):
            given = given or bearer[7:].strip()
        return hmac.compare_digest(given.encode("utf-8"), self.server.token)

    def _answer(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        body = message.encode("utf-8") if status != 204 else b""
        if status >= 400:
            # The request body may still be unread: it must not be taken for the next request.
            self.close_connection = True
        try:
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the sender hung up; a stored event stays stored


def routes_from_config(path: str | os.PathLike | None) -> dict[str, Path]:
    """``/<source key>`` → inbox directory for every ttn/chirpstack source that has an inbox."""
    from core.config import load_config  # only the command line needs the city config

    config = load_config(path)
    return {f"/{src['key']}": inbox.directory(src) for src in config.sources if src["kind"] in KINDS_WITH_INBOX and src.get("inbox")}


def main(argv: Sequence[str] | None = None) -> int:
    """``SHOWROOM_WEBHOOK_TOKEN=… python -m data_sources.receiver --config city.toml --port 8090``"""
    parser = argparse.ArgumentParser(prog="python -m data_sources.receiver", description=__doc__)
    parser.add_argument("--config", help="city TOML (default: SHOWROOM_CONFIG or the bundled demo)")
    parser.add_argument("--route", action="append", default=[], metavar="PATH=DIR", help="extra route, e.g. /ttn=inbox/ttn")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--token-env", default=DEFAULT_TOKEN_ENV, help=f"env var holding the shared token (default {DEFAULT_TOKEN_ENV})")
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    args = parser.parse_args(argv)
    token = os.environ.get(args.token_env, "")
    if not token:
        parser.error(f"set the shared token in the environment variable {args.token_env}")
    routes = {} if args.route and not args.config else routes_from_config(args.config)
    for item in args.route:
        path, _, folder = item.partition("=")
        if not folder:
            parser.error(f"--route wants PATH=DIR, got {item!r}")
        routes[path] = Path(folder)
    if not routes:
        parser.error("no routes: give --route or a config with ttn/chirpstack sources that set inbox")
    server = Receiver((args.host, args.port), routes, token=token, max_bytes=args.max_bytes)
    print(f"receiver on {args.host}:{server.server_address[1]}: {', '.join(sorted(server.routes))}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
