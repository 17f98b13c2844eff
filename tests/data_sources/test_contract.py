"""The contract of every feed kind in the registry: recorded payloads parse clean, junk gives FeedErrors or clean rows.

One table names each kind's recorded fixtures (tests/fixtures/<source>/) with the parse config
they need; the demo and the workshop scenario, whose "wire" is the simulator, get a simulated
hour instead. A new kind is one module, one ``KINDS`` line and one entry here; the tests below
then hold it to the same rules as every other feed. (The LoRaWAN codec vectors are device
payloads, not feed answers: test_lorawan_decoders.py runs them.)
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pytest
import yaml

from core.config import load_config
from core.schema import QUANTITIES, READINGS_SCHEMA, STATIONS_SCHEMA, THEMES, Batch
from data_sources import KINDS, adapter, demo
from data_sources.errors import FeedError, FeedFormatError
from tests.data_sources import junk
from tests.data_sources.conftest import FIXTURES

EXAMPLES = FIXTURES.parent.parent / "config" / "examples"
OPEN_DATA_DOCS = (FIXTURES.parent.parent / "docs" / "open-data.md").read_text(encoding="utf-8")
SOURCE = "src"
SIMULATED = "simulated hour"  # the demo's and the scenario's fixture: their simulator's output
START = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)  # a school-day morning: every station reports
MENDEN = [51.4436, 7.7783]
NOT_CONFIGURED = {"scenario"}  # the internal workshop feed: the demo starts it, no city configures it


@dataclass(frozen=True)
class Case:
    """A kind's recorded fixtures (path → extra parse config) and what is true of them."""

    fixtures: Mapping[str, Mapping[str, Any] | None]
    config: Mapping[str, Any] = field(default_factory=dict)  # for every fixture and every junk payload
    empty: frozenset[str] = frozenset()  # answers that carry stations or nothing of ours, but no reading
    refused: tuple[str, ...] = ()  # recorded answers of another shape: a FeedFormatError, never rows


def _all(pattern: str) -> dict[str, None]:
    return {str(p.relative_to(FIXTURES)): None for p in sorted(FIXTURES.glob(pattern))}


def _device(eui: str, model: str, **extra: Any) -> dict:
    return {"devices": {eui: {"model": model, **extra}}}


AM103, MBX = {"model": "milesight-iot/am103"}, {"model": "decentlab/dl-mbx"}


