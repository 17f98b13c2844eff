"""The only place with Streamlit caches: config, store, background ingest and cached core calls.

Caches are keyed on plain values (the store's data version, a window), never on frames:
Streamlit hashes big frames from a sample, so two versions of an append-only frame could
share a key.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import threading
from typing import Any

import polars as pl
import streamlit as st

from core import today
from core.config import CityConfig, load_config, store_location
from core.ingest import background
from core.scenario import overlay, state
from core.store import Store, StoreReader, open_store
from data_sources import KINDS

TTL_S = 30


@st.cache_resource(show_spinner=False)
def city() -> CityConfig:
    """The city config (raises ``ConfigError``; the app shows it as one sentence)."""
    return load_config(kinds=KINDS)


@st.cache_resource(show_spinner=False)
def writer() -> Store:
    """The store itself (one per server process): what workshop controls start and stop scenarios in."""
    return open_store(store_location(), tz=city().timezone)


def store() -> StoreReader:
    """What pages read: the store, with a running workshop scenario's stations in place of their demo twins."""
    demo = demo_key()
    return overlay.overlay(writer(), state.active(writer()) if demo else None, demo=demo)


@st.cache_resource(show_spinner=False)
def start_ingest() -> threading.Event:
    """One background ingest loop per server process (not per browser session).

    It only polls while it holds the data dir's ingest lock, so a separate
    ``python -m core.ingest --loop`` and several app processes never poll twice.
    """
    _export_secrets()
    stop = threading.Event()
    if os.environ.get("SHOWROOM_INGEST", "auto") == "off":  # a separate `python -m core.ingest --loop` feeds the store
        return stop
    thread = threading.Thread(target=background, args=(city(), store_location(), stop), name="showroom-ingest", daemon=True)
    thread.start()
    return stop


def _export_secrets() -> None:
    """Make ``st.secrets`` entries named by ``api_key_env`` visible to the adapters (env only)."""
    try:
        secrets = dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return
    for src in city().sources:
        name = src.get("api_key_env")
        if name and name in secrets and name not in os.environ:
            os.environ[name] = str(secrets[name])


def version() -> int:
    """The data version, with the running scenario in it: starting or stopping one is a new key."""
    return overlay.version(writer().version, state.active(writer()) if has_demo() else None)


def demo_key() -> str | None:
    return next((src["key"] for src in city().sources if src["kind"] == "demo"), None)


def has_demo() -> bool:
    return demo_key() is not None


@st.cache_data(ttl=TTL_S, max_entries=4, show_spinner=False)
def current(data_version: int) -> pl.DataFrame:
    """Latest value, station data and status of every series (what tiles and maps show)."""
    s = store()
    return today.current(s.latest(), s.stations(), thresholds=city().thresholds, levels=s.levels())


@st.cache_data(ttl=TTL_S, max_entries=4, show_spinner=False)
def tiles(data_version: int) -> list[today.Tile]:
    now = dt.datetime.now(dt.timezone.utc)
    hour = now.replace(minute=0, second=0, microsecond=0)
    quarter = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    recent = store().rollup("15m", start=quarter - today.TREND_WINDOW)
    history = store().rollup("1h", start=hour - dt.timedelta(days=today.USUAL_DAYS + 1), end=hour)
    return today.tiles(
        current(data_version),
        today.trends(recent),
        thresholds=city().thresholds,
        usual_frame=today.usual(history, now, city().timezone),
    )


@st.cache_data(ttl=TTL_S, max_entries=128, show_spinner=False)
def view(name: str, data_version: int, **params: Any) -> Any:
    """A cached call of a core view function ``core.<module>.<function>(store, city, **params)``.

    ``name`` is "module.function"; ``params`` are plain values (strings, numbers, tuples,
    dates), so the cache key is small and exact; ``data_version`` makes a new commit in the
    store a new key. Pages use this for every rollup-backed view.
    """
    module, function = name.rsplit(".", 1)
    return getattr(importlib.import_module(f"core.{module}"), function)(store(), city(), **params)


def as_of(frame: pl.DataFrame) -> dt.datetime | None:
    return frame["ts"].max() if len(frame) else None


def feed_health(data_version: int) -> Any:
    return store().feed_health()
