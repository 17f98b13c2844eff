"""The Smart Data Models table: units, fractions, config rules, themes and the names the docs must know."""

import re
from pathlib import Path

import pytest

from core.schema import QUANTITIES, THEMES
from data_sources import ngsi_v2
from data_sources.errors import FeedFormatError
from data_sources.fiware import sdm

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
    assert theme("Store") == "other"


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