SDM_EMPTY = {
    "Device/example",
    "Device/example-normalized",
    "DeviceMeasurement/example",
    "DeviceMeasurement/example-normalized",
    "ParkingSpot/example",
    "EVChargingStation/example",
    "EVChargingStation/example-normalized",
    "Museum/example",
    "Museum/example-normalized",
    "PointOfInterest/example",
    "PointOfInterest/example-normalized",
}  # no measured attribute (a device record, a charging site's capacity only, a place), or no time for it
CASES: dict[str, Case] = {
    "demo": Case({SIMULATED: None}),
    "scenario": Case({SIMULATED: None}),
    "csv_file": Case(
        {"csv_file/readings_long.csv": None, "csv_file/readings_semicolon_decimal_comma.csv": None},
        refused=("csv_file/readings_wrong_decimal_comma.csv",),  # a decimal comma in a ','-file: mostly broken rows
    ),
    "ttn": Case(
        {
            "ttn_v3/tb_decentlab_dl-mbx_ttn_webhook_uplink_no_decoded.json": _device("03022", "decentlab/dl-mbx", mount_height_cm=300),
            "ttn_v3/tb_decentlab_dl-smtp_ttn_webhook_uplink_no_decoded.json": _device("03022", "decentlab/dl-smtp"),
            "ttn_v3/tb_elsys_ers2_co2_ttn_webhook_uplink_no_decoded.json": _device("1000000000000001", "elsys/ers-co2"),
            "ttn_v3/tb_milesight_am103_ttn_webhook_uplink_no_decoded.json": _device("EUI-1000000000000001", "milesight-iot/am103"),
            "ttn_v3/ttn_client_storage_uplink_decoded_cayenne.json": None,
            "ttn_v3/ttn_client_storage_uplink_no_decoded_payload.json": None,
            "ttn_v3/tts_docs_uplink_message_example_2023.json": None,
            "ttn_v3/webhook_uplink_two_gateways_decoded.json": None,
            "noise/tb_elsys_ers2_sound_ttn_webhook_uplink_no_decoded.json": _device("eui-1000000000000001", "elsys/ers-sound"),
        },
        # Cayenne channel names are not ours; an uplink of unknown model with nothing decoded is counted only.
        empty=frozenset(
            {"ttn_v3/ttn_client_storage_uplink_decoded_cayenne.json", "ttn_v3/ttn_client_storage_uplink_no_decoded_payload.json"}
        ),
        refused=("ttn_v3/tts_docs_uplink_message_example_2025_as_published_INVALID_JSON.txt",),
    ),
    "chirpstack": Case(
        {
            "chirpstack/tb_bosch_parking_chirpstack_v4_up_status.json": _device("Device name", "bosch/tps110"),
            "chirpstack/tb_decentlab_dl-mbx_chirpstack_v4_up.json": _device("70B3D57BA0003BB8", "decentlab/dl-mbx", mount_height_cm=300),
            "chirpstack/tb_decentlab_dl-smtp_chirpstack_v4_up.json": _device("70b3d57ba0003bb8", "decentlab/dl-smtp"),
            "chirpstack/tb_milesight_am103_chirpstack_v4_up.json": {"profiles": {"Chirpstack default device profile": AM103}},
            "chirpstack/v3_up_objectjson.json": None,
            "chirpstack/v4_up_with_object.json": None,
            "chirpstack/v4_up_without_object.json": None,
        },
        config={"profiles": {"decentlab dl-mbx": MBX}, "devices": {"70B3D57BA0001015": {"mount_height_cm": 412.5}}},
    ),
    "mqtt": Case(
        {
            "lorawan_mqtt/tts_docs_mqtt_uplink_message_example.json": None,
            "ttn_v3/tb_elsys_ers2_co2_ttn_webhook_uplink_no_decoded.json": _device("1000000000000001", "elsys/ers-co2"),
            "chirpstack/tb_milesight_am103_chirpstack_v4_up.json": {"format": "chirpstack", "devices": {"1000000000000001": AM103}},
        },
        empty=frozenset({"lorawan_mqtt/tts_docs_mqtt_uplink_message_example.json"}),  # the documented uplink names no model
    ),
    "ngsi_v2": Case(
        {**_all("smart_data_models/*/*.json"), **_all("fiware_apis/orion_*.json")},
        config={"center": MENDEN},
        # Orion's tutorial entities measure "count" and motion, which the table does not know.
        empty=frozenset({f"smart_data_models/{n}.json" for n in SDM_EMPTY} | set(_all("fiware_apis/orion_*.json"))),
    ),
    "ngsi_ld": Case(
        _all("smart_data_models/*/*.jsonld"),
        config={"center": MENDEN},
        empty=frozenset(f"smart_data_models/{n}.jsonld" for n in SDM_EMPTY),
        refused=("smart_data_models/PointOfInterest/example.jsonld_as_published_INVALID_JSON.txt",),
    ),
    "quantumleap": Case(
        {**_all("fiware_apis/quantumleap_*.json"), **_all("quantumleap_sdm/*.json")},
        config={"center": MENDEN, "attributes": {"luminosity": "illuminance"}},
    ),
    "pegelonline": Case(
        {**_all("pegelonline/*.json"), "pegelonline/nerab_vcr_stations_ids_multi_2014.yml": None},
        config={"station": "0a1b2c3d-0000-4000-8000-000000000001", "timeseries": "W"},  # for the bare measurement answers
        empty=frozenset({"pegelonline/nerab_vcr_stations_ids_multi_2014.yml"}),  # asked without includeTimeseries
    ),
    "opensensemap": Case(
        {
            "opensensemap/boxes_bbox_full_menden.json": None,
            "opensensemap/osm_apidoc_GET_boxes_id_response.json": None,
            "opensensemap/osm_apidoc_GET_boxes_minimal_response.json": None,
        },
        empty=frozenset({"opensensemap/osm_apidoc_GET_boxes_minimal_response.json"}),  # a box list without measurements
        refused=("opensensemap/osm_apidoc_GET_boxes_id_data_sensorId_response.json",),  # a sensor's history, not a box
    ),
    "sensor_community": Case(_all("sensor_community/*.json"), config={"area": [*MENDEN, 5], "received_at": "2024-06-12T11:41:00+02:00"}),
    "sensorthings": Case(
        {
            **_all("sensorthings/*.json"),
            "sensorthings/observation_entity.json": {"quantity": "humidity", "thing": "7"},
            "sensorthings/things_expand_page2.json": {"observed_properties": {"Füllstand": "water_level"}},
        },
        config={"quantity": "temperature", "thing": "1"},  # what a bare Observations answer belongs to
        empty=frozenset({"sensorthings/thing_single.json", "sensorthings/things_values_typo.json"}),  # Things without Observations
    ),
    "brightsky": Case(_all("brightsky_dwd/*.json") | _all("brightsky_dwd/*.csv"), config={"lat": MENDEN[0], "lon": MENDEN[1]}),
    "telraam": Case(
        {
            "telraam/telraam_rs_reports_traffic_per_hour_response.json": None,
            "telraam/telraam_traffic_snapshot_live_2023-12-10_TRIMMED.json": None,
            "telraam/telraam_rs_segments_id_response.json": None,
        },
        empty=frozenset({"telraam/telraam_rs_segments_id_response.json"}),  # a road segment's geometry, no counts
        refused=("telraam/telraam_rs_cameras_response.json",),  # camera instances, not traffic
    ),
    "ocpi": Case(
        {
            "ocpi/ocpi_2.2.1_location_example.json": None,
            "ocpi/ocpi_2.2.1_location_example_uc2_destination_charger.json": None,
            "ocpi/constructed_menden_locations_page.json": None,
        },
        refused=("ocpi/ocpi_2.2.1_location_patch_example_status.json",),  # one EVSE's new status, no Location
    ),
}
FIXTURE_CASES = [(kind, name) for kind, case in CASES.items() for name in case.fixtures]
CONFIGURABLE = [kind for kind in KINDS if kind not in NOT_CONFIGURED]


