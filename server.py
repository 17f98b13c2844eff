"""The showroom's server: ``streamlit run server.py`` serves app.py and the open-data API, polls from the start, sends security headers.

Streamlit runs a file that defines an ``st.App`` as that app's own (Starlette) server. What only
a server can do lives here: ingestion starts with the server rather than with the first page
view (a kiosk PC that boots before anyone looks still shows today's data); the open-data API
(``api/``: SensorThings under ``/api/v1.1/``, ``/api/download``, ``/api/catalog``) answers beside
the pages; and every answer carries headers that keep the pages out of foreign frames and
browsers from guessing content types. ``streamlit run app.py`` still works, without all three.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import streamlit as st
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import api
from api.context import Context
from core.config import ConfigError, load_config, store_location
from core.ingest import start_background
from data_sources import KINDS
from ui.secrets import export_secrets

log = logging.getLogger("showroom.server")

# Streamlit's page needs inline styles and scripts of its own, and images, fonts and map
# tiles from wherever a city points its base map; what it must never do is run inside a
# stranger's frame (clickjacking a public screen's controls) or post forms elsewhere.
HEADERS: dict[bytes, bytes] = {
    b"content-security-policy": b"frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'",
    b"x-frame-options": b"SAMEORIGIN",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"strict-origin-when-cross-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=()",
}


class SecurityHeaders:
    """ASGI middleware: the :data:`HEADERS` on every HTTP answer (the websocket is left alone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *((k, v) for k, v in HEADERS.items() if k not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


@contextlib.asynccontextmanager
async def lifespan(app: st.App) -> AsyncIterator[None]:
    """Start polling with the server (once per process); a bad config is shown by the pages instead."""
    try:
        config = load_config(kinds=KINDS)
    except ConfigError as exc:
        log.error("not polling: %s", exc)
        yield
        return
    try:
        location = store_location(config)
    except ConfigError as exc:
        log.error("not polling: %s", exc)
        yield
        return
    export_secrets(config)
    stop = start_background(config, location)
    try:
        yield
    finally:
        stop.set()


app = st.App("app.py", lifespan=lifespan, routes=api.routes(Context.from_env()), middleware=[Middleware(SecurityHeaders)])
