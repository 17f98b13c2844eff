"""Requests to a FIWARE broker or QuantumLeap: address, tenant and token headers, query filters, limit/offset paging."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from data_sources import http
from data_sources._kit import base_url, number, timeout
from data_sources.errors import FeedFormatError

PAGE_SIZE = 100  # Orion's maximum is 1000; 100 keeps single answers small
MAX_ENTITIES = 20_000
V2_TENANT = {"service": "Fiware-Service", "service_path": "Fiware-ServicePath"}  # Orion and QuantumLeap


def url(cfg: Mapping[str, Any], path: str) -> str:
    """``path`` on the source's broker (``base_url`` has no default: every city runs its own)."""
    return base_url(cfg, what="the city's broker") + path


def headers(cfg: Mapping[str, Any], tenant: Mapping[str, str]) -> dict[str, str]:
    """Tenant headers from the config and the secret from ``api_key_env`` (X-Auth-Token, or Bearer for Authorization)."""
    out = {name: str(cfg[key]) for key, name in tenant.items() if cfg.get(key)}
    token = http.secret(cfg)
    if token:
        name = str(cfg.get("auth_header") or "X-Auth-Token")
        out[name] = f"Bearer {token}" if name.lower() == "authorization" else token
    return out


def filters(cfg: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, str]:
    """Query parameters from config keys; lists become the comma-separated form both NGSI APIs take."""
    out = {}
    for key, param in names.items():
        value = cfg.get(key)
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        if value:
            out[param] = str(value)
    return out


def header(reply: http.Reply, name: str) -> str | None:
    return next((v for k, v in reply.headers.items() if k.lower() == name.lower()), None)


def pages(
    session: requests.Session, url: str, *, params: Mapping[str, str], headers: Mapping[str, str], cfg: Mapping[str, Any], count_header: str
) -> list[Any]:
    """All entities of a limit/offset listing; the count header says when to stop, one deadline bounds it all."""
    deadline, limit = http.Deadline(), int(min(max(number(cfg.get("page_size")) or PAGE_SIZE, 1), 1000))
    cap = int(number(cfg.get("max_entities")) or MAX_ENTITIES)
    out: list[Any] = []
    while True:
        query = {**params, "limit": str(limit), "offset": str(len(out))}
        reply = http.request(session, url, params=query, headers=headers, timeout=timeout(cfg), deadline=deadline)
        page = reply.json()
        if not isinstance(page, list):
            msg = f"{url}: expected a JSON list of entities, got {type(page).__name__}"
            raise FeedFormatError(msg)
        out.extend(page)
        total = number(header(reply, count_header))
        done = len(out) >= total if total is not None else len(page) < limit
        if done or not page or len(out) >= cap:
            return out