def payload(kind: str, name: str) -> Any:
    """A fixture as the wire gives it: bytes, or the simulator's columns."""
    if name == SIMULATED:
        wire = demo.simulate(START, START + dt.timedelta(hours=1))
        if kind == "scenario":  # the scenario plays the same columns with epoch microseconds
            return {"ts": [int(t) * 1_000_000 for t in wire["t"]], **{k: list(wire[k]) for k in ("native_id", "quantity", "value")}}
        return {k: list(v) for k, v in wire.items()}
    raw = (FIXTURES / name).read_bytes()
    if name.endswith(".yml"):  # a recorded HTTP cassette: the answer's body
        return yaml.safe_load(raw)["http_interactions"][0]["response"]["body"]["string"].encode()
    return raw


def config(kind: str, name: str | None = None) -> dict:
    return {"key": SOURCE, **CASES[kind].config, **(CASES[kind].fixtures.get(name) or {})}


def parse(kind: str, wire: Any, cfg: Mapping[str, Any]) -> Batch | None:
    """The batch, or None when the adapter refused the payload with a FeedError (which is allowed)."""
    try:
        return adapter(kind).parse(wire, source=SOURCE, config=cfg)
    except FeedError:
        return None


def assert_clean(batch: Batch) -> None:
    """Nothing implausible came through: known measured quantities in range, UTC times, prefixed ids, known themes."""
    readings, stations = batch.readings, batch.stations
    assert readings.schema == READINGS_SCHEMA and stations.schema == STATIONS_SCHEMA  # ts is Datetime("us", "UTC")
    assert readings.null_count().row(0) == (0,) * readings.width, "no reading without time, station, quantity, value or source"
    for quantity, low, high in readings.group_by("quantity").agg(low=pl.min("value"), high=pl.max("value")).iter_rows():
        known = QUANTITIES.get(quantity)
        assert known is not None and not known.derived, quantity
        assert known.low <= low and high <= known.high, (quantity, low, high)
    for ids in (readings["station_id"], stations["station_id"], batch.levels["station_id"]):
        assert ids.str.starts_with(f"{SOURCE}:").all(), ids.head(3).to_list()
    assert (readings["source"] == SOURCE).all() and (stations["source"] == SOURCE).all()
    assert set(stations["theme"].drop_nulls()) <= set(THEMES) and stations["theme"].null_count() == 0
    assert stations["lat"].is_between(-90, 90).all() and stations["lon"].is_between(-180, 180).all()  # nulls count as true
    assert readings.select("station_id", "quantity", "ts").is_unique().all(), "one reading per station, quantity and time"


