"""The simulated Menden: every demo station and place as data (place, theme, model parameters, opening hours)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoStation:
    """One simulated station. ``params`` tune its physics (see ``physics.py`` and ``streets.py``)."""

    native_id: str
    name: str
    lat: float
    lon: float
    theme: str
    district: str
    kind: str  # which model produces it: weather, gauge, soil, classroom, air, parking, noise, traffic, charging; poi: none
    every_s: int  # reporting interval; 0 for places, which report nothing
    params: dict = field(default_factory=dict)
    # Counters report a rate over the interval that ends at the reporting instant, stamped with the
    # interval's start (Telraam's hourly reports): published once the hour is over.
    interval: bool = False
    category: str | None = None  # places: one of POI_CATEGORIES
    opening_hours: str | None = None  # places: OSM opening_hours in the subset core.opening parses
    offset_s: int = 0  # reports at multiples of every_s plus this (meters read at hh:59: -60)


def _weather(native_id: str, name: str, lat: float, lon: float, district: str, heat: float) -> DemoStation:
    # heat: urban heat island offset in K (strongest at night); negative at forest edges
    return DemoStation(native_id, name, lat, lon, "microclimate", district, "weather", 600, {"heat": heat})


def _gauge(native_id: str, name: str, lat: float, lon: float, district: str, base: float, wave: float, lag_h: float) -> DemoStation:
    # base: mean water level in cm; wave: typical rain-wave height in cm; lag_h: hours after rain to the peak
    return DemoStation(native_id, name, lat, lon, "water", district, "gauge", 900, {"base": base, "wave": wave, "lag_h": lag_h})


def _tree(native_id: str, name: str, lat: float, lon: float, district: str, retention: float) -> DemoStation:
    # retention: how slowly the soil dries out (days of e-folding); sandy pits dry faster
    return DemoStation(native_id, name, lat, lon, "soil", district, "soil", 3600, {"retention": retention})


WEATHER = (
    _weather("wetter-marktplatz", "Marktplatz", 51.4436, 7.7783, "Innenstadt", 2.4),
    _weather("wetter-neumarkt", "Neumarkt", 51.4451, 7.7745, "Innenstadt", 2.1),
    _weather("wetter-bahnhof", "Bahnhof Menden", 51.4470, 7.7840, "Innenstadt", 1.7),
    _weather("wetter-rathaus", "Rathaus", 51.4428, 7.7806, "Innenstadt", 1.9),
    _weather("wetter-platte-heide", "Platte Heide", 51.4545, 7.8010, "Platte Heide", 0.9),
    _weather("wetter-lendringsen", "Lendringsen Ortsmitte", 51.4165, 7.8105, "Lendringsen", 0.6),
    _weather("wetter-boesperde", "Bösperde", 51.4690, 7.7555, "Bösperde", 0.5),
    _weather("wetter-halingen", "Halingen", 51.4835, 7.7430, "Halingen", -0.2),
    _weather("wetter-schwitten", "Schwitten", 51.4785, 7.7880, "Schwitten", -0.3),
    _weather("wetter-oberroedinghausen", "Oberrödinghausen", 51.4010, 7.8285, "Oberrödinghausen", -0.6),
    _weather("wetter-huengsen", "Hüingsen", 51.4275, 7.8225, "Hüingsen", 0.2),
    _weather("wetter-waldrand-barge", "Waldrand Barge", 51.4375, 7.7440, "Barge", -1.1),
)

# The Hönne flows north from Balve through Oberrödinghausen, Lendringsen and the centre to
# Fröndenberg; downstream gauges peak later. Brooks react faster and lower.
GAUGES = (
    _gauge("pegel-hoenne-oberroedinghausen", "Hönne Oberrödinghausen", 51.4030, 7.8270, "Oberrödinghausen", 62, 38, 2.5),
    _gauge("pegel-hoenne-lendringsen", "Hönne Lendringsen", 51.4170, 7.8080, "Lendringsen", 70, 42, 3.5),
    _gauge("pegel-hoenne-mitte", "Hönne Menden Mitte", 51.4445, 7.7830, "Innenstadt", 84, 50, 4.5),
    _gauge("pegel-hoenne-boesperde", "Hönne Bösperde", 51.4700, 7.7620, "Bösperde", 92, 55, 5.5),
    _gauge("pegel-hoenne-halingen", "Hönne Halingen", 51.4860, 7.7480, "Halingen", 98, 58, 6.5),
    _gauge("pegel-oese-huengsen", "Oese Hüingsen", 51.4290, 7.8190, "Hüingsen", 28, 22, 1.5),
    _gauge("pegel-bieberbach", "Bieberbach Platte Heide", 51.4520, 7.8050, "Platte Heide", 22, 18, 1.2),
    _gauge("pegel-gluerbach", "Glärbach Bösperde", 51.4660, 7.7520, "Bösperde", 25, 20, 1.5),
)

TREES = tuple(
    _tree(f"baum-{i:02d}", name, lat, lon, district, retention)
    for i, (name, lat, lon, district, retention) in enumerate(
        (
            ("Linde Marktplatz", 51.4438, 7.7779, "Innenstadt", 5.0),
            ("Ahorn Neumarkt", 51.4449, 7.7750, "Innenstadt", 4.0),
            ("Platane Bahnhofstraße", 51.4462, 7.7825, "Innenstadt", 4.5),
            ("Eiche Hönnepark", 51.4410, 7.7860, "Innenstadt", 7.0),
            ("Linde Unnaer Straße", 51.4490, 7.7710, "Innenstadt", 4.0),
            ("Ahorn Lendringsen", 51.4160, 7.8110, "Lendringsen", 6.0),
            ("Kirsche Bösperde", 51.4685, 7.7565, "Bösperde", 5.5),
            ("Linde Platte Heide", 51.4550, 7.7995, "Platte Heide", 6.5),
            ("Hainbuche Halingen", 51.4830, 7.7440, "Halingen", 8.0),
            ("Ahorn Schwitten", 51.4780, 7.7870, "Schwitten", 6.0),
            ("Linde Hüingsen", 51.4270, 7.8230, "Hüingsen", 5.0),
            ("Platane Rathausplatz", 51.4430, 7.7800, "Innenstadt", 3.5),
        ),
        start=1,
    )
)

_SCHOOLS = (
    ("walburgisgymnasium", "Walburgisgymnasium", 51.4452, 7.7765, "Innenstadt"),
    ("gymnasium-an-der-hoenne", "Gymnasium an der Hönne", 51.4400, 7.7900, "Innenstadt"),
    ("gesamtschule-lendringsen", "Gesamtschule Lendringsen", 51.4185, 7.8060, "Lendringsen"),
    ("grundschule-boesperde", "Grundschule Bösperde", 51.4675, 7.7590, "Bösperde"),
)
# Airing per room (1/h during lessons): most classes air in breaks, a few rarely do.
_AIRING = (3.8, 2.2, 4.2, 0.7, 2.8, 3.4, 1.9, 4.5, 0.9, 2.6)


def classrooms(schools: tuple[tuple[str, str, float, float, str], ...], rooms: int = 10) -> tuple[DemoStation, ...]:
    """``rooms`` CO₂ sensors per school (native id, name, lat, lon, district), with varied airing, pupils and volume."""
    return tuple(
        DemoStation(
            f"co2-{school}-r{room:02d}",
            f"{school_name} Raum {100 + room}",
            lat + 0.0001 * (room % 5),
            lon + 0.00015 * (room // 5),
            "indoor_air",
            district,
            "classroom",
            600,
            {
                "airing": _AIRING[(room + s) % 10],
                "pupils": 18 + (room * 7 + s * 3) % 12,
                "volume": 180 + 10 * ((room + s) % 5),
                "school": school_name,
            },
        )
        for s, (school, school_name, lat, lon, district) in enumerate(schools)
        for room in range(1, rooms + 1)
    )


CLASSROOMS = classrooms(_SCHOOLS)

AIR = (
    DemoStation(
        "luft-unnaer-strasse", "Luftmessstation Unnaer Straße", 51.4495, 7.7700, "air_quality", "Innenstadt", "air", 1800, {"traffic": 1.0}
    ),
    DemoStation(
        "luft-lendringsen", "Luftmessstation Lendringsen", 51.4150, 7.8120, "air_quality", "Lendringsen", "air", 1800, {"traffic": 0.55}
    ),
)

PARKING = (
    DemoStation(
        "parken-nordwall", "Parkhaus Nordwall", 51.4465, 7.7770, "parking", "Innenstadt", "parking", 300, {"capacity": 250, "shopping": 1.0}
    ),
    DemoStation(
        "parken-bahnhof", "P+R Bahnhof", 51.4475, 7.7850, "parking", "Innenstadt", "parking", 300, {"capacity": 180, "shopping": 0.3}
    ),
    DemoStation(
        "parken-hoennepark",
        "Parkplatz Hönnepark",
        51.4415,
        7.7875,
        "parking",
        "Innenstadt",
        "parking",
        300,
        {"capacity": 400, "shopping": 0.7},
    ),
)


def _noise(native_id: str, name: str, lat: float, lon: float, district: str, **params: float) -> DemoStation:
    # peak: LAeq in dB(A) at the road's weekday rush hour; floor: the background with no traffic;
    # people: share of the sound that follows pedestrians rather than cars; trains: a railway beside it
    return DemoStation(native_id, name, lat, lon, "noise", district, "noise", 600, params)


# Milesight WS302 sound level meters (LAeq and LAFmax every 10 minutes, as The Things Stack uplinks).
NOISE = (
    _noise("laerm-unnaer-strasse", "Lärmmessung Unnaer Straße", 51.4492, 7.7706, "Innenstadt", peak=69.0, floor=45.0),
    _noise("laerm-bahnhof", "Lärmmessung Bahnhof", 51.4468, 7.7836, "Innenstadt", peak=65.0, floor=44.0, trains=1.0),
    _noise("laerm-marktplatz", "Lärmmessung Marktplatz", 51.4434, 7.7787, "Innenstadt", peak=61.0, floor=42.0, people=0.5),
    _noise(
        "laerm-eisenberger-strasse", "Lärmmessung Eisenberger Straße (Wohngebiet)", 51.4398, 7.7702, "Innenstadt", peak=50.0, floor=31.0
    ),
)


def _counter(native_id: str, name: str, lat: float, lon: float, district: str, *rates: float) -> DemoStation:
    # cars, heavy, bikes, pedestrians: rates per hour at their busiest weekday hour; v85: km/h in free flow
    params = dict(zip(("cars", "heavy", "bikes", "pedestrians", "v85"), rates, strict=True))
    return DemoStation(native_id, name, lat, lon, "traffic", district, "traffic", 3600, params, interval=True)


# Camera counters on the main roads, hourly like Telraam (rates per hour, ts = the hour's start).
TRAFFIC = (  # cars, heavy, bikes, pedestrians, v85
    _counter("verkehr-unnaer-strasse", "Verkehrszählung Unnaer Straße", 51.4500, 7.7690, "Innenstadt", 425, 32, 38, 90, 56),
    _counter("verkehr-froendenberger-strasse", "Verkehrszählung Fröndenberger Straße", 51.4655, 7.7605, "Bösperde", 310, 28, 26, 35, 58),
    _counter("verkehr-bahnhofstrasse", "Verkehrszählung Bahnhofstraße", 51.4460, 7.7822, "Innenstadt", 190, 9, 62, 280, 36),  # a 30 zone
)


def _charging(native_id: str, name: str, lat: float, lon: float, points: int, broken: int, users: str) -> DemoStation:
    # points: charge points at the site; broken: how many are out of service; users: commuters or shoppers
    params = {"points": points, "broken": broken, "users": users}
    return DemoStation(native_id, name, lat, lon, "charging", "Innenstadt", "charging", 300, params)


# 10 charge points (22 kW AC, Type 2) at two sites; one at the Hönnepark has been out of order for months.
CHARGING = (
    _charging("laden-hoennepark", "Ladepunkte Parkplatz Hönnepark", 51.4418, 7.7870, 6, 1, "shoppers"),
    _charging("laden-obere-promenade", "Ladepunkte Obere Promenade (Bahnhof)", 51.4473, 7.7847, 4, 0, "commuters"),
)

# Categories of places: one word each, for icons and filter chips. Opening hours are plausible
# weekly hours where no source was at hand; what the subset of core.opening cannot say stays out:
# the Freibad's season (May to September: its summer hours stand all year), the towers' interiors
# (first Saturday of the month: from outside they are sights at any hour).
POI_CATEGORIES = ("museum", "library", "pool", "sight", "church", "park", "public_office", "culture", "transport", "info")


def _place(native_id: str, name: str, lat: float, lon: float, district: str, category: str, hours: str) -> DemoStation:
    return DemoStation(f"ort-{native_id}", name, lat, lon, "poi", district, "poi", 0, category=category, opening_hours=hours)


POIS = (
    _place(
        "rathaus",
        "Rathaus Menden",
        51.4429,
        7.7804,
        "Innenstadt",
        "public_office",
        "Mo-We 08:00-12:30,14:00-16:00; Th 08:00-12:30,14:00-18:00; Fr 08:00-12:30",
    ),
    _place("mendenlab", "MendenLab – Zukunftswerkstadt", 51.4421, 7.7768, "Innenstadt", "culture", "Tu,Fr 09:00-13:00; Th 15:00-19:00"),
    _place(
        "stadtmuseum",
        "Museum für Stadt- und Kulturgeschichte",
        51.4438,
        7.7778,
        "Innenstadt",
        "museum",
        "We 09:00-12:00; Th 09:00-12:00,15:00-17:00; Sa 09:00-12:00",
    ),
    _place(
        "gut-roedinghausen",
        "Industriemuseum Gut Rödinghausen",
        51.4128,
        7.8152,
        "Lendringsen",
        "museum",
        "We,Th 09:00-17:00; Sa,Su 10:00-18:00",
    ),
    _place(
        "stadtbuecherei",
        "Stadtbücherei (Dorte-Hilleke-Bücherei)",
        51.4459,
        7.7763,
        "Innenstadt",
        "library",
        "Tu,Th,Fr 11:00-17:00; We 12:00-18:00; Sa 11:00-13:00",
    ),
    _place(
        "freibad-leitmecke", "Bürgerbad Leitmecke (Freibad)", 51.4335, 7.7645, "Innenstadt", "pool", "Mo-Fr 07:00-19:45; Sa,Su 08:00-18:45"
    ),
    _place("hallenbad", "Hallenbad Menden", 51.4396, 7.7908, "Innenstadt", "pool", "Mo 14:00-21:00; Tu-Fr 06:30-21:00; Sa,Su 08:00-18:00"),
    _place("teufelsturm", "Teufelsturm", 51.4431, 7.7763, "Innenstadt", "sight", "24/7"),
    _place("poenigeturm", "Poenigeturm", 51.4447, 7.7791, "Innenstadt", "sight", "24/7"),
    _place("altes-rathaus", "Altes Rathaus am Marktplatz", 51.4437, 7.7784, "Innenstadt", "sight", "24/7"),
    _place("st-vincenz", "St.-Vincenz-Kirche", 51.4441, 7.7788, "Innenstadt", "church", "Mo-Su 08:00-18:00"),
    _place("hoennepark", "Hönnepark", 51.4410, 7.7858, "Innenstadt", "park", "24/7"),
    _place("wilhelmshoehe", "Wilhelmshöhe (Saalbetriebe)", 51.4506, 7.7868, "Innenstadt", "culture", "We-Sa 17:00-23:00; Su 11:00-21:00"),
    _place("bahnhof", "Bahnhof Menden (Sauerland)", 51.4471, 7.7843, "Innenstadt", "transport", "24/7"),
    _place("tourist-info", "Tourist-Info Menden", 51.4435, 7.7781, "Innenstadt", "info", "Mo-Fr 09:00-17:00; Sa 10:00-13:00"),
)

ALL: tuple[DemoStation, ...] = WEATHER + GAUGES + TREES + CLASSROOMS + AIR + PARKING + NOISE + TRAFFIC + CHARGING + POIS
