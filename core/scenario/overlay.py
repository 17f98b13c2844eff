"""What pages read while a workshop scenario plays: the store with scenario stations in place of their demo twins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from core import rollup
from core.scenario.state import SOURCE, Run
from core.store import StoreReader


def version(store_version: int, run: Run | None) -> int:
    """The store's version as a cache key, moved elsewhere while a scenario runs (0, empty, stays 0)."""
    if run is None or store_version == 0:
        return store_version
    return (hash((store_version, run.token)) & ((1 << 62) - 1)) | (1 << 62)  # never one of the store's small counters


PLAYED = pl.col("station_id").str.starts_with(f"{SOURCE}:")


class Overlay:
    """The store as the pages read it (a ``core.store.StoreReader``): scenario stations in place of demo twins.

    While ``run`` plays, a twin's demo rows from ``started_at`` on give way to the scenario's rows,
    renamed to the demo id (``source`` stays "scenario"), so thresholds keyed on demo ids apply. A
    bucket the scenario touches holds scenario readings alone, so a day's min and max are the
    scenario's. Without a run, scenario rows are hidden: the city is the demo again.
    """

    def __init__(self, store: StoreReader, run: Run | None, *, demo: str) -> None:
        self._store, self._run, self.tz = store, run, store.tz
        self._rename = {f"{SOURCE}:{i}": f"{demo}:{i}" for i in (run.stations if run else ())}
        self._twin = pl.col("station_id").is_in(list(self._rename.values()))
        self._since = run.started_at if run else None

    @property
    def version(self) -> int:
        return version(self._store.version, self._run)

    def last_ts(self, source: str) -> dt.datetime | None:
        return self._store.last_ts(source)

    def state(self, key: str) -> dict | None:
        return self._store.state(key)

    def problems(self) -> pl.DataFrame:
        return self._store.problems()

    def quarantined(self, start=None, end=None, sources=None) -> pl.DataFrame:
        return self._store.quarantined(start, end, sources)

    def feed_health(self) -> pl.DataFrame:
        return self._store.feed_health()

    def stations(self) -> pl.DataFrame:
        return self._store.stations().filter(pl.col("source") != SOURCE)

    def levels(self) -> pl.DataFrame:
        return self._store.levels().filter(~PLAYED)

    def _renamed(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(station_id=pl.col("station_id").replace_strict(self._rename))

    def _ask(self, station_ids: Any) -> tuple[list[str] | None, list[str]]:
        """What to ask the store for: the ids as given, and the scenario ids of the twins among them."""
        ids = [station_ids] if isinstance(station_ids, str) else None if station_ids is None else list(station_ids)
        twins = [sid for sid, demo_id in self._rename.items() if ids is None or demo_id in ids]
        return ids, twins

    def _from(self, start: dt.datetime | None) -> dt.datetime:
        return self._since if start is None else max(start, self._since)

    def readings(self, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        ids, twins = self._ask(station_ids)
        frame = self._store.readings(start, end, ids, quantities).filter(~PLAYED)
        if not self._rename:
            return frame
        frame = frame.filter(~(self._twin & (pl.col("ts") >= self._since)))
        played = self._renamed(self._store.readings(self._from(start), end, twins, quantities)) if twins else frame.clear()
        return pl.concat([frame, played]).sort("station_id", "quantity", "ts")

    def rollup(self, every: str, start=None, end=None, station_ids=None, quantities=None) -> pl.DataFrame:
        ids, twins = self._ask(station_ids)
        frame = self._store.rollup(every, start, end, ids, quantities).filter(~PLAYED)
        if not self._rename:
            return frame
        first = (
            pl.DataFrame({"ts": [self._since]}, schema={"ts": pl.Datetime("us", "UTC")}).select(rollup.bucket_start(every, self.tz)).item()
        )
        frame = frame.filter(~(self._twin & (pl.col("bucket_start") >= first)))
        played = self._renamed(self._store.rollup(every, self._from(start), end, twins, quantities)) if twins else frame.clear()
        return pl.concat([frame, played]).sort(*rollup.KEYS, "bucket_start")

    def latest(self, now: dt.datetime | None = None) -> pl.DataFrame:
        frame = self._store.latest(now)
        if not self._rename:
            return frame.filter(~PLAYED)
        played = self._renamed(frame.filter(pl.col("station_id").is_in(list(self._rename)) & (pl.col("ts") >= self._since)))
        # a twin shows its demo values until the scenario's first reading has arrived
        shown = frame.filter(~PLAYED & ~pl.col("station_id").is_in(played["station_id"].unique().to_list()))
        return pl.concat([shown, played]).sort(*rollup.KEYS)


def overlay(store: StoreReader, run: Run | None, *, demo: str | None) -> StoreReader:
    """What pages read: ``store`` itself when no scenario ever played into it, else an ``Overlay``."""
    if demo is None or (run is None and not store.stations()["source"].eq(SOURCE).any()):
        return store
    return Overlay(store, run, demo=demo)
