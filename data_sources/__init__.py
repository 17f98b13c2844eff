"""Feed adapters: one module per source kind, each with a pure ``parse`` and an I/O ``fetch``.

The registry is plain data: a new feed is one module plus one line here. The config
``kind`` is the module name. Modules are imported lazily so a city only pays for what it uses.
"""

from __future__ import annotations

import importlib
from types import ModuleType

KINDS: tuple[str, ...] = (
    "demo",
    "csv_file",
    "ttn",
    "chirpstack",
    "ngsi_v2",
    "ngsi_ld",
    "quantumleap",
    "pegelonline",
    "opensensemap",
    "sensor_community",
    "sensorthings",
    "brightsky",
    "scenario",
)


def adapter(kind: str) -> ModuleType:
    """The adapter module of a source kind (``parse`` and ``fetch``)."""
    if kind not in KINDS:
        msg = f"unknown source kind {kind!r}; known kinds: {', '.join(KINDS)}"
        raise ValueError(msg)
    return importlib.import_module(f"data_sources.{kind}")
