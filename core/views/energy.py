"""Energie: the city's buildings today against last year, per m² against VDI 3807, night baseload, school days and degree days.

Everything is read from the meters' rollup buckets (a counter bucket holds its consumption):
hourly buckets for today, the same weekday 52 weeks (364 days) ago, the four weeks before and
the last seven nights; daily buckets for the rolling year and the degree days. Buildings come
from the city config (``[[buildings]]``, core.energy); days are typed by core.holidays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from core import energy
from core.config import CityConfig
from core.store import StoreReader
from core.views._time import local_day_start
from core.views._time import now_or as _now

YEAR_BACK = 364  # days: the same weekday one year (52 weeks) ago
WEEKS = 4  # the fallback: the same weekday of the last four weeks
YEAR_DAYS = 365
MIN_YEAR_DAYS = 360  # a rolling year with fewer days of data has no kWh per m² and year
HDD_WINDOW = 14  # days of heat compared against last year, corrected by degree days
MIN_HDD = 10.0  # Kd in the window: below this (summer) the correction says nothing
NIGHTS = 7
DAY_GROUPS = {
    "school_day": "school_day",
    "school_holiday": "holiday",
    "public_holiday": "holiday",
    "free_day": "holiday",
    "weekend": "weekend",
}


@dataclass(frozen=True)
class EnergyView:
    """The Energie page: one row per building (see :func:`overview`), the city's total today, and the windows used."""

    buildings: pl.DataFrame
    total: dict  # electricity and heat today so far, and what the comparison day had by this hour
    hdd: tuple[float | None, float | None]  # degree days (G20/15) of the last 14 days and of the same days last year
    unknown_days: int  # days of the rolling year the school calendar does not know (not counted as school days or holidays)
    as_of: dt.datetime | None


def _hourly(store: StoreReader, ids: list[str], start: dt.datetime, end: dt.datetime, meters: pl.DataFrame) -> pl.DataFrame:
    return energy.consumption(store.rollup("1h", start=start, end=end, station_ids=ids, quantities=list(energy.METERS)), meters)


def _window_sum(hourly: pl.DataFrame, start: dt.datetime, hours: int) -> pl.DataFrame:
    """Per building and carrier: consumption in the ``hours`` whole hours from ``start``, and how many hours had data."""
    end = start + dt.timedelta(hours=hours)
    return (
        hourly.filter((pl.col("bucket_start") >= start) & (pl.col("bucket_start") < end))
        .group_by("building", "carrier")
        .agg(kwh=pl.col("kwh").sum(), hours=pl.len())
    )


def _compare(hourly: pl.DataFrame, today: dt.datetime, hours: int) -> pl.DataFrame:
    """Today's whole hours so far against the same hours of the same weekday last year, else the mean of the last four weeks."""
    now = _window_sum(hourly, today, hours).rename({"kwh": "today", "hours": "today_hours"})
    year = _window_sum(hourly, today - dt.timedelta(days=YEAR_BACK), hours).rename({"kwh": "year", "hours": "year_hours"})
    weeks = pl.concat(
        [_window_sum(hourly, today - dt.timedelta(days=7 * k), hours).with_columns(week=pl.lit(k)) for k in range(1, WEEKS + 1)]
    )
    weeks = weeks.filter(pl.col("hours") >= hours).group_by("building", "carrier").agg(weeks=pl.col("kwh").mean(), n_weeks=pl.len())
    full = hours if hours else 1
    return (
        now.join(year, on=["building", "carrier"], how="full", coalesce=True)
        .join(weeks, on=["building", "carrier"], how="full", coalesce=True)
        .with_columns(
            basis=pl.when(pl.col("year_hours") >= full)
            .then(pl.lit("last_year"))
            .when(pl.col("n_weeks") >= 2)
            .then(pl.lit("four_weeks"))
            .otherwise(None)
        )
        .with_columns(
            usual=pl.when(pl.col("basis") == "last_year").then(pl.col("year")).when(pl.col("basis") == "four_weeks").then("weeks")
        )
        .with_columns(change=pl.when(pl.col("usual") > 0).then(pl.col("today") / pl.col("usual") - 1))
        .select("building", "carrier", "today", "usual", "basis", "change")
    )


