"""Secrets kept out of every text the showroom writes: feed health, the Quellen page, logs and the store.

A source's secret lives only in the environment variable its ``api_key_env`` names. Texts
that leave the ingest runner (error messages, log lines) pass :func:`scrub` first, *before*
anything shortens them, so a cut can never leave a prefix of a key behind. URLs lose their
credentials and key-like query values (:func:`safe_url`), and the config check refuses them
in the city file (:func:`credentials_in`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
# Query parameters that carry a credential in the wild (openSenseMap tokens, API gateways,
# signed URLs); compared case-insensitively, with '-' and '_' alike.
KEY_PARAMS = frozenset(
    {"apikey", "api_key", "key", "token", "access_token", "auth", "authorization", "secret", "password", "passwd", "pwd",
     "signature", "sig", "client_secret", "x_api_key", "subscription_key"}
)  # fmt: skip
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+", re.IGNORECASE)
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def _key_param(name: str) -> bool:
    return name.lower().replace("-", "_") in KEY_PARAMS


def safe_url(url: str) -> str:
    """``url`` without user:password@ and with the values of key-like query parameters masked.

    >>> safe_url("https://user:pw@example.org/x.csv?station=4&apikey=S3CR3T")
    'https://example.org/x.csv?station=4&apikey=***'
    """
    without_user = _USERINFO.sub("", url, count=1)
    base, _, query = without_user.partition("?")
    if not query:
        return without_user
    parts = [
        f"{name}={MASK}" if _key_param(name) else (f"{name}={value}" if value else name)
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{base}?{'&'.join(parts)}"


def source_secrets(source_cfg: Mapping[str, Any], env: Mapping[str, str] | None = None) -> list[str]:
    """The secrets a source knows of: the value its ``api_key_env`` names (when set)."""
    name = source_cfg.get("api_key_env")
    value = (os.environ if env is None else env).get(name) if isinstance(name, str) and name else None
    return [value] if value else []


def scrub(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """``text`` with every secret value masked and every URL in it made safe (:func:`safe_url`).

    >>> scrub("401 for https://x.example/v2?token=abc, key abc", ["abc"])
    '401 for https://x.example/v2?token=***, key ***'
    """
    if not text:
        return text
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):  # a longer secret first: no half masks
        text = text.replace(secret, MASK)
    return _URL.sub(_safe_match, text)


def _safe_match(match: re.Match) -> str:
    url = match.group(0)
    kept = url.rstrip(".,;:!?)]")  # sentence punctuation after a URL is not part of it
    return safe_url(kept) + url[len(kept) :]


def credentials_in(url: str) -> str | None:
    """What in a configured URL is a credential (user info or a key-like query parameter), or None."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "user:password@"
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True) if _key_param(name)]
    return f"query parameter {names[0]!r}" if names else None
