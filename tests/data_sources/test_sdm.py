"""The Smart Data Models table: units, fractions, config rules, themes and the names the docs must know."""

import re
from pathlib import Path

import pytest

from core.schema import QUANTITIES, THEMES
from data_sources import ngsi_v2
from data_sources.errors import FeedFormatError
from data_sources.fiware import models, sdm

DOCS = Path(__file__).resolve().parents[2] / "docs" / "fiware.md"


def rule(quantity, unit, **kw):
    return sdm.Rule("x", quantity, unit, **kw)


def test_table_speaks_the_vocabulary():
    assert all(q.uncefact in sdm.UNITS for q in QUANTITIES.values())  # every canonical unit converts
    for r in sdm.RULES:
        assert r.quantity in QUANTITIES and r.unit in sdm.UNITS, r
        assert sdm.UNITS[r.unit].dimension == sdm.UNITS[QUANTITIES[r.quantity].uncefact].dimension, r
    assert set(sdm.TYPE_THEMES.values()) <= set(THEMES)
    assert all(code in sdm.UNITS for code in sdm.UNIT_ALIASES.values())


@pytest.mark.parametrize(
    ("quantity", "default", "value", "code", "expected"),
    [
        ("temperature", "CEL", 12.2, None, 12.2),
        ("temperature", "CEL", 50, "FAH", 10.0),
        ("temperature", "CEL", 300, "KEL", 26.85),
        ("pm10", "GQ", 0.5, "GP", 500.0),
        ("no2", "GQ", 69, "GQ", 69.0),
        ("co2", "59", 450, None, 450.0),
        ("co2", "59", 450_000, "61", 450.0),
        ("pressure", "HPA", 101325, "PAL", 1013.25),
        ("pressure", "HPA", 1013, "A97", 1013.0),
        ("pressure", "HPA", 1.01, "BAR", 1010.0),
        ("water_level", "MTR", 1.98, None, 198.0),
        ("water_level", "MTR", 1980, "MMT", 198.0),
        ("water_level", "MTR", 198, "CMT", 198.0),
        ("precipitation", "MMT", 0.1, None, 0.1),
        ("discharge", "MQS", 3600, "MQH", 1.0),
        ("wind_speed", "MTS", 36, "KMH", 10.0),
        ("illuminance", "LUX", 1000, "LX", 1000.0),  # the IndoorEnvironmentObserved example's spelling
        ("humidity", "P1", "55.2", None, 55.2),  # strings for numbers
    ],
)
def test_units_convert_to_the_canonical_unit(quantity, default, value, code, expected):
    assert sdm.measure(rule(quantity, default), value, code, None) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "code", "expected"),
    [(0.54, None, 54.0), (0.54, "P1", 54.0), (1, None, 100.0), (54, None, 54.0), (54, "P1", 54.0), (0, None, 0.0)],
)
def test_relative_humidity_fraction_or_percent(value, code, expected):
    humidity = next(r for r in sdm.RULES if r.attr == "relativeHumidity")
    assert sdm.measure(humidity, value, code, None) == pytest.approx(expected)


@pytest.mark.parametrize("raw", [None, True, "abc", "nan", float("inf"), {"value": 1}, [1], 10**400])
def test_unusable_values_give_none(raw):
    assert sdm.measure(rule("temperature", "CEL"), raw, None, None) is None


def test_foreign_or_unknown_unit_gives_none_unless_the_config_names_it():
    temp = rule("temperature", "CEL")
    assert sdm.measure(temp, 5, "HPA", None) is None  # wrong dimension
    assert sdm.measure(rule("co2", "59"), 69, "GQ", None) is None  # ppm vs µg/m³ needs the gas: not guessed
    assert sdm.measure(rule("humidity", "P1"), 55.2, "UDT0000016", None) is None
    assert sdm.measure(rule("humidity", "P1"), 55.2, "UDT0000016", {"units": {"UDT0000016": "P1"}}) == 55.2


def test_states_map_text_to_numbers():
    free = next(r for r in sdm.RULES if r.attr == "status" and r.quantity == "parking_free")
    assert sdm.measure(free, "free", None, None) == 1.0
    assert sdm.measure(free, "occupied", None, None) == 0.0
    assert sdm.measure(free, "closed", None, None) is None


