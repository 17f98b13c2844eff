"""Webhook receiver: TTN webhooks, ChirpStack HTTP-integration posts and FIWARE (NGSI-v2, NGSI-LD)
notifications, filed atomically into inboxes."""

from __future__ import annotations

import argparse
import dataclasses
import hmac
import io
import json
import math
import os
import selectors
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from data_sources import inbox
from data_sources.errors import FeedFormatError
from data_sources.fiware import notify

TOKEN_HEADER = "X-Showroom-Token"
DEFAULT_TOKEN_ENV = "SHOWROOM_WEBHOOK_TOKEN"
MAX_BYTES = 256 * 1024  # a TTN uplink is 2–4 kB; anything near this limit is not one
IDLE_TIMEOUT_S = 10.0  # a single read or write that makes no progress for this long ends the connection
KINDS_WITH_INBOX = ("ttn", "chirpstack", "ngsi_v2", "ngsi_ld")
NOTIFIED = ("ngsi_v2", "ngsi_ld")  # kinds whose bodies must be notifications of their API (checked before 202)
LINGER_S = 2.0  # how long a refused connection is read and discarded before it is closed
LINGER_MAX = 256  # refused connections lingering at once; beyond that they are closed at once
LINGER_BYTES = 1024 * 1024  # what one refused client may still send before it is cut off


@dataclass(frozen=True)
class Limits:
    """What clients may ask of the receiver (defaults sized for a city's network server, see docs/lorawan.md).

    The senders are one or a few LoRaWAN network servers: bursts after a reconnect, then tens of
    events per second at most (ten times Menden and Soest: ~5,000 devices, one uplink each per 5 minutes).
    """

    rate: float = 50.0  # requests per second per client, sustained: the token bucket's refill
    burst: int = 300  # requests per client at once: the bucket's size
    header_timeout: float = 5.0  # seconds from "ready for a request" to the end of its headers
    body_timeout: float = 10.0  # seconds from the end of the headers to the end of the body
    connections: int = 128  # open connections in all (each one holds a thread)
    connections_per_client: int = 32

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if not getattr(self, field.name) > 0:
                msg = f"receiver limit {field.name} must be positive, got {getattr(self, field.name)!r}"
                raise ValueError(msg)


# Every limit is a command-line flag and an environment variable; the flag wins.
SETTINGS = {
    "rate": ("SHOWROOM_RECEIVER_RATE", "requests per second one client may send, sustained"),
    "burst": ("SHOWROOM_RECEIVER_BURST", "requests one client may send at once before the rate applies"),
    "header_timeout": ("SHOWROOM_RECEIVER_HEADER_TIMEOUT", "seconds a client has for the request line and headers"),
    "body_timeout": ("SHOWROOM_RECEIVER_BODY_TIMEOUT", "seconds a client has for the body once the headers are in"),
    "connections": ("SHOWROOM_RECEIVER_CONNECTIONS", "open connections in all"),
    "connections_per_client": ("SHOWROOM_RECEIVER_CONNECTIONS_PER_CLIENT", "open connections per client address"),
}
TRUST_PROXY_ENV = "SHOWROOM_RECEIVER_TRUST_PROXY"


class TokenBuckets:
    """A token bucket per client: ``burst`` requests at once, then ``rate`` per second.

    >>> buckets = TokenBuckets(rate=2.0, burst=2)
    >>> [buckets.take("a", now=0.0), buckets.take("a", now=0.0), buckets.take("a", now=0.0)]
    [0.0, 0.0, 0.5]
    >>> buckets.take("b", now=0.0), buckets.take("a", now=0.5)
    (0.0, 0.0)
    """

    def __init__(self, *, rate: float, burst: int, remember: int = 10_000) -> None:
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when counted)
        self._remember = self._forget_at = remember  # clients kept before those with a full bucket are forgotten

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, client: str, *, now: float | None = None) -> float:
        """Take one token: 0.0 when the request may pass, else the seconds until it would."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, when = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.rate)
            granted = tokens >= 1.0
            self._buckets[client] = (tokens - 1.0 if granted else tokens, now)
            if len(self._buckets) > self._forget_at:
                self._forget_full(now)
            return 0.0 if granted else (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        # A client whose bucket has refilled is indistinguishable from a new one: forgetting it is free.
        # Many addresses at once (IPv6) would otherwise grow this without bound.
        full = [c for c, (tokens, when) in self._buckets.items() if tokens + (now - when) * self.rate >= self.burst]
        for client in full:
            del self._buckets[client]
        self._forget_at = max(self._remember, 2 * len(self._buckets))


class _DeadlineReader(io.RawIOBase):
    """Socket reads that end at a deadline, not only after an idle gap.

    A per-read timeout alone lets a client that drips one byte every few seconds hold its
    connection (and thread) forever: slowloris. The handler moves ``deadline`` per request phase.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.deadline = math.inf

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # io.RawIOBase's signature
        left = self.deadline - time.monotonic()
        if left <= 0:
            msg = "the client did not send its request in time"
            raise TimeoutError(msg)
        self._sock.settimeout(min(left, IDLE_TIMEOUT_S))
        return self._sock.recv_into(buffer)


