"""Raumluft Schulen: CO₂ traffic lights per school and room, the day's curve, lesson time above the UBA bands.

Grouping: a room's school is its station name up to " Raum" / " Room" ("Walburgisgymnasium
Raum 101" → school "Walburgisgymnasium", room "Raum 101"); a name without that marker falls
back to the station's district as the school and keeps the whole name as the room; with
neither, the school is null (the page shows "ohne Zuordnung").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import polars as pl

from core.config import CityConfig
from core.holidays import SchoolCalendar
from core.status import edges, status
from core.store import StoreReader
from core.views._time import local_day_start, week_start
from core.views._time import now_or as _now

THEME = "indoor_air"
SCHOOL = r"^(.*?)\s+(?:Raum|Room)\b"
ROOM = r"\b((?:Raum|Room)\b.*)$"
BUCKET = "15m"
BUCKET_MIN = 15
UNASSIGNED = ""  # the ``school`` parameter that selects rooms without a school (null in the frames)


@dataclass(frozen=True)
class LessonTime:
    """When lessons take place (local time) on a school day; which days are school days says core.holidays."""

    weekdays: tuple[int, ...]  # ISO weekdays, 1 = Monday
    start: dt.time
    end: dt.time

    def minutes(self) -> tuple[int, int]:
        return self.start.hour * 60 + self.start.minute, self.end.hour * 60 + self.end.minute


# Monday to Friday, first to sixth lesson (8:00–13:15), the usual morning of a German school day.
LESSONS = LessonTime(weekdays=(1, 2, 3, 4, 5), start=dt.time(8, 0), end=dt.time(13, 15))


def rooms_of(stations: pl.DataFrame) -> pl.DataFrame:
    """station_id, school, room, name of every indoor-air station (see the module docstring)."""
    name = pl.col("name").fill_null("")
    return (
        stations.filter(pl.col("theme") == THEME)
        .select(
            "station_id",
            school=pl.coalesce(name.str.extract(SCHOOL, 1).str.strip_chars().replace("", None), pl.col("district")),
            room=pl.coalesce(name.str.extract(ROOM, 1), pl.col("name"), pl.col("station_id")),
            name="name",
        )
        .sort("school", "room", nulls_last=True)
    )


def _rooms(store: StoreReader, school: str | None) -> pl.DataFrame:
    rooms = rooms_of(store.stations())
    if school is None:
        return rooms
    return rooms.filter(pl.col("school").is_null() if school == UNASSIGNED else pl.col("school") == school)


def schools(store: StoreReader, city: CityConfig) -> list[str]:
    """School names for the picker, sorted; :data:`UNASSIGNED` last when some room has no school."""
    names = rooms_of(store.stations())["school"]
    return names.drop_nulls().unique().sort().to_list() + ([UNASSIGNED] if names.null_count() else [])


def rooms(store: StoreReader, city: CityConfig, *, school: str | None = None, now: dt.datetime | None = None) -> pl.DataFrame:
    """Every room (of ``school``; None: all) now: latest CO₂ with its UBA status ("lüften" from severity 1 on).

    Columns: station_id, school, room, name, value, ts, age_s, stale, severity, status,
    status_de, status_en, tone, air (bool). A room without a CO₂ reading is ``unknown``.
    """
    latest = store.latest(_now(now)).filter(pl.col("quantity") == "co2").select("station_id", "value", "ts", "age_s", "stale")
    frame = _rooms(store, school).join(latest, on="station_id", how="left").with_columns(quantity=pl.lit("co2"))
    rated = status(frame, thresholds=city.thresholds).drop("quantity")
    return rated.with_columns(air=pl.col("severity").fill_null(0) >= 1, stale=pl.col("stale").fill_null(False))


def co2_edges(store: StoreReader, city: CityConfig) -> tuple[float, ...]:
    """The city-wide CO₂ band edges in ppm (UBA 1,000 / 2,000 unless the config overrides them)."""
    return edges("co2", city.thresholds)


@dataclass(frozen=True)
class LessonShare:
    """Share of lesson time above the CO₂ bands per room, in one week."""

    rooms: pl.DataFrame  # station_id, school, room, buckets, hours, over_moderate, over_bad, share_moderate, share_bad
    start: dt.date  # Monday of the week
    end: dt.date  # the last day counted (today for the current week)
    edges: tuple[float, ...]  # the city-wide band edges (ppm) the shares refer to
    # the week's days (date, kind, name, lessons) by the state's calendar: holidays and days the
    # calendar does not know ("unknown", lessons null) are not counted as lesson time
    days: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"date": pl.Date, "kind": pl.String, "name": pl.String, "lessons": pl.Boolean})
    )

    @property
    def unknown(self) -> bool:
        """True when some weekday of the week is beyond the school-holiday data: its lessons are unknown."""
        return bool(self.days["lessons"].is_null().any())


def _lesson_windows(
    start: dt.datetime, end: dt.datetime, tz: str, calendar: SchoolCalendar | None = None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The lesson windows (UTC) of the week from ``start`` that began before ``end``, widened to bucket edges.

    Only school days of ``calendar`` (state-wide: public and school holidays and unknown days are none).

    Reading only these (21 of 96 buckets a day) is 4× faster than reading the whole week.
    """
    zone = ZoneInfo(tz)
    first, last = LESSONS.minutes()
    first, last = first - first % BUCKET_MIN, last + (-last) % BUCKET_MIN
    monday = start.astimezone(zone).date()
    windows = []
    for day in (monday + dt.timedelta(days=i) for i in range(7)):
        if day.isoweekday() not in LESSONS.weekdays or (calendar is not None and not calendar.lessons(day)):
            continue
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
        a, b = (
            dt.datetime.combine(day, dt.time(m // 60, m % 60), tzinfo=zone) if m < 1440 else midnight + dt.timedelta(days=1)
            for m in (first, last)
        )
        if a.astimezone(dt.UTC) < end:
            windows.append((a.astimezone(dt.UTC), b.astimezone(dt.UTC)))
    return windows


def lesson_share(
    store: StoreReader, city: CityConfig, *, school: str | None = None, weeks_back: int = 0, now: dt.datetime | None = None
) -> LessonShare:
    """Per room: which share of this week's lesson time the air was above 1,000 and 2,000 ppm.

    Lesson time is :data:`LESSONS` on the school days of the city's calendar (core.holidays: NRW
    public and school holidays and each school's own free days are none; a day beyond the
    calendar's data is not counted, and ``LessonShare.unknown`` says so). It is counted in 15-minute rollup buckets that lie wholly
    inside the window, each bucket weighing the same (15 minutes) and rated by its mean with
    core.status "co2" (city and per-room overrides apply), so the share is "buckets with a mean
    of at least 1,000 ppm / lesson buckets with data". Buckets without a reading do not count.
    """
    now = _now(now)
    tz = city.timezone
    start = week_start(now, tz, weeks_back=weeks_back)
    week_end = local_day_start(start + dt.timedelta(days=7, hours=12), tz)  # next Monday 00:00, also across DST
    end = min(now, week_end)
    rooms = _rooms(store, school)
    ids = rooms["station_id"].to_list()
    calendar = city.calendar
    windows = _lesson_windows(start, end, tz, calendar) if ids else []
    parts = [store.rollup(BUCKET, start=a, end=b, station_ids=ids, quantities=["co2"]) for a, b in windows]
    buckets = pl.concat(parts) if parts else None
    first, last = LESSONS.minutes()
    local = pl.col("bucket_start").dt.convert_time_zone(tz)
    minute = local.dt.hour().cast(pl.Int32) * 60 + local.dt.minute().cast(pl.Int32)
    inside = local.dt.weekday().is_in(LESSONS.weekdays) & (minute >= first) & (minute + BUCKET_MIN <= last)
    schema = {"station_id": pl.String, "quantity": pl.String, "value": pl.Float64}
    lesson = (
        pl.DataFrame(schema=schema)
        if buckets is None
        else buckets.filter(inside & (pl.col("bucket_start") < end)).select("station_id", "quantity", "value", date=local.dt.date())
    )
    free = [(school, day) for school, days in calendar.free_days.items() for day in days]
    if free and len(lesson):  # a school's own free days (Rosenmontag …) are no lesson time for its rooms
        off = pl.DataFrame(free, schema={"school": pl.String, "date": pl.Date}, orient="row").join(
            rooms.select("station_id", "school"), on="school"
        )
        lesson = lesson.join(off.select("station_id", "date"), on=["station_id", "date"], how="anti")
    lesson = lesson.select("station_id", "quantity", "value")
    rated = status(lesson, thresholds=city.thresholds)
    counts = rated.group_by("station_id").agg(
        buckets=pl.len().cast(pl.Int64),
        over_moderate=(pl.col("severity") >= 1).sum().cast(pl.Int64),
        over_bad=(pl.col("severity") >= 2).sum().cast(pl.Int64),
    )
    table = (
        rooms.join(counts, on="station_id", how="left")
        .with_columns(pl.col("buckets", "over_moderate", "over_bad").fill_null(0))
        .with_columns(
            hours=pl.col("buckets") * BUCKET_MIN / 60,
            share_moderate=pl.when(pl.col("buckets") > 0).then(pl.col("over_moderate") / pl.col("buckets")),
            share_bad=pl.when(pl.col("buckets") > 0).then(pl.col("over_bad") / pl.col("buckets")),
        )
        .select("station_id", "school", "room", "buckets", "hours", "over_moderate", "over_bad", "share_moderate", "share_bad")
    )
    last_day = (end - dt.timedelta(microseconds=1)).astimezone(ZoneInfo(tz)).date()
    monday = start.astimezone(ZoneInfo(tz)).date()
    days = calendar.days(monday, last_day + dt.timedelta(days=1)).filter(pl.col("date").dt.weekday().is_in(LESSONS.weekdays))
    return LessonShare(rooms=table, start=monday, end=last_day, edges=co2_edges(store, city), days=days)


@dataclass(frozen=True)
class Overview:
    """All schools now and this week (see :func:`overview`)."""

    schools: pl.DataFrame
    week: LessonShare  # the per-room shares the school figures are made of, with the week's dates and limits


def overview(store: StoreReader, city: CityConfig, *, now: dt.datetime | None = None) -> Overview:
    """One row per school: rooms, rooms to air, the worst room now and this week's lesson-time shares.

    Rooms without a school form one row with school :data:`UNASSIGNED`.

    Columns: school, rooms, to_air, bad, unknown, stale, max_co2, worst_room, severity, status,
    status_de, status_en, tone (of the worst room), as_of, room_states (list of room, status,
    tone in room order), buckets, share_moderate, share_bad (all the school's lesson buckets together).
    Sorted by severity (worst first), then name.
    """
    now = _now(now)
    current = rooms(store, city, now=now).with_columns(pl.col("school").fill_null(UNASSIGNED))
    week = lesson_share(store, city, now=now)
    shares = (
        week.rooms.with_columns(pl.col("school").fill_null(UNASSIGNED))
        .group_by("school")
        .agg(
            buckets=pl.col("buckets").sum(),
            share_moderate=pl.when(pl.col("buckets").sum() > 0).then(pl.col("over_moderate").sum() / pl.col("buckets").sum()),
            share_bad=pl.when(pl.col("buckets").sum() > 0).then(pl.col("over_bad").sum() / pl.col("buckets").sum()),
        )
    )
    worst_first = current.sort(["severity", "value"], descending=True, nulls_last=True)
    table = (
        worst_first.group_by("school", maintain_order=True)
        .agg(
            rooms=pl.len().cast(pl.Int64),
            to_air=(pl.col("severity") == 1).sum().cast(pl.Int64),
            bad=(pl.col("severity") >= 2).sum().cast(pl.Int64),
            unknown=pl.col("severity").is_null().sum().cast(pl.Int64),
            stale=pl.col("stale").sum().cast(pl.Int64),
            max_co2=pl.col("value").max(),
            worst_room=pl.col("room").first(),
            severity=pl.col("severity").first(),
            status=pl.col("status").first(),
            status_de=pl.col("status_de").first(),
            status_en=pl.col("status_en").first(),
            tone=pl.col("tone").first(),
            as_of=pl.col("ts").max(),
            room_states=pl.struct("room", "status", "tone").sort_by("room"),  # one traffic light per room, in room order
        )
        .join(shares, on="school", how="left")
        .sort(["severity", "school"], descending=[True, False], nulls_last=True)
    )
    return Overview(schools=table, week=week)


def day_curve(store: StoreReader, city: CityConfig, *, school: str, now: dt.datetime | None = None) -> pl.DataFrame:
    """Today's CO₂ per room of ``school`` from 15-min buckets: station_id, room, time (naive local), value."""
    now = _now(now)
    rooms = _rooms(store, school)
    if not len(rooms):
        return pl.DataFrame(schema={"station_id": pl.String, "room": pl.String, "time": pl.Datetime("us"), "value": pl.Float64})
    buckets = store.rollup(BUCKET, start=local_day_start(now, city.timezone), station_ids=rooms["station_id"].to_list(), quantities=["co2"])
    return (
        buckets.join(rooms.select("station_id", "room"), on="station_id", how="inner")
        .select(
            "station_id", "room", time=pl.col("bucket_start").dt.convert_time_zone(city.timezone).dt.replace_time_zone(None), value="value"
        )
        .sort("room", "time")
    )
