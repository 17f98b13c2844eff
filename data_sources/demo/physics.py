"""Plausible, deterministic physics for the demo city: the same seed and instant give the same value.

Every model is a closed-form function of time (no state carried between polls), vectorised
with NumPy over a grid of epoch seconds, so a rerun never makes the city jump and a 14-day
backfill takes a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from data_sources.demo.stations import DemoStation

OUTDOOR_CO2 = 420.0
RAIN_SLOT_S = 36 * 3600  # one chance of a rain event per 36 h
LESSONS = ((8, 0, 8, 45), (8, 45, 9, 30), (9, 50, 10, 35), (10, 35, 11, 20), (11, 40, 12, 25), (12, 30, 13, 15))
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-spread hash of uint64 values."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _key(text: str) -> int:
    value = 1469598103934665603  # FNV-1a: stable across runs (Python's hash() is salted)
    for byte in text.encode():
        value = ((value ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return value


def uniform(seed: int, name: str, index: np.ndarray | int) -> np.ndarray:
    """Deterministic pseudo-random numbers in [0, 1) for (seed, name, index)."""
    idx = np.asarray(index, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        base = np.uint64(_key(f"{seed}/{name}"))
        h = _mix(idx * np.uint64(0x9E3779B97F4A7C15) + base)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def smooth(seed: int, name: str, t: np.ndarray, periods_h: tuple[float, ...], amps: tuple[float, ...]) -> np.ndarray:
    """A smooth wandering signal: sines of the given periods with seeded phases."""
    out = np.zeros(len(t))
    for i, (period, amp) in enumerate(zip(periods_h, amps)):
        phase = 2 * np.pi * float(uniform(seed, f"{name}/phase", i))
        out += amp * np.sin(2 * np.pi * t / (period * 3600.0) + phase)
    return out


def local_time(t: np.ndarray, tz: str) -> dict[str, np.ndarray]:
    """Local hour (fractional), weekday (0 = Monday), day of year and local date for epoch seconds."""
    local = pl.from_epoch(pl.Series("t", t), time_unit="s").dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
    frame = pl.DataFrame({"l": local}).select(
        hour=pl.col("l").dt.hour() + pl.col("l").dt.minute() / 60 + pl.col("l").dt.second() / 3600,
        weekday=pl.col("l").dt.weekday() - 1,
        doy=pl.col("l").dt.ordinal_day(),
        date=pl.col("l").dt.date(),
    )
    out = {c: frame[c].to_numpy() for c in ("hour", "weekday", "doy")}
    out["first_date"], out["last_date"] = frame["date"].min(), frame["date"].max()
    return out


def rain_events(seed: int, start: float, end: float) -> tuple[np.ndarray, np.ndarray]:
    """City-wide rain events (epoch s, intensity 0.3–1.5) between start and end."""
    slots = np.arange(int(start // RAIN_SLOT_S) - 1, int(end // RAIN_SLOT_S) + 1)
    happens = uniform(seed, "rain", slots) < 0.42
    when = (slots + uniform(seed, "rain/when", slots)) * RAIN_SLOT_S
    intensity = 0.3 + 1.2 * uniform(seed, "rain/size", slots) ** 2
    keep = happens & (when <= end)
    return when[keep], intensity[keep]


def weather(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    season = np.cos(2 * np.pi * (lt["doy"] - 15) / 365.25)  # +1 mid-January, -1 mid-July
    mean = 9.5 - 8.5 * season
    amp = 3.0 + 2.5 * (1 - season) / 2
    diurnal = amp * np.cos(2 * np.pi * (lt["hour"] - 15) / 24)
    weather_swing = smooth(seed, "weather", t, (65.0, 127.0, 263.0), (2.0, 2.5, 1.5))
    night = (1 + np.cos(2 * np.pi * (lt["hour"] - 3) / 24)) / 2
    island = st.params["heat"] * (0.55 + 0.45 * night)  # the heat island is strongest at night
    wiggle = smooth(seed, st.native_id, t, (1.3, 7.0), (0.15, 0.3)) + 0.1 * (uniform(seed, st.native_id, t) - 0.5)
    temperature = mean + diurnal + weather_swing + island + wiggle
    humidity = 76 - 2.2 * diurnal - 1.2 * island + 5 * smooth(seed, "humid", t, (41.0, 97.0), (1.0, 0.8))
    humidity += 0.8 * (uniform(seed, st.native_id + "/rh", t) - 0.5)
    return {"temperature": np.round(temperature, 2), "humidity": np.round(np.clip(humidity, 28, 99), 1)}


def gauge(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    lag = st.params["lag_h"] * 3600.0
    when, intensity = rain_events(seed, float(t.min()) - 6 * RAIN_SLOT_S, float(t.max()))
    level = st.params["base"] * (1 + 0.15 * np.cos(2 * np.pi * (lt["doy"] - 30) / 365.25))
    for te, size in zip(when, intensity):
        x = np.clip((t - te) / lag, 0, None)
        level = level + st.params["wave"] * size * x**2 * np.exp(2 * (1 - x))
    level = level + 0.6 * (uniform(seed, st.native_id, t) - 0.5)
    return {"water_level": np.round(level, 1)}


def soil(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    when, intensity = rain_events(seed, float(t.min()) - 40 * 86400, float(t.max()))
    soaking = when[intensity > 0.5]
    last = np.searchsorted(soaking, t, side="right") - 1
    since = np.where(last >= 0, t - soaking[np.clip(last, 0, None)], 40 * 86400)
    summer = (1 - np.cos(2 * np.pi * (lt["doy"] - 15) / 365.25)) / 2  # 0 in winter, 1 in summer
    tau = st.params["retention"] * 86400 * (1.8 - 1.0 * summer)
    moisture = 13 + 24 * np.exp(-since / tau) + 0.4 * (uniform(seed, st.native_id, t) - 0.5)
    return {"soil_moisture": np.round(moisture, 1)}


def _day_segments(st: DemoStation, day: dt.date, tz: ZoneInfo, seed: int) -> list[tuple[float, float, float]]:
    """(start epoch s, steady-state ppm, air exchange 1/h) for each phase of one local day."""

    def at(h: int, m: int) -> float:
        return dt.datetime.combine(day, dt.time(h, m), tzinfo=tz).timestamp()

    night = (at(0, 0), OUTDOOR_CO2, 0.25)
    if day.weekday() >= 5:
        return [night]
    ordinal = day.toordinal()
    present = st.params["pupils"] * (0.82 + 0.18 * float(uniform(seed, st.native_id + "/present", ordinal))) + 1
    airing = st.params["airing"] * (0.7 + 0.6 * float(uniform(seed, st.native_id + "/airing", ordinal)))
    ppm_per_h = present * 0.017 / st.params["volume"] * 1e6  # ~17 l CO2 per person and hour
    segments, previous_end = [night], None
    for h0, m0, h1, m1 in LESSONS:
        start = at(h0, m0)
        if previous_end is not None and start > previous_end:
            segments.append((previous_end, OUTDOOR_CO2, 3 * airing + 1))  # break: windows open
        segments.append((start, OUTDOOR_CO2 + ppm_per_h / airing, airing))
        previous_end = at(h1, m1)
    segments.append((previous_end, OUTDOOR_CO2, 0.5))  # after school: tilted windows, cleaners
    return segments


def classroom(st: DemoStation, t: np.ndarray, lt: dict, seed: int, tz: str) -> dict[str, np.ndarray]:
    zone = ZoneInfo(tz)
    first, last = lt["first_date"], lt["last_date"]
    days = [first + dt.timedelta(days=i) for i in range(-1, (last - first).days + 1)]
    segs = [seg for day in days for seg in _day_segments(st, day, zone, seed)]
    starts = np.array([s[0] for s in segs])
    steady = np.array([s[1] for s in segs])
    rate = np.array([s[2] for s in segs])
    begin = np.empty(len(segs))
    level = OUTDOOR_CO2
    for i in range(len(segs)):  # a few segments per day: walk them to carry the room's air over
        begin[i] = level
        if i + 1 < len(segs):
            hours = (starts[i + 1] - starts[i]) / 3600
            level = steady[i] + (level - steady[i]) * np.exp(-rate[i] * hours)
    idx = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, None)
    co2 = steady[idx] + (begin[idx] - steady[idx]) * np.exp(-rate[idx] * (t - starts[idx]) / 3600)
    co2 = co2 + 12 * (uniform(seed, st.native_id, t) - 0.5)
    load = (co2 - OUTDOOR_CO2) / 1000
    temperature = 20.3 + 1.1 * np.tanh(load) + 0.3 * smooth(seed, st.native_id + "/t", t, (31.0,), (1.0,))
    humidity = 38 + 7 * np.tanh(load) + 2 * smooth(seed, st.native_id + "/rh", t, (53.0,), (1.0,))
    # resolutions of the Elsys ERS CO2 the demo's live uplinks are encoded for: 1 ppm, 0.1 °C, 1 %
    return {"co2": np.round(co2), "temperature": np.round(temperature, 1), "humidity": np.round(humidity)}


def _rush(lt: dict) -> np.ndarray:
    h, wd = lt["hour"], lt["weekday"]
    day_factor = np.where(wd < 5, 1.0, np.where(wd == 5, 0.5, 0.3))
    return day_factor * (np.exp(-(((h - 7.75) / 1.2) ** 2)) + 0.8 * np.exp(-(((h - 17.0) / 1.6) ** 2)))


def air(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    traffic = st.params["traffic"] * _rush(lt)
    winter = (1 + np.cos(2 * np.pi * (lt["doy"] - 15) / 365.25)) / 2
    background = 9 + 4 * winter + 3 * smooth(seed, "dust", t, (53.0, 151.0), (1.0, 1.0))
    pm10 = np.clip(background + 7 * traffic + 1.5 * (uniform(seed, st.native_id, t) - 0.5), 2, None)
    pm2_5 = np.clip(0.62 * pm10 - 0.4, 1, None)
    no2 = np.clip(8 + 26 * traffic + 3 * winter + 2 * smooth(seed, st.native_id + "/no2", t, (29.0,), (1.0,)), 1, None)
    return {"pm10": np.round(pm10, 1), "pm2_5": np.round(pm2_5, 1), "no2": np.round(no2, 1)}


def parking(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    h, wd = lt["hour"], lt["weekday"]
    shop = np.where(
        wd < 5,
        0.08 + 0.55 * np.exp(-(((h - 11.5) / 2.2) ** 2)) + 0.45 * np.exp(-(((h - 16.5) / 1.8) ** 2)),
        np.where(wd == 5, 0.08 + 0.85 * np.exp(-(((h - 12.0) / 2.6) ** 2)), 0.04 + 0.18 * np.exp(-(((h - 15.0) / 3.0) ** 2))),
    )
    commute = np.where(wd < 5, 0.05 + 0.85 / (1 + np.exp(-(h - 7.0) * 3)) / (1 + np.exp((h - 17.5) * 2)), 0.06)
    mix = st.params["shopping"]
    occupancy = 100 * np.clip(mix * shop + (1 - mix) * commute + 0.04 * smooth(seed, st.native_id, t, (2.1, 5.3), (1.0, 0.6)), 0.02, 0.99)
    free = np.round(st.params["capacity"] * (1 - occupancy / 100))
    return {"occupancy": np.round(occupancy, 1), "parking_free": free}


MODELS = {"weather": weather, "gauge": gauge, "soil": soil, "air": air, "parking": parking}
