"""The four neighbours of the demo region (Südwestfalen): plausible, deterministic station sets.

Menden is the demo city itself (``stations.py``). The others get what their use cases in the
cooperation need: Soest its BürgerWOLKE microclimate boxes (about 100 over the old town and
the villages around it), Olpe the CO₂ lights of its schools' classrooms, Arnsberg the Ruhr and
its gauges from Oeventrop to Neheim, Bad Berleburg the Eder and the Odeborn. Positions are
spread deterministically around each town's real centre (no randomness: the same ids and
places on every start); values come from the same physics as Menden's stations.
"""

from __future__ import annotations

import math

from data_sources.demo.stations import DemoStation, _gauge, _weather, classrooms

# (lat, lon) of the town centres (market square or town hall)
CENTRES = {
    "soest": (51.5711, 8.1060),
    "olpe": (51.0289, 7.8517),
    "arnsberg": (51.3960, 8.0640),
    "bad-berleburg": (51.0525, 8.3920),
}

_SOEST_DISTRICTS = (  # (name, lat, lon, urban heat in K at the district's centre)
    ("Altstadt", 51.5711, 8.1060, 2.6),
    ("Soest-Süd", 51.5600, 8.1080, 1.4),
    ("Soest-Nord", 51.5830, 8.1000, 1.2),
    ("Soest-Ost", 51.5700, 8.1280, 1.1),
    ("Soest-West", 51.5730, 8.0850, 1.3),
    ("Ampen", 51.5680, 8.1620, 0.2),
    ("Meiningsen", 51.5390, 8.1150, -0.3),
    ("Ostönnen", 51.5650, 8.0300, -0.1),
    ("Deiringsen", 51.5560, 8.0820, 0.1),
    ("Hattrop", 51.5930, 8.1300, -0.4),
)


def _ring(lat: float, lon: float, k: int, step_m: float) -> tuple[float, float]:
    """The k-th point of a sunflower spiral around (lat, lon): even cover, no two points alike."""
    golden = math.pi * (3 - math.sqrt(5))
    r = step_m * math.sqrt(k + 0.5)
    dy, dx = r * math.cos(k * golden), r * math.sin(k * golden)
    return round(lat + dy / 111_320, 5), round(lon + dx / (111_320 * math.cos(math.radians(lat))), 5)


def _soest() -> tuple[DemoStation, ...]:
    boxes = []
    per = (20, 10, 10, 10, 10, 8, 8, 8, 8, 8)  # the old town has the densest cover: 100 boxes
    for (district, lat, lon, heat), count in zip(_SOEST_DISTRICTS, per):
        for k in range(count):
            blat, blon = _ring(lat, lon, k, 140 if district == "Altstadt" else 220)
            cooler = 0.08 * k  # the outer boxes of a district stand in gardens and at field edges
            boxes.append(
                _weather(f"wolke-{len(boxes) + 1:03d}", f"BürgerWOLKE {district} {k + 1}", blat, blon, district, round(heat - cooler, 2))
            )
    gauges = (
        _gauge("pegel-soestbach", "Soestbach Stadtpark", 51.5745, 8.1010, "Altstadt", 24, 16, 1.0),
        _gauge("pegel-ahse-ampen", "Ahse Ampen", 51.5650, 8.1600, "Ampen", 48, 30, 3.0),
    )
    return (*boxes, *gauges)


_OLPE_SCHOOLS = (
    ("st-franziskus-gymnasium", "St.-Franziskus-Gymnasium", 51.0306, 7.8494, "Innenstadt"),
    ("gymnasium-maria-koenigin", "Gymnasium Maria Königin", 51.0365, 7.8421, "Altenkleusheim-Straße"),
    ("realschule-olpe", "Städtische Realschule Olpe", 51.0253, 7.8580, "Innenstadt"),
    ("grundschule-olpe-mitte", "Grundschule Olpe-Mitte", 51.0279, 7.8546, "Innenstadt"),
    ("gesamtschule-olpe", "Gesamtschule Olpe", 51.0420, 7.8610, "Lütringhausen"),
)


