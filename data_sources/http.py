"""The one HTTP helper every adapter's ``fetch`` goes through: timeouts, retries, size cap, error mapping.

All transport and HTTP failures become the typed errors of ``data_sources.errors`` here and
nowhere else:

- network error, timeout, HTTP 5xx (after retries), 429 → ``FeedUnavailable``
- 401/403, or a secret env var that is not set → ``FeedAuthError``
- a body that is not JSON (e.g. an HTML error page served with 200) → ``FeedFormatError``
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from core import secrets
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable

USER_AGENT = "smart-city-showroom/0.1 (MendenLab city data cockpit; python-requests)"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
FETCH_BOUND = 30.0  # hard bound for one fetch, all requests and retries included
MAX_BYTES = 64 * 1024 * 1024
RETRY_AFTER_CAP = 5.0  # a server asking for minutes of patience gets it on the next poll instead


class _CappedRetry(Retry):
    """urllib3 Retry that honours Retry-After, but never sleeps longer than the cap."""

    def get_retry_after(self, response):  # urllib3's signature
        value = super().get_retry_after(response)
        return None if value is None else min(value, RETRY_AFTER_CAP)


def make_session(retries: int = 2) -> requests.Session:
    """A session with the project's User-Agent and urllib3 retries with backoff."""
    retry = _CappedRetry(
        total=retries,
        connect=retries,
        read=0,  # a slow server is not hammered again within the same fetch
        status=retries,
        backoff_factor=0.5,
        backoff_max=4.0,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


class Deadline:
    """Wall-clock budget of one fetch; several requests of a paging fetch share it."""

    def __init__(self, seconds: float = FETCH_BOUND) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def check(self, url: str) -> float:
        left = self.remaining()
        if left <= 0:
            msg = f"{safe_url(url)}: no answer within {self.seconds:.0f} s"
            raise FeedUnavailable(msg)
        return left


@dataclass(frozen=True)
class Reply:
    """Status, headers and body of a successful (2xx) response."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, and ints too long to convert
            kind = self.headers.get("Content-Type", "unknown content type")
            msg = f"{safe_url(self.url)}: answer is not JSON ({kind}): {exc}"
            raise FeedFormatError(msg) from exc

    def text(self) -> str:
        try:
            return self.body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            msg = f"{safe_url(self.url)}: answer is not UTF-8 text: {exc}"
            raise FeedFormatError(msg) from exc


def request(
    session: requests.Session,
    url: str,
    *,
    method: str = "GET",
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    timeout: float | None = None,
    deadline: Deadline | None = None,
    max_bytes: int = MAX_BYTES,
    accept: tuple[int, ...] = (),
) -> Reply:
    """Do one HTTP request and return the whole body, or raise a ``FeedError``.

    ``timeout`` is the read timeout (a source config may lower it); ``deadline`` bounds the
    whole fetch, so pass the same one to every request of a paging loop. ``accept`` lists
    error statuses that are answers for this API (QuantumLeap's 404 for an empty window):
    they come back as a ``Reply`` with that status instead of an error.
    """
    deadline = deadline or Deadline()
    read_timeout = min(timeout or READ_TIMEOUT, max(deadline.check(url), 0.1))
    connect_timeout = min(CONNECT_TIMEOUT, read_timeout)
    try:
        with session.request(
            method,
            url,
            params=params,
            headers=dict(headers or {}),
            json=json_body,
            timeout=(connect_timeout, read_timeout),
            stream=True,
        ) as response:
            if response.status_code not in accept:
                _raise_for_status(response, url)
            chunks, size = [], 0
            # read1 returns what has arrived instead of waiting for a full chunk, so a server
            # dripping bytes cannot stretch one fetch past its deadline.
            while chunk := response.raw.read1(65536, decode_content=True):
                size += len(chunk)
                if size > max_bytes:
                    msg = f"{safe_url(url)}: answer larger than {max_bytes // 1_000_000} MB"
                    raise FeedFormatError(msg)
                chunks.append(chunk)
                deadline.check(url)
            return Reply(response.status_code, dict(response.headers), b"".join(chunks), url)
    except (requests.exceptions.Timeout, ReadTimeoutError) as exc:
        msg = f"{safe_url(url)}: timed out"
        raise FeedUnavailable(msg) from exc
    except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError, ProtocolError) as exc:
        msg = f"{safe_url(url)}: connection failed ({type(exc).__name__})"
        raise FeedUnavailable(msg) from exc
    except requests.exceptions.RetryError as exc:
        msg = f"{safe_url(url)}: still failing after retries"
        raise FeedUnavailable(msg) from exc
    except requests.exceptions.RequestException as exc:
        msg = f"{safe_url(url)}: request failed ({type(exc).__name__})"
        raise FeedUnavailable(msg) from exc


def get_json(session: requests.Session, url: str, **kwargs: Any) -> Any:
    """GET a JSON document (the common case)."""
    return request(session, url, **kwargs).json()


def _raise_for_status(response: requests.Response, url: str) -> None:
    code = response.status_code
    if code in (401, 403):
        msg = f"{safe_url(url)}: access denied (HTTP {code}) - check the API key"
        raise FeedAuthError(msg)
    if code >= 500 or code == 429:
        msg = f"{safe_url(url)}: server error (HTTP {code})"
        raise FeedUnavailable(msg)
    if code >= 300:
        msg = f"{safe_url(url)}: unexpected answer HTTP {code}"
        raise FeedFormatError(msg) if code < 500 and code != 404 else FeedUnavailable(msg)


def safe_url(url: str) -> str:
    """The URL as messages show it: no query string (it may carry keys), no user:password@."""
    return secrets.safe_url(url).split("?", 1)[0]


class _SafeLog(logging.Filter):
    """urllib3 logs retried URLs with their query strings: the same scrubbing as our messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = secrets.scrub(str(record.msg)) or ""
        record.args = (
            tuple(secrets.scrub(a) if isinstance(a, str) else a for a in record.args) if isinstance(record.args, tuple) else record.args
        )
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_SafeLog())


def secret(source_cfg: Mapping[str, Any], env: Mapping[str, str] | None = None) -> str | None:
    """The secret named by ``api_key_env`` (None when the source needs none).

    The value comes from the environment only (the UI copies ``st.secrets`` there at start);
    it is never logged, stored or put into an error message.
    """
    name = source_cfg.get("api_key_env")
    if not name:
        return None
    value = (env if env is not None else os.environ).get(name)
    if not value:
        msg = f"source {source_cfg.get('key')!r}: the environment variable {name} (api_key_env) is not set"
        raise FeedAuthError(msg)
    return value