def test_config_attributes_come_first_and_are_checked():
    own = sdm.rules({"attributes": {"count": "parking_free", "pressure": {"quantity": "pressure", "unit": "BAR"}}})
    assert [(r.attr, r.quantity, r.unit) for r in own[:2]] == [("count", "parking_free", "C62"), ("pressure", "pressure", "BAR")]
    assert own[2:] == sdm.RULES
    with pytest.raises(FeedFormatError, match="lux"):
        sdm.rules({"attributes": {"luminosity": "lux"}})
    with pytest.raises(FeedFormatError):
        sdm.rules({"attributes": ["temperature"]})
    with pytest.raises(FeedFormatError, match="Kelvin"):
        sdm.rules({"attributes": {"t": {"quantity": "temperature", "unit": "Kelvin"}}})
    with pytest.raises(FeedFormatError, match="units"):
        sdm.rules({"units": "CEL"})


def test_theme_by_type_then_quantity():
    def theme(entity_type, **attrs):
        entity = {"id": "e", "type": entity_type, "dateObserved": "2024-01-01T00:00:00Z", **attrs}
        return ngsi_v2.parse([entity], source="t").stations["theme"].item()

    assert theme("AirQualityObserved", temperature=12.0) == "air_quality"
    assert theme("DeviceMeasurement", humidity=50.0) == "microclimate"
    assert theme("Thing", co2=800, temperature=21.0) == "indoor_air"
    assert theme("Store") == "poi"
    assert theme("Kiosk") == "other"


def test_local_name_of_expanded_terms():
    assert sdm.local_name("https://smart-data-models.github.io/data-models/terms.jsonld#/definitions/temperature") == "temperature"
    assert sdm.local_name("https://uri.fiware.org/ns/dataModels#AirQualityObserved") == "AirQualityObserved"
    assert sdm.local_name("https://uri.etsi.org/ngsi-ld/location") == "location"
    assert sdm.local_name("temperature") == "temperature"
    assert sdm.local_name("@context") == "@context"


