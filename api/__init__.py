"""The open-data API beside the pages: SensorThings under ``/api/v1.1/``, ``/api/download`` and ``/api/catalog``.

:func:`routes` gives the Starlette routes ``server.py`` hands to ``st.App``. Everything is
read-only (GET and HEAD; other methods 405), open to any origin for GET (CORS), limited per
client address by a token bucket, and answers a bad request with a 400 whose JSON says what to
change, never a traceback. Answers are cached on the store's data version (:mod:`api.context`).
When the city keeps downloads for staff (``[access] staff``), the API does too.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api import catalog, download, sta
from api.context import Context, Unavailable, dumps
from api.odata import BadRequest
from data_sources.receiver import TokenBuckets

log = logging.getLogger("showroom.api")
RATE = 20.0  # requests per second per client, sustained
BURST = 120  # requests per client at once (a portal loading a map's Things and Datastreams)
JSON = "application/json; charset=utf-8"


class RateLimit:
    """ASGI middleware: 429 with Retry-After once a client address has used up its bucket."""

    def __init__(self, app: ASGIApp, *, rate: float | None = None, burst: int | None = None) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate=RATE if rate is None else rate, burst=BURST if burst is None else burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            client = (scope.get("client") or ("?", 0))[0]
            wait = self.buckets.take(client)
            if wait:
                answer = _error(429, "too many requests from this address, slow down")
                answer.headers["retry-after"] = str(math.ceil(wait))
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _error(status: int, message: str) -> Response:
    return Response(dumps({"error": {"code": status, "message": message}}), status_code=status, media_type=JSON)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _guarded(ctx: Context, make: Callable[[Request], tuple[bytes, dict[str, str]]]) -> Callable[[Request], Response]:
    """A GET endpoint: staff rule, cache on (path, query), typed errors to JSON answers."""

    def endpoint(request: Request) -> Response:
        try:
            config = ctx.config
            if not _allowed(config.access, request):
                return _error(403, "this city keeps its data for staff: ask through the city's staff proxy")
            key = (_base(request), request.url.path, str(request.query_params))
            body, headers = ctx.cached(key, lambda: make(request))
        except BadRequest as exc:
            return _error(400, str(exc))
        except sta.NotFound as exc:
            return _error(404, str(exc))
        except Unavailable as exc:
            log.error("API unavailable: %s", exc)
            return _error(503, "the data is not available right now")
        except Exception:  # the API's one edge: logged here, a short JSON answer out there (never a traceback)
            log.exception("API request %s failed", request.url.path)
            return _error(500, "the request failed on the server; it has been logged")
        return Response(
            body, headers={k: v for k, v in headers.items() if k != "content-type"}, media_type=headers.get("content-type", JSON)
        )

    return endpoint


def _allowed(access, request: Request) -> bool:
    from ui.access import decide  # the pages' own rule (imports streamlit, present in the server anyway)

    return decide(access, logged_in=False, headers=request.headers)


def routes(ctx: Context) -> list[BaseRoute]:
    """The API's routes under ``/api`` for ``st.App(routes=…)`` (or any Starlette app)."""

    def things(request: Request) -> tuple[bytes, dict[str, str]]:
        path = request.path_params.get("path", "")
        document = sta.answer(ctx, _base(request) + "/api/v1.1", path, dict(request.query_params))
        return dumps(document), {"content-type": JSON}

    def files(request: Request) -> tuple[bytes, dict[str, str]]:
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        return download.make(ctx, params)

    def listing(request: Request) -> tuple[bytes, dict[str, str]]:
        document = catalog.catalog(ctx.store, ctx.config, _base(request))
        return dumps(document), {"content-type": "application/ld+json; charset=utf-8"}

    inner = [
        Route("/v1.1", _guarded(ctx, things), methods=["GET"]),
        Route("/v1.1/{path:path}", _guarded(ctx, things), methods=["GET"]),
        Route("/download", _guarded(ctx, files), methods=["GET"]),
        Route("/catalog", _guarded(ctx, listing), methods=["GET"]),
    ]
    middleware = [
        Middleware(RateLimit),
        Middleware(
            CORSMiddleware, allow_origins=["*"], allow_methods=["GET"], allow_headers=[], expose_headers=["Link", "Content-Disposition"]
        ),
    ]
    return [Mount("/api", routes=inner, middleware=middleware)]
