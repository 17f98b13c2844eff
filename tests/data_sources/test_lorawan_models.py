"""The device-model table and its field mapping: valid vocabulary, keys the decoders really produce, unit conversions."""

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.schema import QUANTITIES, THEMES
from data_sources import chirpstack, ttn
from data_sources.lorawan.decoders import decode, supported
from data_sources.lorawan.models import CM_WATER_PER_BAR, GENERIC, MODELS, field_number, measurements
from tests.data_sources.conftest import FIXTURES

# A frame per model family that contains every field its mapping table reads.
SAMPLES = {
    "elsys/ers-co2": [(5, "0100e2022904002706030807 0d62 14000f75b8 153c2d")],
    "elsys/ers-sound": [(85, "0100e202290400270506070d62150710")],
    "milesight-iot/am319": [(85, "03671801 04686d 077dc501 09733f27 0b7d1000 0c7d1800")],
    "milesight-iot/em500-udl": [(85, "01755c 03821e00")],
    "dragino/lht65": [(2, "cbf60b0d0376050add7fff")],
    "dragino/ldds75": [(2, "0e1c0b050000ff01")],
    "dragino/lse01": [(2, "ce2900f107a5099b6e2890")],
    "decentlab/dl-mbx": [(1, "02012f000304d200010bb1")],
    "decentlab/dl-pr26": [(1, "02016700033e8060170c7f")],
    "decentlab/dl-smtp": [(1, "020b5000020b3b")],
    "bosch/tps110": [(1, "01")],
    "nwave/nps405": [(1, "95"), (2, "00d3d800590b")],
}


def test_every_quantity_is_in_the_vocabulary_and_every_theme_known():
    for model, table in [*MODELS.items(), ("generic", GENERIC)]:
        assert table.theme in THEMES, model
        for field in table.fields:
            assert field.quantity in QUANTITIES, (model, field)


def test_at_most_one_field_per_quantity():
    # Two fields on one quantity would collide on (station, quantity, ts) within one uplink.
    for model, table in [*MODELS.items(), ("generic", GENERIC)]:
        repeated = [q for q, n in Counter(f.quantity for f in table.fields).items() if n > 1]
        assert not repeated, (model, repeated)


def test_every_model_of_the_one_table_is_decoded_by_us():
    assert all(callable(entry.decode) and supported(model) for model, entry in MODELS.items())
    assert GENERIC.decode is None and not supported(None)


@pytest.mark.parametrize("model", sorted(SAMPLES))
def test_mapped_keys_are_keys_the_decoder_produces(model):
    produced = set()
    for fport, hex_payload in SAMPLES[model]:
        produced |= set(decode(model, fport, bytes.fromhex(hex_payload.replace(" ", ""))))
    assert {f.key for f in MODELS[model].fields} <= produced


@pytest.mark.parametrize("model", sorted(SAMPLES))
def test_samples_map_into_plausible_canonical_values(model):
    for fport, hex_payload in SAMPLES[model]:
        decoded = decode(model, fport, bytes.fromhex(hex_payload.replace(" ", "")))
        for quantity, value in measurements(model, decoded, mount_height_cm=400):
            q = QUANTITIES[quantity]
            assert q.low <= value <= q.high, (model, quantity, value)


def test_elsys_units():
    decoded = decode("elsys/ers-co2", 5, bytes.fromhex("0100e2022904002706030807 0d62 14000f75b8 153c2d".replace(" ", "")))
    assert dict(measurements("elsys/ers-co2", decoded)) == {
        "temperature": 22.6,
        "humidity": 41.0,
        "illuminance": 39.0,
        "co2": 776.0,
        "battery": 3.426,  # mV → V
        "pressure": 1013.176,
        "noise": 45.0,  # soundAvg
    }


def test_distance_becomes_water_level_below_the_mount():
    decoded = {"distance": {"displayName": "Distance", "unit": "mm", "value": 1234}, "battery_voltage": {"value": 2.993}}
    assert dict(measurements("decentlab/dl-mbx", decoded, mount_height_cm=300)) == {"water_level": 176.6, "battery": 2.993}
    # Without a mount height there is no level: a distance is not a water level.
    assert dict(measurements("decentlab/dl-mbx", decoded)) == {"battery": 2.993}
    assert measurements("milesight-iot/em500-udl", {"distance": 30, "battery": 92}, mount_height_cm=250) == [("water_level", 247.0)]
    assert measurements("dragino/ldds75", {"Distance": "No Sensor", "Bat": 3.6}, mount_height_cm=250) == [("battery", 3.6)]


def test_pressure_sensor_reports_the_water_column():
    assert CM_WATER_PER_BAR == pytest.approx(1019.716, abs=1e-3)
    assert measurements("decentlab/dl-pr26", {"pressure": {"value": 0.25}}) == [("water_level", pytest.approx(254.929, abs=1e-3))]


def test_numeric_strings_booleans_and_junk():
    assert field_number("24.59") == 24.59
    assert field_number(" 7 ") == 7.0
    assert field_number(True) == 1.0
    assert field_number({"value": "3.2"}) == 3.2
    for junk in ("No Sensor", "nan", "inf", None, [1], {"x": 1}, float("nan")):
        assert field_number(junk) is None, junk


def test_lse01_strings_from_the_repository_codec_map_like_numbers():
    decoded = {"Bat": 3.625, "TempC_DS18B20": "24.1", "conduct_SOIL": 28200, "temp_SOIL": "24.59", "water_SOIL": "19.57"}
    assert dict(measurements("dragino/lse01", decoded)) == {"soil_moisture": 19.57, "battery": 3.625}


