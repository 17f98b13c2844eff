"""Feed adapters: one module per source kind, each with a pure ``parse`` and an I/O ``fetch``.

The registry is plain data: a new feed is one module plus one line here. The config
``kind`` is the module name. Modules are imported lazily so a city only pays for what it uses.
Every kind module is an ``Adapter``; ``tests/data_sources/test_contract.py`` holds each to it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from datetime import datetime

    import requests

    from core.schema import Batch

KINDS: tuple[str, ...] = (
    "demo",
    "csv_file",
    "ttn",
    "chirpstack",
    "mqtt",
    "ngsi_v2",
    "ngsi_ld",
    "quantumleap",
    "pegelonline",
    "opensensemap",
    "sensor_community",
    "sensorthings",
    "brightsky",
    "telraam",
    "ocpi",
    "scenario",
)


class Adapter(Protocol):
    """What a kind module offers (a module satisfies a Protocol through its functions)."""

    def parse(self, payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
        """Canonical rows from what the wire gives (bytes, str or decoded JSON); pure, raises only FeedError."""
        ...

    def fetch(self, source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
        """Everything new since ``since`` from the feed, through ``data_sources.http``; raises only FeedError."""
        ...


def adapter(kind: str) -> Adapter:
    """The adapter module of a source kind (``parse`` and ``fetch``)."""
    if kind not in KINDS:
        msg = f"unknown source kind {kind!r}; known kinds: {', '.join(KINDS)}"
        raise ValueError(msg)
    return cast(Adapter, importlib.import_module(f"data_sources.{kind}"))
