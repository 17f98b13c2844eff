"""The Collector: the rows one parse gathers, one per station, quantity and time, turned into the canonical Batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.schema import Batch, theme_of
from data_sources._kit.places import lat_lon
from data_sources._kit.values import text


@dataclass
class Collector:
    """Rows one parse gathers while walking a payload; ``batch()`` makes the canonical Batch.

    Of readings for one (station, quantity, time) the lowest ``rank`` wins, the first of equal
    rank (a FIWARE entity's preferred attribute beats its fallback; a repeated uplink counts
    once). A station keeps what its first sighting says; later sightings only fill gaps.
    """

    source: str
    skipped: int = 0
    _readings: dict[tuple, tuple[int, dict]] = field(default_factory=dict)
    _stations: dict[str, dict] = field(default_factory=dict)
    _levels: dict[tuple, dict] = field(default_factory=dict)
    _quantities: dict[str, set] = field(default_factory=dict)

    def station_id(self, native: str) -> str:
        return f"{self.source}:{native}"

    def station(
        self,
        native: str,
        *,
        name: Any = None,
        lat: Any = None,
        lon: Any = None,
        theme: str | None = None,
        district: Any = None,
        category: Any = None,
        opening_hours: Any = None,
    ) -> str:
        """The station id of ``native``; ``category`` and ``opening_hours`` describe places (theme poi)."""
        station_id = self.station_id(native)
        la, lo = lat_lon(lat, lon)
        seen = {"name": text(name), "lat": la, "lon": lo, "theme": theme, "district": text(district)}
        seen |= {"category": text(category), "opening_hours": text(opening_hours)}
        known = self._stations.setdefault(station_id, {"station_id": station_id, "source": self.source})
        for key, value in seen.items():
            if known.get(key) is None:
                known[key] = value
        return station_id

    def measures(self, station_id: str, quantity: str) -> None:
        """The station measures ``quantity`` even without a value now: its theme knows before its first reading."""
        self._quantities.setdefault(station_id, set()).add(quantity)

    def reading(self, station_id: str, ts: datetime | None, quantity: str, value: float | None, *, rank: int = 0) -> bool:
        """Add one reading; one without time or value is counted as skipped."""
        if ts is None or value is None:
            self.skipped += 1
            return False
        key = (station_id, quantity, ts)
        if key not in self._readings or rank < self._readings[key][0]:
            row = {"ts": ts, "station_id": station_id, "quantity": quantity, "value": value, "source": self.source}
            self._readings[key] = (rank, row)
        self.measures(station_id, quantity)
        return True

    def level(self, station_id: str, quantity: str, level: str, value: float) -> None:
        """A characteristic level of the station (MNW, a flood alert level); the first of a name wins."""
        row = {"station_id": station_id, "quantity": quantity, "level": level, "value": value}
        self._levels.setdefault((station_id, quantity, level), row)

    def batch(self, *, default_theme: str = "other") -> Batch:
        """The Batch; a station without a theme takes its quantities' (``default_theme`` when none is known)."""
        stations = [
            {
                **row,
                "name": row["name"] or row["station_id"].split(":", 1)[1],
                "theme": row["theme"] or theme_of(self._quantities.get(sid, ()), default_theme),
            }
            for sid, row in self._stations.items()
        ]
        readings = (row for _, row in self._readings.values())
        return Batch.from_rows(readings, stations, skipped=self.skipped, levels=self._levels.values())
