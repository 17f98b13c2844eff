"""The demo city's young street trees: a deterministic tree register along Menden's streets, and the weather station it needs.

The watering model (``core.trees``) reads precipitation and wind, which the demo's microclimate
boxes do not measure. A DWD-like station at the edge of town reports them hourly, from the same
rain events that raise the Hönne and soak the tree pits (``physics.rain_events``), so the model,
the gauges and the soil sensors tell one story. It is a demo source of its own (``stations =
"weather"`` in the city TOML), the way a city adds its Bright Sky source beside its sensors.

``register_rows()`` is the Baumkataster the demo city ships (``config/menden-trees.csv``, written
by ``python -m data_sources.demo.trees``): 60 young trees planted 2019–2026 along real streets of
Menden, four of them beside the demo's soil sensors. Positions follow the roads of the schematic
city outline, not a survey.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from data_sources.demo import physics
from data_sources.demo.stations import DemoStation

REGISTER = Path(__file__).resolve().parents[2] / "config" / "menden-trees.csv"
RAIN_PER_EVENT_MM = 12.0  # × intensity 0.3–1.5: 4–18 mm a shower (Menden: ~1000 mm a year)
HOURS_PER_EVENT = 3.0  # a shower lasts 2–5 h

WEATHER = DemoStation("wetter-dwd-menden", "Wetterstation Menden (DWD-Modell)", 51.4585, 7.7660, "microclimate", "Bösperde", "rain", 3600)


def rain(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    """Hourly precipitation (mm in the hour ending at t), wind at 10 m (m/s) and pressure at sea level (hPa)."""
    when, intensity = physics.rain_events(seed, float(t.min()) - 86400, float(t.max()))
    total = np.zeros(len(t))
    for te, size in zip(when, intensity):
        duration = (HOURS_PER_EVENT - 1 + 2 * size) * 3600
        overlap = np.clip(np.minimum(t, te + duration) - np.maximum(t - 3600, te), 0, None)
        total += RAIN_PER_EVENT_MM * size * overlap / duration
    gusty = np.zeros(len(t))
    for te, size in zip(when, intensity):  # wind picks up with a front
        gusty += 3.0 * size * np.exp(-(((t - te) / 10800.0) ** 2))
    wind = 2.8 + physics.smooth(seed, "wind", t, (29.0, 83.0), (0.8, 0.6)) + gusty + 0.4 * physics.uniform(seed, st.native_id, t)
    pressure = 1014 + physics.smooth(seed, "pressure", t, (71.0, 163.0), (6.0, 4.0)) - 4.0 * np.clip(gusty, 0, 2)
    return {"precipitation": np.round(total, 1), "wind_speed": np.round(np.clip(wind, 0.2, None), 1), "pressure": np.round(pressure, 1)}


MODELS = {"rain": rain}
STATIONS = (WEATHER,)

# Street, district, start and end (lat, lon) along the outline's roads, species (botanical, German), trees.
STREETS = (
    ("Unnaer Straße", "Innenstadt", (51.4462, 7.7737), (51.4555, 7.7634), ("Tilia cordata 'Greenspire'", "Winterlinde"), 10),
    ("Werler Straße", "Innenstadt", (51.4470, 7.7805), (51.4600, 7.7875), ("Acer campestre 'Elsrijk'", "Feldahorn"), 10),
    ("Iserlohner Landstraße", "Barge", (51.4418, 7.7710), (51.4377, 7.7460), ("Carpinus betulus 'Fastigiata'", "Säulen-Hainbuche"), 8),
    ("Lendringser Hauptstraße", "Lendringsen", (51.4140, 7.8030), (51.4195, 7.8185), ("Liquidambar styraciflua", "Amberbaum"), 10),
    ("Bahnhofstraße", "Innenstadt", (51.4447, 7.7798), (51.4468, 7.7836), ("Platanus × hispanica", "Platane"), 6),
    ("Fröndenberger Straße", "Bösperde", (51.4635, 7.7575), (51.4745, 7.7470), ("Quercus robur 'Fastigiata'", "Säulen-Eiche"), 8),
    ("Nordwall", "Innenstadt", (51.4460, 7.7770), (51.4466, 7.7800), ("Ginkgo biloba", "Ginkgo"), 4),
)
# Trees planted beside the demo's soil sensors (native id of the sensor, its place, species).
SENSOR_TREES = (
    ("baum-01", "Marktplatz", "Innenstadt", (51.4438, 7.7779), ("Tilia cordata", "Winterlinde")),
    ("baum-04", "Hönnepark", "Innenstadt", (51.4410, 7.7860), ("Quercus robur", "Stieleiche")),
    ("baum-08", "Platte Heide", "Platte Heide", (51.4550, 7.7995), ("Tilia cordata", "Winterlinde")),
    ("baum-11", "Hüingsen", "Hüingsen", (51.4270, 7.8230), ("Tilia cordata", "Winterlinde")),
)
COLUMNS = ("id", "species", "species_de", "planted", "lat", "lon", "street", "district", "sensor", "pit_area_m2", "taw_mm")


def register_rows(seed: int = 42, source: str = "demo") -> list[dict]:
    """The demo Baumkataster: deterministic planting years 2019–2026, pits of 2.5–6 m², a few shallow ones."""
    rows, number = [], 0
    for street, district, (lat0, lon0), (lat1, lon1), (species, german), n in STREETS:
        for i in range(n):
            number += 1
            share = (i + 0.5) / n
            side = 0.00012 * (1 if i % 2 else -1)  # both sides of the road
            u = float(physics.uniform(seed, "tree", number))
            narrow = street in ("Bahnhofstraße", "Nordwall")  # inner-city pits between paving
            rows.append(
                {
                    "id": f"MEN-{number:04d}",
                    "species": species,
                    "species_de": german,
                    "planted": 2019 + int(u * 8),
                    "lat": round(lat0 + (lat1 - lat0) * share + side, 5),
                    "lon": round(lon0 + (lon1 - lon0) * share - side, 5),
                    "street": street,
                    "district": district,
                    "sensor": "",
                    "pit_area_m2": 2.5 if narrow else (4.0 if u < 0.7 else 6.0),
                    "taw_mm": 45 if narrow else 60,
                }
            )
    for native, place, district, (lat, lon), (species, german) in SENSOR_TREES:
        number += 1
        rows.append(
            {
                "id": f"MEN-{number:04d}",
                "species": species,
                "species_de": german,
                "planted": 2022 + int(float(physics.uniform(seed, "tree", number)) * 4),
                "lat": lat,
                "lon": lon,
                "street": place,
                "district": district,
                "sensor": f"{source}:{native}",
                "pit_area_m2": 6.0,
                "taw_mm": 60,
            }
        )
    return rows


def write(path: Path = REGISTER) -> None:
    """Write the demo register as the city's CSV (what a Baumkataster export looks like)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(register_rows())


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else REGISTER)
