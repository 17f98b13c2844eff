"""Under which licence each source's data may be passed on, and whom it must credit: a table per feed kind.

A source in the city TOML may set ``licence`` (a key of :data:`LICENCES`, or the http(s) URI of
another licence) and ``attribution`` (the credit line); without them it gets its kind's default
from :data:`DEFAULTS`. Open-data feeds have the licence their publisher gives; the city's own
sensors (LoRaWAN, FIWARE, uploads) default to Datenlizenz Deutschland Namensnennung 2.0 credited
to the city, the usual choice of German municipal portals. ``docs/open-data.md`` lists both tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.config import CityConfig, ConfigError


@dataclass(frozen=True)
class Licence:
    """A licence: ``uri`` from DCAT-AP.de's licence vocabulary (what catalogues compare), ``url`` its text."""

    key: str
    name: str
    uri: str
    url: str
    attribution: bool  # whether a reuser must name the source


LICENCES: dict[str, Licence] = {
    lic.key: lic
    for lic in (
        Licence(
            "dl-de-zero-2.0",
            "Datenlizenz Deutschland – Zero – Version 2.0",
            "http://dcat-ap.de/def/licenses/dl-zero-de/2.0",
            "https://www.govdata.de/dl-de/zero-2-0",
            False,
        ),
        Licence(
            "dl-de-by-2.0",
            "Datenlizenz Deutschland – Namensnennung – Version 2.0",
            "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
            "https://www.govdata.de/dl-de/by-2-0",
            True,
        ),
        Licence(
            "cc-by-4.0",
            "Creative Commons Namensnennung 4.0 International (CC BY 4.0)",
            "http://dcat-ap.de/def/licenses/cc-by/4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            True,
        ),
        Licence(
            "cc-zero",
            "Creative Commons CC0 1.0 Universell",
            "http://dcat-ap.de/def/licenses/cc-zero",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            False,
        ),
        Licence(
            "odbl-1.0",
            "Open Data Commons Open Database License 1.0 (ODbL)",
            "http://dcat-ap.de/def/licenses/odbl",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            True,
        ),
    )
}
CITY = "{city}"  # in a default attribution: the city's name
OWN = ("dl-de-by-2.0", CITY)  # the city's own sensors and platforms: the city chooses; this until it does

# kind -> (licence key, attribution)
DEFAULTS: dict[str, tuple[str, str]] = {
    "demo": ("cc-zero", "Simulierte Demo-Daten des Smart City Showroom"),
    "scenario": ("cc-zero", "Simulierte Workshop-Szenarien des Smart City Showroom"),
    "pegelonline": ("dl-de-zero-2.0", "Wasserstraßen- und Schifffahrtsverwaltung des Bundes (WSV), PEGELONLINE"),
    "brightsky": ("cc-by-4.0", "Deutscher Wetterdienst (DWD), über Bright Sky"),
    "sensor_community": ("odbl-1.0", "© Sensor.Community-Mitwirkende"),
    "opensensemap": ("odbl-1.0", "© openSenseMap-Mitwirkende"),
    "csv_file": OWN,
    "ttn": OWN,
    "mqtt": OWN,
    "chirpstack": OWN,
    "ngsi_v2": OWN,
    "ngsi_ld": OWN,
    "quantumleap": OWN,
    "sensorthings": OWN,
    "telraam": OWN,
    "ocpi": OWN,
}


@dataclass(frozen=True)
class Credit:
    """What every page, file and catalogue entry shows for one source."""

    source: str
    licence: Licence
    attribution: str

    def text(self) -> str:
        """ "PEGELONLINE (WSV) · Datenlizenz Deutschland – Zero – Version 2.0" """
        return f"{self.attribution} · {self.licence.name}"


def licence(value: str) -> Licence:
    """The licence a TOML value names: a key of :data:`LICENCES`, a URI from that table, or another http(s) URI."""
    known = LICENCES.get(value) or next((lic for lic in LICENCES.values() if value in (lic.uri, lic.url)), None)
    if known:
        return known
    if value.startswith(("https://", "http://")):
        return Licence(value, value, value, value, True)  # a licence we do not know: credit the source to be safe
    msg = f"unknown licence {value!r}: one of {', '.join(LICENCES)} or the http(s) URI of the licence"
    raise ValueError(msg)


def credit(source_cfg: Mapping[str, Any], city: str) -> Credit:
    """The licence and attribution of one source: its own keys, else its kind's default."""
    lic_key, attribution = DEFAULTS.get(str(source_cfg.get("kind")), OWN)
    given = source_cfg.get("licence")
    try:
        chosen = licence(given if isinstance(given, str) else lic_key)
    except ValueError as exc:
        msg = f"[[sources]] {source_cfg.get('key')!r} key 'licence': {exc}"
        raise ConfigError(msg) from None
    text = source_cfg.get("attribution")
    return Credit(str(source_cfg.get("key")), chosen, text if isinstance(text, str) else attribution.replace(CITY, city))


def credits(config: CityConfig, sources: Iterable[str] | None = None) -> list[Credit]:
    """The credits of the city's sources (of ``sources`` only, when given), in the TOML's order."""
    wanted = None if sources is None else set(sources)
    return [credit(src, config.name) for src in config.sources if wanted is None or src["key"] in wanted]


def check(config: CityConfig) -> None:
    """Raise ``ConfigError`` when a source names a licence that is neither known nor a URI."""
    credits(config)
