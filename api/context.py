"""What every API answer reads: the city config and the store, opened once, and answers cached on the data version.

The API reads the stored readings only (never a running workshop scenario: a simulation is not
open data) and asks the store for its version at most once a second, as the pages do
(``ui.data``). An answer is cached under that version and the request's path and query, so a
repeated request costs a dictionary look-up and a new commit is a new key.
"""

from __future__ import annotations

import collections
import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from core.config import CityConfig, ConfigError, load_config, store_location
from core.store import StoreReader, open_store
from data_sources import KINDS, licences

VERSION_TTL_S = 1.0
CACHE_BYTES = 64 * 1024 * 1024  # answers kept per process (a year of hourly values is ~1.5 MB)
CACHE_ENTRY_MAX = 8 * 1024 * 1024  # larger answers are made anew each time


class Unavailable(RuntimeError):
    """The API cannot read: the config is broken or the store cannot be opened (503 with this sentence)."""


class Context:
    """The config and store the API serves; ``opener`` makes them on first use (``server.py``), or give both (tests)."""

    def __init__(
        self,
        config: CityConfig | None = None,
        store: StoreReader | None = None,
        *,
        opener: Callable[[], tuple[CityConfig, StoreReader]] | None = None,
    ) -> None:
        self._config, self._store, self._opener = config, store, opener
        self._lock = threading.Lock()
        self._version: tuple[float, int] | None = None
        self._answers: collections.OrderedDict[tuple, tuple[bytes, dict[str, str]]] = collections.OrderedDict()
        self._bytes = 0

    @classmethod
    def from_env(cls) -> Context:
        """The city of ``SHOWROOM_CONFIG`` and the store of ``store_location`` (what the pages read)."""

        def opener() -> tuple[CityConfig, StoreReader]:
            config = load_config(kinds=KINDS)
            licences.check(config)
            return config, open_store(store_location(config), tz=config.timezone)

        return cls(opener=opener)

    def _open(self) -> tuple[CityConfig, StoreReader]:
        with self._lock:
            if self._config is None or self._store is None:
                if self._opener is None:
                    msg = "the API has no city config and store"
                    raise Unavailable(msg)
                try:
                    self._config, self._store = self._opener()
                except ConfigError as exc:
                    raise Unavailable(str(exc)) from None
                except OSError as exc:
                    msg = f"the store cannot be opened ({type(exc).__name__})"
                    raise Unavailable(msg) from None
            return self._config, self._store

    @property
    def config(self) -> CityConfig:
        return self._open()[0]

    @property
    def store(self) -> StoreReader:
        return self._open()[1]

    def version(self) -> int:
        """The store's data version, asked at most once a second."""
        now = time.monotonic()
        remembered = self._version
        if remembered is None or now - remembered[0] > VERSION_TTL_S:
            remembered = (now, self.store.version)
            self._version = remembered
        return remembered[1]

    def forget(self) -> None:
        """Drop every cached answer (``python -m api.bench`` times answers made anew)."""
        with self._lock:
            self._answers.clear()
            self._bytes = 0

    def cached(self, key: tuple, make: Callable[[], tuple[bytes, dict[str, str]]]) -> tuple[bytes, dict[str, str]]:
        """The answer (body, headers) for ``key`` under the current data version, made by ``make`` when new."""
        full = (self.version(), *key)
        with self._lock:
            hit = self._answers.get(full)
            if hit is not None:
                self._answers.move_to_end(full)
                return hit
        body, headers = make()
        if len(body) <= CACHE_ENTRY_MAX:
            with self._lock:
                if full not in self._answers:
                    self._answers[full] = (body, headers)
                    self._bytes += len(body)
                while self._bytes > CACHE_BYTES and self._answers:
                    _, (old, _) = self._answers.popitem(last=False)
                    self._bytes -= len(old)
        return body, headers


def clean(value: Any) -> Any:
    """JSON has no NaN or infinity: such a number is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON; feed text (station names) is escaped as JSON strings, never interpreted."""
    return json.dumps(clean(document), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