class Receiver(ThreadingHTTPServer):
    """An HTTP server that knows its routes (path → inbox directory), token, size limit and client limits.

    Every ``ttn``/``chirpstack``/``ngsi_v2``/``ngsi_ld`` source with ``inbox = "…"`` gets the path
    ``/<source key>`` (sub-paths too, so TTN's per-message paths such as ``/<key>/uplink`` work);
    ``kinds`` (path → source kind) makes a path take only NGSI-v2 or NGSI-LD notifications. A request
    must carry the shared secret in ``X-Showroom-Token`` or as ``Authorization: Bearer …``.
    Answers: 202 stored, 204 ignored (ChirpStack events other than ``up``), 400 not JSON (or not a notification),
    401 wrong or missing token, 404 unknown path, 405 not POST, 411 no length, 413 too large,
    429 over the client's rate or connection limit, 503 could not store or too many connections
    (the sender retries). Nothing is answered 202 before it is on disk, and nothing later than
    202 is refused: limits are checked before the body is read.
    A client is its remote address, or for a peer in ``trusted_proxies`` (the city's reverse
    proxy) the last address of ``X-Forwarded-For``, the one that proxy saw.
    """

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        routes: Mapping[str, Path],
        *,
        token: str,
        max_bytes: int = MAX_BYTES,
        limits: Limits = Limits(),
        trusted_proxies: Iterable[str] = (),
        kinds: Mapping[str, str] | None = None,
    ) -> None:
        if not token:
            msg = "the receiver needs a non-empty shared token"
            raise ValueError(msg)
        self.routes = {"/" + path.strip("/"): Path(folder) for path, folder in routes.items()}
        self.kinds = {"/" + path.strip("/"): kind for path, kind in (kinds or {}).items()}
        self.token = token.encode("utf-8")
        self.max_bytes = max_bytes
        self.limits = limits
        self.trusted_proxies = frozenset(trusted_proxies)
        self.buckets = TokenBuckets(rate=limits.rate, burst=limits.burst)
        self._lock = threading.Lock()
        self._open: dict[socket.socket, str] = {}  # connection -> client address
        self._per_client: Counter[str] = Counter()
        self._refused: set[socket.socket] = set()
        self._lingerer = _Lingerer()
        super().__init__(address, _Handler)

    def verify_request(self, request, client_address) -> bool:  # socketserver's signature
        # Runs in the accepting thread, before a handler thread exists: a refused connection costs no thread.
        client = client_address[0]
        with self._lock:
            if len(self._open) >= self.limits.connections:
                refusal = HTTPStatus.SERVICE_UNAVAILABLE
            elif client not in self.trusted_proxies and self._per_client[client] >= self.limits.connections_per_client:
                refusal = HTTPStatus.TOO_MANY_REQUESTS
            else:
                self._open[request] = client
                self._per_client[client] += 1
                return True
        _refuse(request, refusal)
        with self._lock:
            self._refused.add(request)
        return False

    def shutdown_request(self, request) -> None:  # socketserver's signature
        # Every accepted connection ends here exactly once, whichever way its handler ended.
        with self._lock:
            if request in self._refused:
                self._refused.discard(request)
                self._lingerer.add(request)
                return
            client = self._open.pop(request, None)
            if client is not None:
                self._per_client[client] -= 1
                if not self._per_client[client]:
                    del self._per_client[client]
        super().shutdown_request(request)

    def open_connections(self) -> int:
        """Connections being handled now (for tests and logs)."""
        with self._lock:
            return len(self._open)

    def lingering_connections(self) -> int:
        """Refused connections whose answer is on its way and whose input is being discarded."""
        return len(self._lingerer)

    def server_close(self) -> None:
        super().server_close()
        self._lingerer.close()

    def inbox_for(self, path: str) -> Path | None:
        prefix = self.route_of(path)
        return None if prefix is None else self.routes[prefix]

    def route_of(self, path: str) -> str | None:
        for prefix in self.routes:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix
        return None