def _outdoor_days(store: StoreReader, start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
    """Daily mean outdoor temperature (mean over the microclimate stations' day means) and its G20/15 degree days."""
    outdoor = store.stations().filter(pl.col("theme") == "microclimate")["station_id"].to_list()
    if not outdoor:
        return pl.DataFrame(schema={"bucket_start": pl.Datetime("us", "UTC"), "tm": pl.Float64, "hdd": pl.Float64})
    days = store.rollup("1d", start=start, end=end, station_ids=outdoor, quantities=["temperature"])
    return (
        days.group_by("bucket_start").agg(tm=pl.col("mean").mean()).with_columns(hdd=energy.degree_days(pl.col("tm"))).sort("bucket_start")
    )


def overview(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> EnergyView:
    """One row per configured building.

    Columns: building, name, category, area_m2, school; per carrier (``el_``, ``heat_``) today
    (kWh in today's whole hours), usual (the same hours of the same weekday last year, else the
    mean of the last four weeks), basis ("last_year", "four_weeks" or null), change (today/usual − 1),
    per_m2a (the rolling year's kWh per m², null with less than 360 days of data), limit and target
    (VDI 3807), rating (core.energy.rating); night_share (median of the last seven complete days'
    00:00–04:00 mean power over the day's mean power), night_kw, night_flag (a school above 50 %);
    school_day_kwh, holiday_kwh, weekend_kwh (mean daily electricity by day kind, rolling year);
    heat_window, heat_last_year, heat_corrected_change (heat of the last 14 days against the same
    days last year scaled by the ratio of their degree days G20/15; null in summer).
    """
    now, tz = _now(now), city.timezone
    buildings = city.buildings
    meters = energy.meter_table(buildings)
    ids = meters["station_id"].to_list()
    today = local_day_start(now, tz)
    hours = int((now - today).total_seconds() // 3600)
    if not ids:
        return EnergyView(pl.DataFrame(), {}, (None, None), 0, None)
    hourly = pl.concat(
        [
            _hourly(store, ids, today - dt.timedelta(days=7 * WEEKS + NIGHTS), now, meters),
            _hourly(store, ids, today - dt.timedelta(days=YEAR_BACK), today - dt.timedelta(days=YEAR_BACK - 1), meters),
        ]
    ).unique(["building", "carrier", "bucket_start"])
    compared = _compare(hourly, today, hours)
    year_start = local_day_start(now, tz, days_back=YEAR_DAYS)
    daily = energy.consumption(store.rollup("1d", start=year_start, end=today, station_ids=ids, quantities=list(energy.METERS)), meters)
    per_year = daily.group_by("building", "carrier").agg(kwh=pl.col("kwh").sum(), days=pl.len())

    night = energy.night_share(hourly.filter(pl.col("bucket_start") >= today - dt.timedelta(days=NIGHTS)), tz)
    nights = night.group_by("building").agg(night_share=pl.col("share").median(), night_kw=pl.col("night_kw").median())

    calendar = city.calendar
    local = pl.col("bucket_start").dt.convert_time_zone(tz).dt.date()
    days = daily.filter(pl.col("carrier") == "electricity").with_columns(date=local)
    schools = {b.key: b.school for b in buildings}
    kinds = [calendar.kind(d, schools.get(b)) for b, d in zip(days["building"].to_list(), days["date"].to_list())]
    days = days.with_columns(group=pl.Series(kinds, dtype=pl.String).replace_strict(DAY_GROUPS, default=None))
    by_kind = days.filter(pl.col("group").is_not_null()).pivot(on="group", index="building", values="kwh", aggregate_function="mean")
    unknown = int(sum(k == "unknown" for k in kinds) // max(len(buildings), 1))

    outdoor = _outdoor_days(store, local_day_start(now, tz, days_back=YEAR_BACK + HDD_WINDOW), today)
    window = (today - dt.timedelta(days=HDD_WINDOW), today)
    last = (window[0] - dt.timedelta(days=YEAR_BACK), window[1] - dt.timedelta(days=YEAR_BACK))

    def degree_days(a: dt.datetime, b: dt.datetime) -> float | None:
        part = outdoor.filter((pl.col("bucket_start") >= a) & (pl.col("bucket_start") < b))
        return float(part["hdd"].sum()) if len(part) >= HDD_WINDOW - 2 else None

    g_now, g_last = degree_days(*window), degree_days(*last)
    heat_daily = store.rollup("1d", start=last[0], end=last[1], station_ids=ids, quantities=list(energy.METERS))
    heat_last = energy.consumption(heat_daily, meters).filter(pl.col("carrier") == "heat")
    heat_now = daily.filter((pl.col("carrier") == "heat") & (pl.col("bucket_start") >= window[0]))
    heat = (
        heat_now.group_by("building")
        .agg(heat_window=pl.col("kwh").sum(), n_now=pl.len())
        .join(heat_last.group_by("building").agg(heat_last_year=pl.col("kwh").sum(), n_last=pl.len()), on="building", how="left")
    )
    usable = g_now is not None and g_last is not None and g_now >= MIN_HDD and g_last >= MIN_HDD
    ratio = g_now / g_last if usable else None
    heat = heat.with_columns(
        heat_corrected_change=pl.when(
            (pl.col("n_last") >= HDD_WINDOW - 1) & (pl.col("n_now") >= HDD_WINDOW - 1) & pl.lit(ratio is not None)
        )
        .then(pl.col("heat_window") / (pl.col("heat_last_year") * (ratio or 1.0)) - 1)
        .otherwise(None)
    ).select("building", "heat_window", "heat_last_year", "heat_corrected_change")

    rows = []
    for b in buildings:
        row = {"building": b.key, "name": b.name, "category": b.category, "area_m2": b.area_m2, "school": b.school}
        for carrier, prefix in (("electricity", "el"), ("heat", "heat")):
            found = compared.filter((pl.col("building") == b.key) & (pl.col("carrier") == carrier))
            got = found.row(0, named=True) if len(found) else {}
            year = per_year.filter((pl.col("building") == b.key) & (pl.col("carrier") == carrier))
            per_m2a = None
            if len(year) and year["days"][0] >= MIN_YEAR_DAYS:
                per_m2a = float(year["kwh"][0]) * YEAR_DAYS / int(year["days"][0]) / b.area_m2
            bench = energy.benchmark(b.category, carrier)
            row |= {
                f"{prefix}_today": got.get("today"),
                f"{prefix}_usual": got.get("usual"),
                f"{prefix}_basis": got.get("basis"),
                f"{prefix}_change": got.get("change"),
                f"{prefix}_per_m2a": per_m2a,
                f"{prefix}_limit": bench[0] if bench else None,
                f"{prefix}_target": bench[1] if bench else None,
                f"{prefix}_rating": energy.rating(per_m2a, bench),
            }
        rows.append(row)
    table = (
        pl.DataFrame(rows, infer_schema_length=None)
        .join(nights, on="building", how="left")
        .join(by_kind, on="building", how="left")
        .join(heat, on="building", how="left")
    )
    for column in ("school_day", "holiday", "weekend"):
        if column not in table.columns:
            table = table.with_columns(pl.lit(None, pl.Float64).alias(column))
    table = table.rename({"school_day": "school_day_kwh", "holiday": "holiday_kwh", "weekend": "weekend_kwh"}).with_columns(
        night_flag=(pl.col("category") == "school") & (pl.col("night_share") > energy.NIGHT_SHARE_FLAG)
    )
    total = {
        "el_today": table["el_today"].sum(),
        "el_usual": table["el_usual"].sum() if table["el_usual"].null_count() == 0 else None,
        "heat_today": table["heat_today"].sum(),
        "flagged": int(table["night_flag"].sum()),
        "buildings": len(table),
        "hours": hours,
    }
    as_of = hourly["bucket_start"].max()
    return EnergyView(
        buildings=table,
        total=total,
        hdd=(g_now, g_last),
        unknown_days=unknown,
        as_of=None if as_of is None else as_of + dt.timedelta(hours=1),
    )


def daily(store: StoreReader, city: CityConfig, *, building: str, days: int = 35, now: dt.datetime | None = None) -> pl.DataFrame:
    """One building's daily consumption: date (local), carrier, kwh, kwh_last_year (the same weekday 364 days before), kind (core.holidays)."""
    now, tz = _now(now), city.timezone
    chosen = [b for b in city.buildings if b.key == building]
    schema = {"date": pl.Date, "carrier": pl.String, "kwh": pl.Float64, "kwh_last_year": pl.Float64, "kind": pl.String}
    if not chosen:
        return pl.DataFrame(schema=schema)
    meters = energy.meter_table(tuple(chosen))
    ids = meters["station_id"].to_list()
    today = local_day_start(now, tz)
    start = local_day_start(now, tz, days_back=days)

    def read(a: dt.datetime, b: dt.datetime) -> pl.DataFrame:
        got = energy.consumption(store.rollup("1d", start=a, end=b, station_ids=ids, quantities=list(energy.METERS)), meters)
        return got.with_columns(date=pl.col("bucket_start").dt.convert_time_zone(tz).dt.date())

    now_days = read(start, today)
    back = dt.timedelta(days=YEAR_BACK)
    last = read(start - back, today - back).with_columns(date=pl.col("date") + back).select("carrier", "date", kwh_last_year="kwh")
    out = now_days.join(last, on=["carrier", "date"], how="left").sort("carrier", "date")
    kinds = [city.calendar.kind(d, chosen[0].school) for d in out["date"].to_list()]
    return out.with_columns(kind=pl.Series(kinds, dtype=pl.String)).select(list(schema))