def test_every_registered_kind_has_a_case_and_nothing_else_does():
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_an_adapter(kind):
    parse_sig, fetch_sig = inspect.signature(adapter(kind).parse), inspect.signature(adapter(kind).fetch)
    first, *rest = parse_sig.parameters.values()
    assert first.name == "payload" and first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert {p.name: (p.kind, p.default) for p in rest} == {
        "source": (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.empty),
        "config": (inspect.Parameter.KEYWORD_ONLY, None),
    }
    positional = [p for p in fetch_sig.parameters.values() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in positional] == ["source_cfg", "session", "since"] and positional[2].default is None


@pytest.mark.parametrize(("kind", "name"), FIXTURE_CASES, ids=[f"{k}:{n}" for k, n in FIXTURE_CASES])
def test_recorded_fixtures_parse_into_a_clean_batch(kind, name):
    batch = adapter(kind).parse(payload(kind, name), source=SOURCE, config=config(kind, name))
    assert_clean(batch)
    assert len(batch.stations) > 0 or batch.skipped > 0, "a recorded answer names a station or counts what it could not use"
    assert (len(batch) == 0) == (name in CASES[kind].empty), "readings exactly where the fixture has data of ours"
    assert set(batch.readings["station_id"]) <= set(batch.stations["station_id"]), "every reading's station is described"


@pytest.mark.parametrize(("kind", "name"), [(k, n) for k, c in CASES.items() for n in c.refused])
def test_recorded_answers_of_another_shape_are_refused(kind, name):
    with pytest.raises(FeedFormatError):
        adapter(kind).parse(payload(kind, name), source=SOURCE, config=config(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_what_is_no_answer_at_all_is_refused(kind):
    for wire in (*junk.NO_ANSWER, *junk.WRONG_SHAPES.get(kind, ())):
        with pytest.raises(FeedFormatError):
            adapter(kind).parse(wire, source=SOURCE, config=config(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_junk_gives_feed_errors_or_clean_batches(kind):
    for wire in (*junk.PAYLOADS, *junk.LEAVES):
        batch = parse(kind, wire, config(kind))
        assert batch is None or (len(batch) == 0 and assert_clean(batch) is None), wire
    for wire in junk.SHAPES[kind]:  # near misses of the kind's own format may hold a good row among the bad ones
        batch = parse(kind, wire, config(kind))
        assert batch is None or assert_clean(batch) is None, wire


@pytest.mark.parametrize(("kind", "name"), [pytest.param(k, n, id=f"{k}:{n}") for k, n in FIXTURE_CASES])
def test_mutated_fixtures_give_feed_errors_or_clean_batches(kind, name):
    wire, cfg = payload(kind, name), config(kind, name)
    if isinstance(wire, bytes) and name.endswith(".csv"):
        copies = junk.cell_mutants(wire.decode("utf-8-sig", "replace"), seed=name)
    else:
        copies = junk.mutants(json.loads(wire) if isinstance(wire, bytes) else wire, seed=name)
    batches = [batch for mutant in copies if (batch := parse(kind, mutant, cfg)) is not None]
    for batch in batches:
        assert_clean(batch)
    assert batches, "one broken value must not make every copy of the answer unreadable"


@pytest.mark.parametrize("kind", CONFIGURABLE)
def test_every_configurable_kind_has_an_example_config_that_loads(kind):
    path = EXAMPLES / f"{kind}.toml"
    assert path.is_file(), f"config/examples/{kind}.toml is missing"
    sources = load_config(path, kinds=KINDS).sources
    assert kind in {s["kind"] for s in sources}, f"{path.name} does not configure a {kind} source"


def test_every_example_config_is_named_after_a_kind():
    assert {p.stem for p in EXAMPLES.glob("*.toml")} <= set(CONFIGURABLE)


@pytest.mark.parametrize("kind", [k for k in CONFIGURABLE if f"\n## {k}\n" in OPEN_DATA_DOCS])
def test_every_key_of_an_open_data_example_is_documented(kind):
    section = OPEN_DATA_DOCS.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]
    example = (EXAMPLES / f"{kind}.toml").read_text(encoding="utf-8").split("[[sources]]", 1)[1]
    keys = set(re.findall(r"^#?\s*([a-z_]+)\s*=", example, re.MULTILINE)) - {"key", "kind", "poll", "timeout"}
    assert keys and not {k for k in keys if f"`{k}`" not in section}