def test_parking_occupancy_in_percent():
    assert measurements("bosch/tps110", {"type": "parking status", "occupied": True}) == [("occupancy", 100.0)]
    assert dict(measurements("nwave/nps405", {"occupied": False, "battery_voltage": 3.344, "temperature": -10})) == {
        "occupancy": 0.0,
        "battery": 3.344,
    }


def test_unknown_fields_are_ignored_and_unknown_models_use_generic_names_only():
    assert measurements("elsys/ers-co2", {"co2": 800, "mystery": 5, "x": 1}) == [("co2", 800.0)]
    assert dict(measurements(None, {"temperature": 1.0, "luminosity": 0.64, "temperature_2": 4.2})) == {"temperature": 1.0}
    assert measurements("acme/unknown", {"humidity": "55"}) == [("humidity", 55.0)]
    assert measurements("elsys/ers-co2", ["not", "a", "dict"]) == []


def test_smtp_soil_moisture_is_not_guessed_into_percent():
    decoded = decode(
        "decentlab/dl-smtp", 1, bytes.fromhex("020b50000309018a8c09438a9809278a920b3c8aa50c9c8a8c11e08aa500000000000000000b3b")
    )
    assert dict(measurements("decentlab/dl-smtp", decoded)) == {"battery": 2.875}


def test_every_supported_model_is_documented():
    text = (Path(__file__).resolve().parents[2] / "docs" / "lorawan.md").read_text(encoding="utf-8")
    missing = [m for m in MODELS if f"`{m}`" not in text and f"`{m.split('/', 1)[1]}`" not in text]
    assert not missing


def test_ers_sound_average_is_noise_and_peak_is_noise_max_in_a_classroom_station():
    decoded = decode("elsys/ers-sound", 85, bytes.fromhex("0100e202290400270506 070d62 152d3a".replace(" ", "")))
    assert dict(measurements("elsys/ers-sound", decoded)) == {
        "temperature": 22.6,
        "humidity": 41.0,
        "illuminance": 39.0,
        "battery": 3.426,
        "noise": 58.0,  # soundAvg 0x3a
        "noise_max": 45.0,  # soundPeak 0x2d (an invented frame; the public vectors are synthetic)
    }
    assert MODELS["elsys/ers-sound"].theme == "indoor_air"  # a room sensor like the ERS CO2: the school page's, not the street's
    assert "noise_max" not in dict(measurements("elsys/ers-co2", decoded))  # other Elsys models keep their table


ERS2_SOUND = FIXTURES / "noise" / "tb_elsys_ers2_sound_ttn_webhook_uplink_no_decoded.json"
VENDOR_RESULT = FIXTURES / "noise" / "tb_elsys_ers2_sound_ttn_webhook_uplink_RESULT.json"
ROOM = {"temperature": 22.6, "humidity": 41.0, "illuminance": 39.0, "battery": 3.426, "noise": 16.0, "noise_max": 7.0}


def _uplink() -> dict:
    return json.loads(ERS2_SOUND.read_text(encoding="utf-8"))


def _vendor_decoded() -> dict:
    return json.loads(VENDOR_RESULT.read_text(encoding="utf-8"))["telemetry"][0]["values"]


def test_ers2_sound_ttn_uplink_from_raw_bytes_and_from_the_vendor_codec():
    cfg = {"devices": {"eui-1000000000000001": {"model": "elsys/ers-sound", "name": "Raum 104"}}}
    raw = ttn.parse(_uplink(), source="schule", config=cfg)
    assert dict(raw.readings.select("quantity", "value").rows()) == ROOM
    assert raw.stations.select("station_id", "name", "theme").rows() == [("schule:eui-1000000000000001", "Raum 104", "indoor_air")]
    assert set(raw.readings["ts"]) == {datetime(2023, 5, 19, 5, 33, 35, 848446, tzinfo=UTC)}  # received_at
    # The network server names the model (version_ids) and decoded with the vendor codec; no raw bytes.
    up = _uplink()
    message = up["uplink_message"]
    message.pop("frm_payload")
    message["version_ids"] = {"brand_id": "elsys", "model_id": "ers-sound"}
    message["decoded_payload"] = _vendor_decoded()
    assert dict(ttn.parse(up, source="schule").readings.select("quantity", "value").rows()) == ROOM
    assert len(ttn.parse(_uplink(), source="schule")) == 0  # no model, nothing decoded: counted, not guessed


def test_ers2_sound_chirpstack_event_from_raw_bytes_and_from_the_object():
    up = _uplink()["uplink_message"]
    event = {
        "time": "2023-05-19T05:33:35.641841+00:00",
        "deviceInfo": {"deviceName": "Raum 104", "devEui": "1000000000000001", "deviceProfileName": "Elsys ERS Sound"},
        "fPort": up["f_port"],
        "data": up["frm_payload"],
    }
    cfg = {"profiles": {"Elsys ERS Sound": {"model": "elsys/ers-sound"}}}
    assert dict(chirpstack.parse(event, source="schule", config=cfg).readings.select("quantity", "value").rows()) == ROOM
    decoded_only = {**{k: v for k, v in event.items() if k != "data"}, "object": _vendor_decoded()}
    batch = chirpstack.parse(decoded_only, source="schule", config=cfg)
    assert dict(batch.readings.select("quantity", "value").rows()) == ROOM and batch.stations["theme"].to_list() == ["indoor_air"]
