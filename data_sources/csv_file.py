"""Long-format CSV (ts,station_id,name,lat,lon,quantity,value,unit) from a file or a URL, with unit conversion."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import requests

from core.schema import QUANTITIES, THEMES, Batch
from data_sources import http
from data_sources._kit import Collector, native_id, number, parse_time, source_key, timeout
from data_sources._units import convert
from data_sources.errors import FeedFormatError, FeedUnavailable

REQUIRED = ("ts", "station_id", "quantity", "value")
OPTIONAL = ("name", "lat", "lon", "unit", "theme", "district")
# Spellings people type for a quantity of the vocabulary.
ALIASES: dict[str, str] = {"pm25": "pm2_5", "pm2.5": "pm2_5", "rh": "humidity", "co₂": "co2", "wasserstand": "water_level"}


class _BadCell(Exception):
    """One cell of one row cannot be read; carries the column for the error message."""

    def __init__(self, column: str, value: str, why: str) -> None:
        super().__init__(f"column {column!r}: {value!r} {why}")


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings and stations from a long CSV (UTF-8, ',' or ';' separated, header row first).

    Rule for broken rows: a row with an unreadable time, value, quantity or unit is skipped and
    counted. When more than half of the rows are broken (or all of them), the file as a whole
    is taken to be wrong (wrong separator, decimal comma, other columns …) and a
    ``FeedFormatError`` names the first broken row (header = row 1) and its column.
    Times without zone are UTC. ``;``-separated files may use a decimal comma.
    """
    name = str((config or {}).get("path") or http.safe_url(str((config or {}).get("url") or "")) or "CSV")
    text = _text(payload, name)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        msg = f"{name}: empty file, expected a header row with {', '.join(REQUIRED)}"
        raise FeedFormatError(msg)
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        msg = f"{name}: header row lacks the column(s) {', '.join(missing)} (found: {', '.join(header)})"
        raise FeedFormatError(msg)
    at = {c: header.index(c) for c in REQUIRED + OPTIONAL if c in header}
    rows, first_error, total = Collector(source), None, 0
    for line_number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        total += 1
        cell = {c: (cells[i].strip() if i < len(cells) else "") for c, i in at.items()}
        try:
            _row(rows, cell, decimal_comma=delimiter == ";")
        except _BadCell as exc:
            rows.skipped += 1
            first_error = first_error or f"row {line_number}, {exc}"
    if first_error and rows.skipped * 2 > total:
        msg = f"{name}: {rows.skipped} of {total} rows are broken; first: {first_error}"
        raise FeedFormatError(msg)
    return rows.batch(default_theme="other")


def _text(payload: Any, name: str) -> str:
    if isinstance(payload, str):
        return payload.lstrip("\ufeff")
    if isinstance(payload, (bytes, bytearray)):
        try:
            return bytes(payload).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            msg = f"{name}: not UTF-8 text ({exc}); save the CSV as UTF-8"
            raise FeedFormatError(msg) from exc
    msg = f"{name}: expected CSV text, got {type(payload).__name__}"
    raise FeedFormatError(msg)


def _row(rows: Collector, cell: dict[str, str], *, decimal_comma: bool) -> None:
    ts = parse_time(cell["ts"])
    if ts is None:
        raise _BadCell("ts", cell["ts"], "is not an ISO 8601 time")
    native = native_id(cell["station_id"])
    if native is None:
        raise _BadCell("station_id", cell["station_id"], "is empty")
    quantity = ALIASES.get(cell["quantity"].lower(), cell["quantity"].lower())
    if quantity not in QUANTITIES:
        raise _BadCell("quantity", cell["quantity"], f"is not one of {', '.join(QUANTITIES)}")
    value = number(cell["value"], decimal_comma=decimal_comma)
    if value is None:
        raise _BadCell("value", cell["value"], "is not a number")
    converted = convert(value, cell.get("unit"), quantity)
    if converted is None:
        raise _BadCell("unit", cell.get("unit", ""), f"cannot be converted to {QUANTITIES[quantity].unit!r} for {quantity}")
    theme = cell.get("theme", "").lower()
    lat = number(cell.get("lat", ""), decimal_comma=decimal_comma)
    lon = number(cell.get("lon", ""), decimal_comma=decimal_comma)
    # the first row names the station; later rows only fill what it left open
    station_id = rows.station(
        native, name=cell.get("name"), lat=lat, lon=lon, district=cell.get("district"), theme=theme if theme in THEMES else None
    )
    rows.reading(station_id, ts, quantity, converted)


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """The CSV at ``path`` (relative to the config file) or ``url``; with ``since`` only newer rows."""
    key = source_key(source_cfg)
    if source_cfg.get("url"):
        reply = http.request(session, str(source_cfg["url"]), timeout=timeout(source_cfg), deadline=http.Deadline())
        batch = parse(reply.body, source=key, config=source_cfg)
    elif source_cfg.get("path"):
        path = Path(str(source_cfg["config_dir"] if source_cfg.get("config_dir") else ".")) / str(source_cfg["path"])
        try:
            payload = path.read_bytes()
        except OSError as exc:  # missing while an upload is being replaced: try again next poll
            msg = f"source {key!r}: cannot read {path} ({exc.strerror or exc})"
            raise FeedUnavailable(msg) from exc
        batch = parse(payload, source=key, config=source_cfg)
    else:
        msg = f"source {key!r}: give 'path' (relative to the config file) or 'url' of the CSV"
        raise FeedFormatError(msg)
    if since is None:
        return batch
    newer = batch.readings.filter(pl.col("ts") > parse_time(since))
    return Batch(readings=newer, stations=batch.stations, skipped=batch.skipped, levels=batch.levels)
