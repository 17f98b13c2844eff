"""``/api/download``: the Daten page's files by URL, e.g. ``?stations=demo:a,demo:b&quantities=temperature&from=2026-05-01&to=2026-05-07&resolution=1h&format=csv``.

The selection is ``core.views.explore.selection`` and the bytes ``ui.exports.download``, the very
code behind the page's buttons, so the two give the same file for the same choice. ``from``/``to``
are local days (both included), or ``preset`` names a range up to now (``24h``, ``48h``, ``7d``,
``30d``, ``365d``); the row limit and the coarsening rules are the page's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from urllib.parse import urlencode

from api.context import Context
from api.odata import BadRequest
from core.schema import QUANTITIES
from core.views import explore
from data_sources import licences
from ui import exports

MAX_STATIONS = 500
KEYS = ("stations", "quantities", "from", "to", "preset", "resolution", "format")


def _ids(values: Sequence[str], known: set[str]) -> list[str]:
    """Comma-separated ids (or one per repeated parameter); an id that itself holds a comma is taken whole."""
    out: list[str] = []
    for value in values:
        parts = [value] if value in known else [v.strip() for v in value.split(",")]
        out += [v for v in parts if v and v not in out]
    return out


def _day(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        msg = f"{name} must be a day like 2026-05-01, got {text[:40]!r}"
        raise BadRequest(msg) from None


def make(ctx: Context, params: dict[str, list[str]]) -> tuple[bytes, dict[str, str]]:
    """The file and its headers (type, name, licence link) for the query ``params``."""
    unknown = [k for k in params if k not in KEYS]
    if unknown:
        msg = f"unknown parameter {unknown[0]!r}; known: {', '.join(KEYS)}"
        raise BadRequest(msg)
    city, store = ctx.config, ctx.store
    one = {k: v[-1] for k, v in params.items() if v}
    kind = one.get("format", "csv")
    if kind not in exports.FORMATS:
        msg = f"format must be one of {', '.join(exports.FORMATS)}, got {kind[:20]!r}"
        raise BadRequest(msg)
    known = set(store.stations()["station_id"].to_list())
    stations = _ids(params.get("stations", []), known)
    quantities = _ids(params.get("quantities", []), set(QUANTITIES))
    if not stations or not quantities:
        msg = "name stations=… and quantities=… (comma-separated ids, as in /api/v1.1/Things and ObservedProperties)"
        raise BadRequest(msg)
    if len(stations) > MAX_STATIONS:
        msg = f"at most {MAX_STATIONS} stations per download"
        raise BadRequest(msg)
    wrong = [q for q in quantities if q not in QUANTITIES]
    if wrong:
        msg = f"unknown quantity {wrong[0][:40]!r}"
        raise BadRequest(msg)
    first, last = _day(one.get("from"), "from"), _day(one.get("to"), "to")
    preset = one.get("preset") if first is None else None
    if first is not None:
        last = last or first
    elif preset is None:
        preset = "48h"  # the page's default
    try:
        sel = explore.selection(
            store,
            city,
            station_ids=tuple(stations),
            quantities=tuple(quantities),
            resolution=one.get("resolution", "15m"),
            preset=preset,
            first=first,
            last=last,
        )
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    credits = licences.credits(city, {sid.split(":", 1)[0] for sid in stations})
    body = exports.download(kind, sel.frame, sel.places, credits)
    headers = {
        "content-type": exports.FORMATS[kind] + ("; charset=utf-8" if kind != "parquet" else ""),
        "content-disposition": f'attachment; filename="{file_stem(city.name, sel)}.{kind}"',
        "link": ", ".join(f'<{uri}>; rel="license"' for uri in sorted({c.licence.url for c in credits})),
        "x-resolution": sel.resolution,  # coarser than asked when the range or the rows demanded it
    }
    return body, headers


def file_stem(city: str, sel: explore.Selection) -> str:
    """``menden-sauerland-20260501-20260508-1h``: what the page names its files too."""
    return f"{re.sub(r'[^a-z0-9]+', '-', city.lower()).strip('-')}-{sel.start:%Y%m%d}-{sel.end:%Y%m%d}-{sel.resolution}"


def url(
    *,
    stations: Sequence[str],
    quantities: Sequence[str],
    resolution: str,
    kind: str,
    preset: str | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> str:
    """The ``/api/download`` link of a Daten page choice (relative to the server)."""
    params: dict[str, str | list[str]] = {"stations": list(stations), "quantities": ",".join(quantities), "resolution": resolution}
    if first is not None and last is not None:
        params |= {"from": first.isoformat(), "to": last.isoformat()}
    elif preset:
        params["preset"] = preset
    return f"/api/download?{urlencode({**params, 'format': kind}, doseq=True)}"  # one stations= each: ids may hold commas
