"""Sound meters, traffic counters, charging sites and places for page tests, as a feed would store them.

``seed(store_dir)`` appends 15 days of readings up to now (every 15 minutes, the same values on
every run at the same local hour) for stations of the source ``themes``: four sound meters,
three counters, two charging sites with 10 charge points of which one is out of service, and
places with opening hours that are open, closed and unknown at any time of day.
``python -m tests.pages.themes DIR`` seeds a store directory for looking at it in a running app.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from core.schema import Batch
from core.store import open_store

SOURCE = "themes"
TZ = ZoneInfo("Europe/Berlin")
DAYS = 15
STEP = dt.timedelta(minutes=15)

# name, lat, lon, day LAeq, night LAeq (dB(A))
NOISE = {
    "laerm-unnaer": ("Unnaer Straße", 51.4405, 7.7905, 68.0, 58.0),
    "laerm-bahnhof": ("Bahnhof", 51.4473, 7.7842, 63.0, 50.0),
    "laerm-markt": ("Marktplatz", 51.4436, 7.7783, 58.0, 44.0),
    "laerm-ruhig": ("Am Ziegelbrand", 51.4330, 7.7700, 48.0, 36.0),
}
# name, lat, lon, cars per hour at the busiest hour of a working day
COUNTERS = {
    "zaehler-haupt": ("Hauptstraße", 51.4428, 7.7815, 520.0),
    "zaehler-unnaer": ("Unnaer Straße", 51.4410, 7.7890, 380.0),
    "zaehler-walram": ("Walramstraße", 51.4450, 7.7750, 150.0),
}
# name, lat, lon, free, occupied, out of service: 3 of 9 in operation are free, one is out of service
CHARGING = {
    "laden-rathaus": ("Ladestation Rathaus", 51.4440, 7.7790, 2.0, 3.0, 1.0),
    "laden-bahnhof": ("Ladepark Bahnhof", 51.4478, 7.7855, 1.0, 3.0, 0.0),
}
# name, lat, lon, category, opening hours
PLACES = {
    "ort-museum": ("Museum für Stadt- und Kulturgeschichte", 51.4431, 7.7772, "museum", "24/7"),
    "ort-buecherei": ("Stadtbücherei", 51.4445, 7.7795, "library", "Mo-Su off"),
    "ort-bad": ("Hallenbad Leitmecke", 51.4380, 7.7900, "swimming_pool", None),
    "ort-aussicht": ("Aussichtsturm Kapellenberg", 51.4500, 7.7650, "viewpoint", "Mo-Fr 08:00-18:00; PH off"),
    "ort-kirche": ("St.-Vincenz-Kirche", 51.4437, 7.7787, "church", "24/7"),
    "ort-spiel": ("Spielplatz Hönnepark", 51.4415, 7.7760, None, "24/7"),
}


def profile(hour: int, weekend: bool) -> float:
    """Share of the busiest hour's traffic at a local hour: two rush hours on working days, one broad hump at weekends."""
    if weekend:
        return 0.15 + 0.5 * math.exp(-(((hour - 14) / 4) ** 2))
    return 0.1 + 0.9 * math.exp(-(((hour - 8) / 1.5) ** 2)) + 0.8 * math.exp(-(((hour - 17) / 2) ** 2)) + 0.35 * (7 <= hour <= 19)


def noise_level(day_level: float, night_level: float, local: dt.datetime) -> float:
    daytime = 6 <= local.hour < 22
    return (day_level if daytime else night_level) + (1.0 if local.minute == 0 else -1.0)


def stations() -> list[dict]:
    def row(key: str, name: str, lat: float, lon: float, theme: str, **extra) -> dict:
        return {
            "station_id": f"{SOURCE}:{key}",
            "source": SOURCE,
            "name": name,
            "lat": lat,
            "lon": lon,
            "theme": theme,
            "district": None,
            **extra,
        }

    return (
        [row(k, n, la, lo, "noise") for k, (n, la, lo, *_) in NOISE.items()]
        + [row(k, n, la, lo, "traffic") for k, (n, la, lo, _) in COUNTERS.items()]
        + [row(k, n, la, lo, "charging") for k, (n, la, lo, *_) in CHARGING.items()]
        + [row(k, n, la, lo, "poi", category=c, opening_hours=h) for k, (n, la, lo, c, h) in PLACES.items()]
    )


def readings(now: dt.datetime) -> list[dict]:
    end = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    out = []
    ts = end - dt.timedelta(days=DAYS)
    while ts <= end:
        local = ts.astimezone(TZ)
        weekend = local.isoweekday() >= 6

        def add(key: str, quantity: str, value: float, at: dt.datetime = ts) -> None:
            out.append({"ts": at, "station_id": f"{SOURCE}:{key}", "quantity": quantity, "value": value, "source": SOURCE})

        for key, (_, _, _, day_level, night_level) in NOISE.items():
            level = noise_level(day_level, night_level, local)
            add(key, "noise", level)
            add(key, "noise_max", level + 14.0)
        for key, (_, _, _, peak) in COUNTERS.items():
            cars = round(peak * profile(local.hour, weekend))
            add(key, "traffic_car", cars)
            add(key, "traffic_heavy", round(cars * 0.08))
            add(key, "traffic_bike", round(cars * 0.1 + 5))
            add(key, "traffic_pedestrian", round(cars * 0.15 + 8))
            add(key, "speed_v85", 48.0 if 7 <= local.hour <= 19 else 56.0)
        for key, (_, _, _, free, occupied, broken) in CHARGING.items():
            add(key, "charging_free", free)
            add(key, "charging_occupied", occupied)
            add(key, "charging_out_of_service", broken)
        ts += STEP
    return out


def batch(now: dt.datetime | None = None) -> Batch:
    return Batch.from_rows(readings(now or dt.datetime.now(dt.UTC)), stations())


def seed(store_dir: Path, now: dt.datetime | None = None) -> None:
    open_store(store_dir).append(batch(now))


if __name__ == "__main__":
    seed(Path(sys.argv[1]))
    print(f"seeded {sys.argv[1]}")
