"""Several cities in one deployment: a region file listing city files, and a reader scoped to one city.

A region TOML names its cities; each city keeps its own file (sources, thresholds, language,
map, kiosk playlist) and is loaded and checked exactly as a single-city deployment would be::

    [region]
    name = "Südwestfalen"
    default = "menden"              # the city a URL without ?city= shows

    [[region.cities]]
    key = "menden"                  # ?city=menden
    file = "menden.toml"            # relative to this file
    owns = ["baumkataster"]         # use cases this city is the "Kümmerer" of

One deployment has one store and one poller: :meth:`Region.combined` is the city config the
ingest runner, the receiver and the server use, holding every city's sources. Station ids
stay unique because they begin with their source's key, and source keys must be unique across
the region. :func:`scoped` gives a page the store as one city sees it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from core.config import CityConfig, ConfigError, load_config
from core.store import Ids, Moment, StoreReader

KEY = re.compile(r"[a-z][a-z0-9-]{0,31}")
USE_CASES = ("stadtklima", "schulen", "pegel", "luft", "verkehr", "energie", "baumkataster", "parken", "laerm")


@dataclass(frozen=True)
class RegionCity:
    """One city of a region: its key (``?city=``), its config and the use cases it owns."""

    key: str
    config: CityConfig
    owns: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def source_keys(self) -> frozenset[str]:
        return frozenset(src["key"] for src in self.config.sources)


@dataclass(frozen=True)
class Region:
    """The cities of one deployment; a single-city file is a region of one (``single``)."""

    name: str
    cities: tuple[RegionCity, ...]
    default: str
    path: Path
    single: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.cities)

    def city(self, key: str | None) -> RegionCity:
        """The city of ``key``, the default city for None or an unknown key (a stale link still shows a page)."""
        return next((c for c in self.cities if c.key == key), None) or next(c for c in self.cities if c.key == self.default)

    def owner(self, use_case: str) -> RegionCity | None:
        return next((c for c in self.cities if use_case in c.owns), None)

    def combined(self) -> CityConfig:
        """The deployment's config for the poller, the receiver and the server: the default city, holding every city's sources."""
        first = self.city(self.default).config
        if self.single:
            return first
        sources = tuple(src for c in self.cities for src in c.config.sources)
        return dataclasses.replace(first, sources=sources)


def is_region(raw: Mapping[str, Any]) -> bool:
    return "region" in raw


def load_region(path: Path, raw: Mapping[str, Any], *, kinds: Iterable[str] | None = None) -> Region:
    """Check a region file (already parsed) and load its cities; raise ``ConfigError`` in one sentence."""
    region = raw.get("region")
    if not isinstance(region, dict):
        raise ConfigError(f"{path}: [region]: expected a table with name and [[region.cities]]")
    if "city" in raw or "sources" in raw:
        raise ConfigError(f"{path}: a region file lists city files only; move [city] and [[sources]] into a city file")
    name = region.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{path}: [region] key 'name': expected a non-empty string, got {name!r}")
    entries = region.get("cities")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path}: [[region.cities]]: expected at least one city with key and file")
    cities: list[RegionCity] = []
    for i, entry in enumerate(entries):
        where = f"{path}: [[region.cities]] #{i + 1}"
        key, file = entry.get("key"), entry.get("file")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            raise ConfigError(f"{where} key 'key': expected lower-case letters, digits and '-' (as in ?city=soest), got {key!r}")
        if key in {c.key for c in cities}:
            raise ConfigError(f"{where}: the key {key!r} is used twice; every city needs its own")
        if not isinstance(file, str) or not file:
            raise ConfigError(f"{where} ({key}) key 'file': expected the city's TOML file, got {file!r}")
        owns = entry.get("owns", [])
        if not isinstance(owns, list) or not all(o in USE_CASES for o in owns):
            raise ConfigError(f"{where} ({key}) key 'owns': expected a list of {', '.join(USE_CASES)}, got {owns!r}")
        city_path = (path.parent / file).resolve()
        if not city_path.is_file():
            raise ConfigError(f"{where} ({key}): the city file {city_path} does not exist")
        config = load_config(city_path, kinds=kinds)
        cities.append(RegionCity(key=key, config=config, owns=tuple(owns)))
    _check_together(path, cities)
    default = region.get("default", cities[0].key)
    if default not in {c.key for c in cities}:
        raise ConfigError(f"{path}: [region] key 'default': expected one of {', '.join(c.key for c in cities)}, got {default!r}")
    return Region(name=name.strip(), cities=tuple(cities), default=default, path=path)


def _check_together(path: Path, cities: list[RegionCity]) -> None:
    """What one store and one poller need of all cities: unique source keys, one time zone, one store."""
    seen: dict[str, str] = {}
    for c in cities:
        for src in sorted(c.source_keys):
            if src in seen:
                raise ConfigError(
                    f"{path}: the source key {src!r} is in the files of {seen[src]} and {c.key}: "
                    "station ids begin with it, so each city needs its own (e.g. 'soest-klima')"
                )
            seen[src] = c.key
    zones = {c.config.timezone for c in cities}
    if len(zones) > 1:
        raise ConfigError(f"{path}: the cities use the time zones {', '.join(sorted(zones))}; one store counts days in one of them")
    stores = {c.config.store_url_env for c in cities}
    if len(stores) > 1:
        raise ConfigError(f"{path}: the cities name different [store] url_env variables; a region has one store")


def single(config: CityConfig) -> Region:
    """A single-city deployment as a region of one (key: the file's name, e.g. ``menden``)."""
    key = re.sub(r"[^a-z0-9-]+", "-", config.path.stem.lower()).strip("-") or "city"
    key = key if KEY.fullmatch(key) else "city"
    return Region(name=config.name, cities=(RegionCity(key=key, config=config),), default=key, path=config.path, single=True)


def load_deployment(path: str | Path | None = None, *, kinds: Iterable[str] | None = None) -> Region:
    """The deployment ``SHOWROOM_CONFIG`` (or ``path``) describes: a region file or a single city file."""
    from core.config import config_path, read_toml

    path = Path(path) if path else config_path()
    raw = read_toml(path)
    if is_region(raw):
        return load_region(path, raw, kinds=kinds)
    return single(load_config(path, kinds=kinds))


def _narrowed(ids: Ids, allowed: frozenset[str]) -> list[str]:
    """``ids`` (None: all) restricted to the city's stations."""
    if ids is None:
        return sorted(allowed)
    wanted = [ids] if isinstance(ids, str) else list(ids)
    return [i for i in wanted if i in allowed]


class Scoped:
    """A :class:`core.store.StoreReader` that shows one city's stations only (by their sources).

    Reads ask the store for the city's station ids, so a city never pays for its neighbours'
    rows; feed health, quarantine and last poll times are the city's sources'. The data
    version is the store's: a commit for any city is a new cache key (caches also key on
    the city).
    """

    def __init__(self, store: StoreReader, sources: Iterable[str]) -> None:
        self._store = store
        self.sources = frozenset(sources)
        self.tz = store.tz
        self._ids: tuple[int, frozenset[str]] | None = None

    @property
    def version(self) -> int:
        return self._store.version

    def _station_ids(self) -> frozenset[str]:
        version = self._store.version
        if self._ids is None or self._ids[0] != version:
            self._ids = (version, frozenset(self.stations()["station_id"].to_list()))
        return self._ids[1]

    def stations(self) -> pl.DataFrame:
        frame = self._store.stations()
        return frame.filter(pl.col("source").is_in(list(self.sources)))

    def readings(self, start: Moment = None, end: Moment = None, station_ids: Ids = None, quantities: Ids = None) -> pl.DataFrame:
        return self._store.readings(start, end, _narrowed(station_ids, self._station_ids()), quantities)

    def rollup(self, every: str, start: Moment = None, end: Moment = None, station_ids: Ids = None, quantities: Ids = None) -> pl.DataFrame:
        return self._store.rollup(every, start, end, _narrowed(station_ids, self._station_ids()), quantities)

    def latest(self, now: Moment = None) -> pl.DataFrame:
        return self._store.latest(now).filter(pl.col("station_id").is_in(list(self._station_ids())))

    def levels(self) -> pl.DataFrame:
        return self._store.levels().filter(pl.col("station_id").is_in(list(self._station_ids())))

    def feed_health(self) -> pl.DataFrame:
        return self._store.feed_health().filter(pl.col("source").is_in(list(self.sources)))

    def last_ts(self, source: str) -> dt.datetime | None:
        return self._store.last_ts(source) if source in self.sources else None

    def state(self, key: str) -> dict | None:
        return self._store.state(key)

    def problems(self) -> pl.DataFrame:
        return self._store.problems()  # damaged files are the deployment's, whichever city's rows they held

    def quarantined(self, start: Moment = None, end: Moment = None, sources: Ids = None) -> pl.DataFrame:
        return self._store.quarantined(start, end, _narrowed(sources, self.sources))


def scoped(store: StoreReader, region: Region, key: str | None, *, extra_sources: Iterable[str] = ()) -> StoreReader:
    """The store as the city ``key`` sees it: the store itself for a single-city deployment."""
    if region.single:
        return store
    return Scoped(store, region.city(key).source_keys | frozenset(extra_sources))