def test_docs_name_every_attribute_and_unit_code():
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(\w+)`", text)) | set(re.findall(r"\b([A-Z0-9]{2,3})\b", text))
    assert {r.attr for r in sdm.RULES} <= documented
    assert set(sdm.UNITS) <= documented
    assert set(sdm.TYPE_THEMES) <= set(re.findall(r"\w+", text))
    assert set(models.READERS) | set(sdm.TYPE_TIMES) <= set(re.findall(r"\w+", text))
    read = models.RAW | set(models.IDENTITY) | {"openingHours", "openingHoursSpecification", "category", "occupancy"}
    assert read <= documented
    assert {f"`{v}`" for v in models.VEHICLES} | {f"`{c}`" for c in models.CATEGORY_CODES} <= set(re.findall(r"`[^`]+`", text))


def lane(**attrs):
    """A TrafficFlowObserved lane in keyValues form, counted 08:00–08:05 unless ``attrs`` say otherwise."""
    entity = {"id": "lane", "type": "TrafficFlowObserved", "intensity": 10}
    entity |= {"dateObservedFrom": "2024-07-01T08:00:00Z", "dateObservedTo": "2024-07-01T08:05:00Z"} | attrs
    return {k: v for k, v in entity.items() if v is not None}


@pytest.mark.parametrize(
    ("vehicle", "quantity"),
    [
        ("car", "traffic_car"),
        ("van", "traffic_car"),
        ("motorcycle", "traffic_car"),
        ("anyVehicle", "traffic_car"),
        ("hovercraft", "traffic_car"),  # unknown: a car
        (None, "traffic_car"),  # none: a car
        (7, "traffic_car"),
        ("lorry", "traffic_heavy"),
        ("bus", "traffic_heavy"),
        ("trailer", "traffic_heavy"),
        ("articulatedVehicle", "traffic_heavy"),
        ("bicycle", "traffic_bike"),
        ("pedestrian", "traffic_pedestrian"),
    ],
)
def test_vehicle_types_choose_the_traffic_quantity(vehicle, quantity):
    batch = ngsi_v2.parse([lane(vehicleType=vehicle)], source="t")
    assert batch.readings.select("quantity", "value").rows() == [(quantity, 120.0)]  # 10 in 5 min: 120 per hour


@pytest.mark.parametrize(
    ("attrs", "rate"),
    [
        ({}, 120.0),
        ({"dateObservedFrom": None, "dateObservedTo": None, "dateObserved": "2024-07-01T08:00:00Z/2024-07-01T09:00:00Z"}, 10.0),
        ({"dateObservedTo": None, "dateObserved": "2024-07-01T08:00:00+02:00/2024-07-01T08:30:00+02:00"}, 20.0),  # From alone: the interval
        ({"intensity": 0}, 0.0),
        ({"intensity": "7.5"}, 90.0),
        ({"dateObservedTo": "2024-07-01T08:00:00Z"}, None),  # zero length
        ({"dateObservedTo": "2024-07-01T07:00:00Z"}, None),  # ends before it starts
        ({"dateObservedTo": None}, None),  # no end
        ({"dateObservedFrom": None, "dateObservedTo": None, "dateObserved": "2024-07-01T08:00:00Z"}, None),  # an instant
        ({"dateObservedFrom": None, "dateObservedTo": None, "dateObserved": "2024-07-01T08:00:00Z/PT5M"}, None),  # a duration
        ({"intensity": -3}, None),
        ({"intensity": "viele"}, None),
    ],
)
def test_traffic_rate_needs_a_period_of_some_length(attrs, rate):
    batch = ngsi_v2.parse([lane(**attrs)], source="t")
    assert batch.readings["value"].to_list() == ([] if rate is None else [rate])
    assert batch.skipped == (rate is None)
    if rate is not None:  # the period's start, in UTC
        assert batch.readings["ts"].dt.hour().item() in (6, 8)


def charger(**attrs):
    entity = {"id": "c", "type": "EVChargingStation", "capacity": 4, "dateModified": "2024-07-01T08:00:00Z"} | attrs
    return {k: v for k, v in entity.items() if v is not None}


@pytest.mark.parametrize(
    ("attrs", "expected", "skipped"),
    [
        ({"availableCapacity": 1, "status": "working"}, {"charging_free": 1.0, "charging_occupied": 3.0}, 0),
        ({"availableCapacity": 1}, {"charging_free": 1.0, "charging_occupied": 3.0}, 0),  # no status: working
        ({"availableCapacity": 0, "status": "full"}, {"charging_free": 0.0, "charging_occupied": 4.0}, 0),
        ({"availableCapacity": 4, "status": ["working"]}, {"charging_free": 4.0, "charging_occupied": 0.0}, 0),
        ({"availableCapacity": 2, "status": "outOfService"}, {"charging_out_of_service": 4.0}, 0),  # never occupied
        ({"status": "outOfService"}, {"charging_out_of_service": 4.0}, 0),
        ({"status": ["working", "outOfService"]}, {"charging_out_of_service": 4.0}, 0),
        ({"status": "outOfService", "capacity": None}, {}, 1),  # how many are out of service is not said
        ({"availableCapacity": 2, "status": "withIncidence"}, {"charging_free": 2.0}, 0),  # the rest may be broken
        ({"availableCapacity": 2, "status": "reserved"}, {"charging_free": 2.0}, 0),  # an application's own status
        ({"availableCapacity": 2, "capacity": None}, {"charging_free": 2.0}, 0),
        ({"availableCapacity": 5}, {}, 1),  # more free than there are
        ({"availableCapacity": -1}, {}, 1),
        ({"availableCapacity": 1.5}, {}, 1),
        ({"availableCapacity": "two"}, {}, 1),
        ({"status": "working"}, {}, 0),  # capacity and status only: a static record
        ({}, {}, 0),
    ],
)
def test_charge_points_by_status(attrs, expected, skipped):
    batch = ngsi_v2.parse([charger(**attrs)], source="c")
    assert dict(batch.readings.select("quantity", "value").rows()) == expected
    assert batch.skipped == skipped
    assert batch.stations["theme"].item() == "charging"


def place(etype="PointOfInterest", **attrs):
    return {"id": "p", "type": etype, "name": "Ort"} | attrs


@pytest.mark.parametrize(
    ("entity", "category"),
    [
        (place(category=["113"]), "beach"),  # the codes the PointOfInterest spec names
        (place(category=["311", "113"]), "museum"),
        (place(category=["999"]), "999"),  # other Factual codes stay codes
        (place(category="GroceryStore"), "GroceryStore"),  # the Store example: a text
        (place(category=[]), None),
        (place(category=[{"x": 1}]), None),
        (place("Museum"), "museum"),
        (place("Museum", category=["Stadtmuseum"]), "Stadtmuseum"),
        (place("Beach"), "beach"),
        (place("Store"), "store"),
        (place("TouristDestination"), "tourist_destination"),
        ({"id": "w", "type": "WeatherObserved", "category": ["113"]}, None),  # only places have one
    ],
)
def test_category_of_places(entity, category):
    station = ngsi_v2.parse([entity], source="p").stations.row(0, named=True)
    assert station["category"] == category
    assert (station["theme"] == "poi") == (entity["type"] != "WeatherObserved")


SPEC = [{"dayOfWeek": "Monday", "opens": "10:00:00", "closes": "18:00:00"}, {"dayOfWeek": "Saturday", "opens": "10:00", "closes": "14:00"}]


@pytest.mark.parametrize(
    ("attrs", "hours"),
    [
        ({"openingHours": "Mo-Fr 10:00-18:00"}, "Mo-Fr 10:00-18:00"),
        ({"openingHours": ["Mo-Fr 10:00-18:00", " Sa 10:00-14:00 ", 5, ""]}, "Mo-Fr 10:00-18:00; Sa 10:00-14:00"),
        ({"openingHours": "Mo-Fr 10:00-18:00; PH off"}, "Mo-Fr 10:00-18:00; PH off"),  # kept: is_open says "unknown"
        ({"openingHours": "Mo " * 300}, None),  # no opening hours
        ({"openingHoursSpecification": SPEC}, "Mo 10:00-18:00; Sa 10:00-14:00"),
        ({"openingHoursSpecification": SPEC[0]}, "Mo 10:00-18:00"),
        ({"openingHours": "24/7", "openingHoursSpecification": SPEC}, "24/7"),  # the source's own text first
        ({"openingHoursSpecification": [{"dayOfWeek": "Caturday", "opens": "10:00", "closes": "11:00"}]}, None),
        ({"openingHoursSpecification": [{"dayOfWeek": "Monday", "opens": "morgens"}]}, None),
        ({"openingHoursSpecification": "Mo 10:00-18:00"}, None),
        ({"openingHoursSpecification": [None]}, None),
    ],
)
def test_opening_hours_or_none_never_a_failed_batch(attrs, hours):
    batch = ngsi_v2.parse(
        [place("Museum", **attrs), {"id": "w", "type": "WeatherObserved", "temperature": 3, "dateObserved": "2024-07-01"}], source="p"
    )
    assert batch.stations.filter(station_id="p:p")["opening_hours"].item() == hours
    assert len(batch) == 1 and batch.skipped == 0


@pytest.mark.parametrize(
    ("attrs", "value", "skipped"),
    [
        ({"capacity": 55, "occupancy": 50}, pytest.approx(90.909091), 0),
        ({"capacity": "200", "occupancy": 0}, 0.0, 0),
        ({"capacity": 55}, None, 0),
        ({"occupancy": 50}, None, 1),  # no capacity to make it a share
        ({"capacity": 55, "occupancy": 60}, None, 1),  # more people than room
        ({"capacity": 0, "occupancy": 0}, None, 1),
        ({"capacity": 55, "occupancy": "voll"}, None, 1),
    ],
)
def test_occupancy_of_a_place_is_people_against_capacity(attrs, value, skipped):
    batch = ngsi_v2.parse([place(dateModified="2024-07-01T08:00:00Z", **attrs)], source="p")
    assert batch.readings["value"].to_list() == ([] if value is None else [value])
    assert batch.skipped == skipped
    assert set(batch.readings["quantity"]) <= {"occupancy"}