def _refuse(request: socket.socket, status: HTTPStatus) -> None:
    """Best-effort answer on a connection that is closed right after, without blocking the accepting thread."""
    reply = f"HTTP/1.1 {status.value} {status.phrase}\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    try:
        request.setblocking(False)
        request.send(reply.encode("ascii"))
    except OSError:
        pass  # the client is gone or its window is full: closing the connection says enough


class _Lingerer:
    """Closes refused connections the way HTTP asks (RFC 9112 §9.6): answer, stop sending, read and
    discard what the client still sends, then close.

    A socket closed with unread input (the refused client's request, sent right after connecting)
    makes the kernel answer with a reset, which can overtake the 429/503 and leave the sender with a
    broken pipe instead of a Retry-After. One thread watches every lingering socket; each gets
    ``seconds`` and ``budget`` bytes, and at most ``most`` linger at once (the rest close at once).
    """

    def __init__(self, seconds: float = LINGER_S, most: int = LINGER_MAX, budget: int = LINGER_BYTES) -> None:
        self.seconds, self.most, self.budget = seconds, most, budget
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        self._left: dict[socket.socket, list[float]] = {}  # socket -> [deadline, bytes it may still send]
        self._thread: threading.Thread | None = None
        self._closed = False

    def __len__(self) -> int:
        with self._lock:
            return len(self._left)

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if self._closed or len(self._left) >= self.most:
                sock.close()
                return
            try:
                sock.shutdown(socket.SHUT_WR)  # our answer is complete: the client sees its end
                sock.setblocking(False)
                self._selector.register(sock, selectors.EVENT_READ)
            except (OSError, ValueError):
                sock.close()
                return
            self._left[sock] = [time.monotonic() + self.seconds, float(self.budget)]
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="receiver-linger", daemon=True)
                self._thread.start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for sock in list(self._left):
                self._drop(sock)
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def _drop(self, sock: socket.socket) -> None:  # with the lock held
        self._left.pop(sock, None)
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    self._selector.close()
                    return
                watching = bool(self._left)
            events = self._selector.select(timeout=0.1) if watching else []
            if not watching:
                time.sleep(0.1)
            now = time.monotonic()
            with self._lock:
                if self._closed:
                    continue
                for key, _ in events:
                    sock = key.fileobj
                    left = self._left.get(sock)
                    if left is None:
                        continue
                    try:
                        data = sock.recv(65536)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    left[1] -= len(data)
                    if not data or left[1] <= 0:
                        self._drop(sock)
                for sock, (deadline, _) in list(self._left.items()):
                    if now >= deadline:
                        self._drop(sock)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S  # a client that stops reading our answer does not hold a thread forever
    # Headers and body leave in two writes; with Nagle on, each answer waited ~40 ms for an ACK.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the stdlib's reader: an open one would keep the socket from really closing
        self._reader = _DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # The clock starts when the connection is ready for a request (accepted, or the last answer
        # sent): an idle keep-alive connection is closed after header_timeout too.
        self._reader.deadline = time.monotonic() + self.server.limits.header_timeout
        super().handle_one_request()

    def log_message(self, format: str, *args) -> None:  # the stdlib's signature
        # Requests are logged without query strings or headers: tokens may travel in either.
        # A request that timed out before its first line has no command or path yet.
        path = urlsplit(getattr(self, "path", "") or "").path
        status = args[1] if len(args) > 1 else (format % args if args else format)
        sys.stderr.write(f"receiver: {getattr(self, 'command', None) or '-'} {path or '-'} {status}\n")

    def do_POST(self) -> None:  # the stdlib's naming
        if self._throttled():
            return None
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
        self._reader.deadline = time.monotonic() + self.server.limits.body_timeout
        body = self.rfile.read(length)  # TimeoutError at the deadline: the stdlib closes the connection
        if len(body) != length:
            return self._answer(400, "body shorter than its Content-Length")
        try:
            decoded = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return self._answer(400, "body is not JSON")
        kind = self.server.kinds.get(self.server.route_of(parts.path) or "")
        if kind in NOTIFIED:
            try:
                notify.entities(decoded, kind=kind)
            except FeedFormatError as exc:
                return self._answer(400, str(exc))
            return self._store(folder, body)
        event = parse_qs(parts.query).get("event", ["up"])[-1]
        if event != "up":
            return self._answer(204, "")  # ChirpStack join/status/location/log events: not readings
        return self._store(folder, body)

    def _store(self, folder: Path, body: bytes) -> None:
        try:
            inbox.append(folder, body)
        except OSError:
            return self._answer(503, "could not store the event, try again")
        return self._answer(202, "stored")

    def _other(self) -> None:
        if self._throttled():
            return None
        if self.server.inbox_for(urlsplit(self.path).path) is None:
            return self._answer(404, "unknown path")
        return self._answer(405, "POST only", {"Allow": "POST"})

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _other

    def _client(self) -> str:
        peer = self.client_address[0]
        if peer not in self.server.trusted_proxies:
            return peer
        forwarded = ",".join(self.headers.get_all("X-Forwarded-For") or ())
        return forwarded.rsplit(",", 1)[-1].strip() or peer  # the proxy appends the address it saw

    def _throttled(self) -> bool:
        """Answer 429 when the client has used up its bucket; checked before route, token and body."""
        wait = self.server.buckets.take(self._client())
        if not wait:
            return False
        self._answer(429, "too many requests, slow down", {"Retry-After": str(math.ceil(wait))})
        return True

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
            self.connection.settimeout(IDLE_TIMEOUT_S)  # reads may have left a shorter one behind
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
    """``/<source key>`` → inbox directory for every ttn/chirpstack/ngsi_v2/ngsi_ld source that has an inbox."""
    return {route: folder for route, (folder, _) in _inbox_sources(path).items()}


