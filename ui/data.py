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

from core.config import CityConfig, store_location
from core.ingest import start_background
from core.region import Region, load_deployment, scoped
from core.scenario import overlay, state
from core.scenario.state import SOURCE as SCENARIO_SOURCE
from core.store import Store, StoreReader, open_store
from core.views import today
from data_sources import KINDS
from ui.secrets import export_secrets

TTL_S = 30
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def region() -> Region:
    """The deployment: a region of cities, or one city (raises ``ConfigError``; the app shows it as one sentence)."""
    return load_deployment(kinds=KINDS)


def city_key() -> str:
    """The city this viewer sees: ``?city=<key>`` or the sidebar's choice, else the region's default city."""
    deployment = region()
    if deployment.single:
        return deployment.default
    if st.session_state.get("city") not in deployment.keys:
        wanted = st.query_params.get("city")
        st.session_state.city = wanted if wanted in deployment.keys else deployment.default
    return st.session_state.city


def city() -> CityConfig:
    """The config of the city this viewer sees (its sources, thresholds, language, map)."""
    return region().city(city_key()).config


def deployment() -> CityConfig:
    """What the server polls and the store is opened with: every city's sources (``Region.combined``)."""
    return _combined()


@st.cache_resource(show_spinner=False)
def _combined() -> CityConfig:
    return region().combined()


@st.cache_resource(show_spinner=False)
def writer() -> Store:
    """The store itself (one per server process): what workshop controls start and stop scenarios in."""
    return open_store(store_location(deployment()), tz=deployment().timezone)


def store() -> StoreReader:
    """What pages read: the store as this city sees it, with a running workshop scenario's stations in place of their demo twins."""
    return store_for(city_key())


def store_for(key: str) -> StoreReader:
    """The store as the city ``key`` sees it (``core.region.scoped``), scenario overlay included."""
    demo = _demo_source(region().city(key).config)
    extra = (SCENARIO_SOURCE,) if demo else ()
    return overlay.overlay(scoped(writer(), region(), key, extra_sources=extra), state.active(writer()) if demo else None, demo=demo)


@st.cache_resource(show_spinner=False)
def start_ingest() -> threading.Event:
    """One background ingest loop per server process (not per browser session).

    ``server.py`` starts it with the server; under ``streamlit run app.py`` the first page view
    does. It only polls while it leads the store (``Store.leader``), so a separate
    ``python -m core.ingest --loop`` and several app processes never poll twice.
    """
    export_secrets(deployment())
    return start_background(deployment(), store_location(deployment()))


VERSION_TTL_S = 1.0


@st.cache_data(ttl=VERSION_TTL_S, show_spinner=False)
def _version(city: str) -> int:
    demo = region().city(city).config
    return overlay.version(writer().version, state.active(writer()) if _demo_source(demo) else None)


def version() -> int:
    """The data version, with the running scenario in it: starting or stopping one is a new key.

    Asked of the store at most once a second per server process (a script run and its
    fragments ask many times; on a database each ask would be a query). :func:`refresh`
    forgets it when this process changed the store itself.
    """
    return _version(city_key())


def refresh() -> None:
    """Forget the remembered data version (after starting or stopping a scenario here)."""
    _version.clear()


def demo_key() -> str | None:
    """The key of the city's simulated-city source (what workshop scenarios play into), if it has one."""
    return _demo_source(city())


def _demo_source(config: CityConfig) -> str | None:
    # Other demo sources simulate a neighbour's or the buildings' stations (``stations = …``): scenarios replace the demo city's.
    return next((src["key"] for src in config.sources if src["kind"] == "demo" and src.get("stations", "city") == "city"), None)


def has_demo() -> bool:
    """Whether the city shows simulated data (the "Demo-Daten" label)."""
    return any(src["kind"] == "demo" for src in city().sources)


def plays_scenarios() -> bool:
    """Whether workshop scenarios play into this city (it has the simulated city's source)."""
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
    return view_of(city_key(), fn, **params)


def view_of(key: str, fn: Callable[..., T], /, **params: Any) -> T:
    """:func:`view` for the city ``key`` (the region page asks every city)."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    _VIEWS[name] = fn
    return _cached(name, _version(key), key, **params)


_VIEWS: dict[str, Callable[..., Any]] = {}


@st.cache_data(ttl=TTL_S, max_entries=128, show_spinner=False)
def _cached(name: str, data_version: int, city: str, **params: Any) -> Any:
    return _VIEWS[name](store_for(city), region().city(city).config, **params)
