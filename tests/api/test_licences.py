"""Licences and attributions: a default per feed kind, the source's own keys, checked where the config is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import DEFAULT_CONFIG, ConfigError, load_config
from data_sources import KINDS, licences
from tests.api.conftest import city_with

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "config" / "examples").glob("*.toml"))


def test_every_kind_has_a_default_and_every_default_is_a_known_licence():
    assert set(licences.DEFAULTS) == set(KINDS)
    for kind, (key, attribution) in licences.DEFAULTS.items():
        assert key in licences.LICENCES and attribution, kind
        assert licences.LICENCES[key].uri.startswith("http://dcat-ap.de/def/licenses/")


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("pegelonline", "dl-de-zero-2.0"),
        ("brightsky", "cc-by-4.0"),
        ("sensor_community", "odbl-1.0"),
        ("opensensemap", "odbl-1.0"),
        ("ttn", "dl-de-by-2.0"),
    ],
)
def test_open_data_feeds_default_to_their_publishers_licence(kind, key):
    credit = licences.credit({"key": "x", "kind": kind}, "Menden (Sauerland)")
    assert credit.licence.key == key
    if kind == "ttn":  # the city's own sensors: credited to the city until it chooses otherwise
        assert credit.attribution == "Menden (Sauerland)"


def test_a_source_sets_its_own_licence_by_key_or_uri():
    assert licences.credit({"key": "x", "kind": "ttn", "licence": "cc-by-4.0", "attribution": "Stadtwerke"}, "M").text() == (
        "Stadtwerke · Creative Commons Namensnennung 4.0 International (CC BY 4.0)"
    )
    assert licences.credit({"key": "x", "kind": "ttn", "licence": "http://dcat-ap.de/def/licenses/odbl"}, "M").licence.key == "odbl-1.0"
    other = licences.credit({"key": "x", "kind": "ttn", "licence": "https://example.org/lizenz"}, "M").licence
    assert other.uri == "https://example.org/lizenz" and other.attribution


def test_an_unknown_licence_or_a_bad_attribution_is_a_config_error(tmp_path):
    city = city_with(tmp_path, '[[sources]]\nkey = "own"\nkind = "ttn"\nlicence = "free-ish"\n')
    with pytest.raises(ConfigError, match="'own' key 'licence': unknown licence 'free-ish'"):
        licences.check(city)
    for bad in ('attribution = ""', f'attribution = "{"x" * 201}"', "licence = 4", 'attribution = """a\nb"""'):
        with pytest.raises(ConfigError, match="one line of 1 to 200 characters"):
            city_with(tmp_path, f'[[sources]]\nkey = "own"\nkind = "ttn"\n{bad}\n')


@pytest.mark.parametrize("path", [DEFAULT_CONFIG, *EXAMPLES], ids=lambda p: p.name)
def test_every_shipped_config_names_a_licence_for_every_source(path):
    city = load_config(path, kinds=KINDS)
    credits = licences.credits(city)
    assert [c.source for c in credits] == [s["key"] for s in city.sources]
    assert all(c.licence.uri and c.attribution for c in credits)