def kinds_from_config(path: str | os.PathLike | None) -> dict[str, str]:
    """``/<source key>`` → source kind, for the routes of :func:`routes_from_config`."""
    return {route: kind for route, (_, kind) in _inbox_sources(path).items()}


def _inbox_sources(path: str | os.PathLike | None) -> dict[str, tuple[Path, str]]:
    from core.config import load_config  # only the command line needs the city config

    config = load_config(path)
    return {
        f"/{src['key']}": (inbox.directory(src), src["kind"])
        for src in config.sources
        if src["kind"] in KINDS_WITH_INBOX and src.get("inbox")
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``SHOWROOM_WEBHOOK_TOKEN=… python -m data_sources.receiver --config city.toml --port 8090``"""
    parser = argparse.ArgumentParser(prog="python -m data_sources.receiver", description=__doc__)
    parser.add_argument("--config", help="city TOML (default: SHOWROOM_CONFIG or the bundled demo)")
    parser.add_argument("--route", action="append", default=[], metavar="PATH=DIR", help="extra route, e.g. /ttn=inbox/ttn")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--token-env", default=DEFAULT_TOKEN_ENV, help=f"env var holding the shared token (default {DEFAULT_TOKEN_ENV})")
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    for field in dataclasses.fields(Limits):
        env, help_text = SETTINGS[field.name]
        # argparse converts a string default with `type`, so a bad env value is reported like a bad flag
        parser.add_argument(
            "--" + field.name.replace("_", "-"),
            type=type(field.default),
            default=os.environ.get(env, field.default),
            help=f"{help_text} (env {env}, default {field.default})",
        )
    parser.add_argument(
        "--trust-proxy",
        action="append",
        metavar="ADDR",
        help=f"address of a reverse proxy whose X-Forwarded-For names the client (repeatable; env {TRUST_PROXY_ENV}, comma-separated)",
    )
    args = parser.parse_args(argv)
    try:
        limits = Limits(**{field.name: getattr(args, field.name) for field in dataclasses.fields(Limits)})
    except ValueError as exc:
        parser.error(str(exc))
    proxies = args.trust_proxy or [a.strip() for a in os.environ.get(TRUST_PROXY_ENV, "").split(",") if a.strip()]
    token = os.environ.get(args.token_env, "")
    if not token:
        parser.error(f"set the shared token in the environment variable {args.token_env}")
    routes = {} if args.route and not args.config else routes_from_config(args.config)
    kinds = {} if args.route and not args.config else kinds_from_config(args.config)
    for item in args.route:
        path, _, folder = item.partition("=")
        if not folder:
            parser.error(f"--route wants PATH=DIR, got {item!r}")
        routes[path] = Path(folder)
    if not routes:
        parser.error("no routes: give --route or a config with ttn, chirpstack, ngsi_v2 or ngsi_ld sources that set inbox")
    server = Receiver(
        (args.host, args.port), routes, token=token, max_bytes=args.max_bytes, limits=limits, trusted_proxies=proxies, kinds=kinds
    )
    print(f"receiver on {args.host}:{server.server_address[1]}: {', '.join(sorted(server.routes))}; {limits}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