def _olpe() -> tuple[DemoStation, ...]:
    rooms = classrooms(_OLPE_SCHOOLS, rooms=8)
    weather = (
        _weather("wetter-marktplatz", "Marktplatz Olpe", 51.0289, 7.8517, "Innenstadt", 1.8),
        _weather("wetter-biggesee", "Biggesee Ufer", 51.0215, 7.8690, "Biggesee", -0.8),
        _weather("wetter-rhode", "Rhode", 51.0440, 7.8250, "Rhode", -0.2),
    )
    gauges = (_gauge("pegel-bigge-olpe", "Bigge Olpe", 51.0260, 7.8600, "Innenstadt", 55, 32, 3.0),)
    return (*rooms, *weather, *gauges)


def _arnsberg() -> tuple[DemoStation, ...]:
    # The Ruhr flows west: Oeventrop, Arnsberg, Hüsten, Neheim; downstream gauges peak later.
    gauges = (
        _gauge("pegel-ruhr-oeventrop", "Ruhr Oeventrop", 51.3960, 8.1390, "Oeventrop", 88, 52, 5.0),
        _gauge("pegel-ruhr-arnsberg", "Ruhr Arnsberg", 51.3985, 8.0640, "Alt-Arnsberg", 96, 58, 6.0),
        _gauge("pegel-ruhr-neheim", "Ruhr Neheim", 51.4480, 7.9590, "Neheim", 110, 64, 7.5),
        _gauge("pegel-roehr-huesten", "Röhr Hüsten", 51.4330, 8.0010, "Hüsten", 42, 30, 2.5),
    )
    weather = (
        _weather("wetter-neumarkt", "Neumarkt Arnsberg", 51.3960, 8.0640, "Alt-Arnsberg", 1.6),
        _weather("wetter-neheim-markt", "Neheimer Markt", 51.4470, 7.9610, "Neheim", 2.0),
        _weather("wetter-huesten", "Hüsten Marktplatz", 51.4320, 8.0030, "Hüsten", 1.3),
        _weather("wetter-oeventrop", "Oeventrop", 51.3950, 8.1420, "Oeventrop", 0.4),
        _weather("wetter-eichholz", "Eichholz Waldrand", 51.3900, 8.0500, "Alt-Arnsberg", -1.0),
    )
    air = (DemoStation("luft-neheim", "Luftmessstation Neheim", 51.4500, 7.9640, "air_quality", "Neheim", "air", 1800, {"traffic": 0.8}),)
    return (*gauges, *weather, *air)


def _bad_berleburg() -> tuple[DemoStation, ...]:
    gauges = (
        _gauge("pegel-eder-berleburg", "Eder Bad Berleburg", 51.0440, 8.3980, "Kernstadt", 64, 40, 4.0),
        _gauge("pegel-odeborn-berleburg", "Odeborn Bad Berleburg", 51.0560, 8.3880, "Kernstadt", 30, 22, 1.8),
        _gauge("pegel-eder-aue", "Eder Aue", 51.0250, 8.4650, "Aue-Wingeshausen", 72, 44, 5.0),
    )
    weather = (
        _weather("wetter-goetheplatz", "Goetheplatz", 51.0525, 8.3920, "Kernstadt", 1.2),
        _weather("wetter-schloss", "Schlosspark", 51.0545, 8.3960, "Kernstadt", 0.1),
        _weather("wetter-raumland", "Raumland", 51.0320, 8.4220, "Raumland", -0.5),
        _weather("wetter-rothaarsteig", "Rothaarsteig Waldrand", 51.0700, 8.3700, "Kernstadt", -1.6),
    )
    return (*gauges, *weather)


SETS: dict[str, tuple[DemoStation, ...]] = {
    "soest": _soest(),
    "olpe": _olpe(),
    "arnsberg": _arnsberg(),
    "bad-berleburg": _bad_berleburg(),
}
