"""The only place with Streamlit caches: config, store, background ingest and cached core calls.

Caches are keyed on plain values (the store's data version, a window), never on frames:
Streamlit hashes big frames from a sample, so two versions of an append-only frame could
share a key.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl
import streamlit as st

from core.config import CityConfig, load_config, store_location
from core.ingest import start_background
from core.scenario import overlay, state
from core.store import Store, StoreReader, open_store
from core.views import today
from data_sources import KINDS
from ui.secrets import export_secrets

TTL_S = 30
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def city() -> CityConfig:
    """The city config (raises ``ConfigError``; the app shows it as one sentence)."""
    return load_config(kinds=KINDS)


@st.cache_resource(show_spinner=False)
def writer() -> Store:
    """The store itself (one per server process): what workshop controls start and stop scenarios in."""
    return open_store(store_location(city()), tz=city().timezone)


def store() -> StoreReader:
    """What pages read: the store, with a running workshop scenario's stations in place of their demo twins."""
    demo = demo_key()
    return overlay.overlay(writer(), state.active(writer()) if demo else None, demo=demo)


@st.cache_resource(show_spinner=False)
def start_ingest() -> threading.Event:
    """One background ingest loop per server process (not per browser session).

    ``server.py`` starts it with the server; under ``streamlit run app.py`` the first page view
    does. It only polls while it leads the store (``Store.leader``), so a separate
    ``python -m core.ingest --loop`` and several app processes never poll twice.
    """
    export_secrets(city())
    return start_background(city(), store_location(city()))


VERSION_TTL_S = 1.0


@st.cache_data(ttl=VERSION_TTL_S, show_spinner=False)
def _version() -> int:
    return overlay.version(writer().version, state.active(writer()) if has_demo() else None)


def version() -> int:
    """The data version, with the running scenario in it: starting or stopping one is a new key.

    Asked of the store at most once a second per server process (a script run and its
    fragments ask many times; on a database each ask would be a query). :func:`refresh`
    forgets it when this process changed the store itself.
    """
    return _version()


def refresh() -> None:
    """Forget the remembered data version (after starting or stopping a scenario here)."""
    _version.clear()


def demo_key() -> str | None:
    return next((src["key"] for src in city().sources if src["kind"] == "demo"), None)


def has_demo() -> bool:
    return demo_key() is not None


def current() -> pl.DataFrame:
    """Latest value, station data and status of every series (what tiles and maps show)."""
    return view(today.current)


def view(fn: Callable[..., T], /, **params: Any) -> T:
    """A cached call of a core view ``fn(store, city, **params)`` for the current data version.

    ``params`` are plain values (strings, numbers, tuples, dates), so the cache key is small and
    exact: the view's module and name, the data version, the parameters. A new commit in the
    store is a new key. Pages use this for every store-backed view.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    _VIEWS[name] = fn
    return _cached(name, version(), **params)


_VIEWS: dict[str, Callable[..., Any]] = {}


@st.cache_data(ttl=TTL_S, max_entries=128, show_spinner=False)
def _cached(name: str, data_version: int, **params: Any) -> Any:
    return _VIEWS[name](store(), city(), **params)
