"""Meter readers: Milesight EM300-DI, Yobiiq EM2101/EM4301 and Kamstrup wM-Bus modules against the vendors' vectors and recorded uplinks."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random

import pytest
import yaml

from data_sources import ttn
from data_sources.errors import FeedFormatError
from data_sources.lorawan.decoders import decode
from data_sources.lorawan.models import measurements

from .conftest import FIXTURES

ENERGY = FIXTURES / "energy"
WATER = "kamstrup/flowiq2200-02k73a"
HEAT = "kamstrup/hc-003-55-multical"


def vectors(name: str) -> list[dict]:
    return yaml.safe_load((ENERGY / name).read_text(encoding="utf-8"))["uplinkDecoder"]["examples"]


def envelope(name: str) -> dict:
    return json.loads((ENERGY / name).read_text(encoding="utf-8"))


KAMSTRUP = {example["description"]: example for example in vectors("kamstrup__mbusparser.yaml")}


@pytest.mark.parametrize("description", [d for d in KAMSTRUP if "profile" in d])
def test_kamstrup_volume_profiles_equal_the_vendor_codec(description):
    example = KAMSTRUP[description]
    got = decode(WATER, example["input"]["fPort"], bytes(example["input"]["bytes"]))
    expected = [(v["Timestamp"].removesuffix(".000"), v["Value"]) for v in example["output"]["data"]["values"]]
    assert [(ts, pytest.approx(value, abs=1e-9)) for ts, value in got["volume_profile"]] == expected
    assert got["volume"] == example["output"]["data"]["latestVolume"]
    assert measurements(WATER, got) == [("water_meter", got["volume"])]


def test_kamstrup_missing_base_value_is_a_format_error():
    example = KAMSTRUP["Missing Base value"]
    assert example["output"]["errors"]
    with pytest.raises(FeedFormatError, match="base value"):
        decode(WATER, 1, bytes(example["input"]["bytes"]))


def test_kamstrup_midnight_log_flags_and_invalid_temperatures():
    example = KAMSTRUP["Data from midnight log of water meter with invalid temperatures"]
    got = decode(WATER, 1, bytes(example["input"]["bytes"]))
    flags = {v["Type"].lower().replace(" ", "_"): v["Value"] for v in example["output"]["data"]["values"] if v["Unit"] == "NA"}
    assert got["volume"] == 0.236 and got["time"] == "2023-10-19T00:00:00"
    for name in ("dry", "reverse", "leak", "burst", "tamper", "low_battery", "low_ambient_temperature", "high_ambient_temperature"):
        assert got[name] == flags[name], name
    assert "flow_temperature" not in got  # minimum and maximum (invalid: 0x80) are not the register


def test_kamstrup_installation_frame_has_no_reading():
    example = KAMSTRUP["Installation frame with config number"]
    got = decode(WATER, 1, bytes(example["input"]["bytes"]))
    assert measurements(WATER, got) == []


@pytest.mark.parametrize(
    ("record", "kwh"),
    [
        ("0406" + (12345).to_bytes(4, "little").hex(), 12345.0),  # VIF 0x06: kWh
        ("0407" + (1234).to_bytes(4, "little").hex(), 12340.0),  # VIF 0x07: 10 kWh (MWh with one decimal)
        ("040E" + (1000).to_bytes(4, "little").hex(), 1000 * 1e6 / 3.6e6),  # VIF 0x0E: MJ
        ("0C06" + "45230100", 12345.0),  # BCD, 8 digits
    ],
)
def test_kamstrup_heat_energy_in_kwh(record, kwh):
    got = decode(HEAT, 1, bytes.fromhex("78" + record))
    assert measurements(HEAT, got) == [("heat_meter", pytest.approx(kwh))]


def test_kamstrup_refuses_encrypted_and_unknown_frames():
    with pytest.raises(FeedFormatError, match="encrypted"):
        decode(HEAT, 1, bytes.fromhex("7a01000510" + "0406" + "39300000"))
    with pytest.raises(FeedFormatError, match="CI field"):
        decode(HEAT, 1, bytes.fromhex("5a0406"))


def test_em300_di_vendor_vector_and_recorded_uplink():
    (example,) = vectors("milesight-iot__em300-di-codec.yaml")
    assert decode("milesight-iot/em300-di", 85, bytes(example["input"]["bytes"])) == example["output"]["data"]
    up = envelope("tb_milesight_em300-di_ttn_webhook_uplink_no_decoded.json")
    got = decode("milesight-iot/em300-di", 85, base64.b64decode(up["uplink_message"]["frm_payload"]))
    result = envelope("tb_milesight_em300-di_ttn_webhook_uplink_RESULT.json")["telemetry"][1]
    (history,) = got["history"]
    assert history == {"timestamp": result["ts"] // 1000, "temperature": 27.2, "humidity": 46.5, "pulse": 256}
    assert (got["battery"], got["temperature"]) == (92, 30.8)


def test_em300_di_pulses_times_the_configured_factor():
    decoded = {"pulse": 256}
    assert measurements("milesight-iot/em300-di", decoded, device={"pulse_factor": 0.01}) == [("gas_meter", 2.56)]
    assert measurements("milesight-iot/em300-di", decoded, device={"pulse_factor": 10, "meter": "water_meter"}) == [("water_meter", 2560)]
    # no factor, a factor of no use, or a register that is no counter: no reading rather than a guess
    for device in ({}, {"pulse_factor": 0}, {"pulse_factor": "viel"}, {"pulse_factor": 1, "meter": "temperature"}):
        assert measurements("milesight-iot/em300-di", decoded, device=device) == []


def test_em300_di_history_is_not_stamped_with_the_uplink_time():
    # the recorded uplink's only pulse count sits in a history record of 2022; the uplink arrived in 2023
    config = {"key": "lns", "devices": {"eui-1000000000000001": {"model": "milesight-iot/em300-di", "pulse_factor": 0.01}}}
    batch = ttn.parse(envelope("tb_milesight_em300-di_ttn_webhook_uplink_no_decoded.json"), source="lns", config=config)
    assert batch.readings.is_empty() and batch.skipped == 0


@pytest.mark.parametrize(
    ("name", "model", "device", "kwh"),
    [
        ("tb_yobiiq_em2101_ttn_webhook_uplink_energy", "yobiiq/em2101", "KWH - 32310067", 59.856),
        ("tb_yobiiq_em4301_ttn_webhook_uplink_energy", "yobiiq/em4301", "KWH - 22310024", 50859.78),
    ],
)
def test_yobiiq_meters_equal_the_vendor_result_and_read_in_kwh(name, model, device, kwh):
    up = envelope(f"{name}_no_decoded.json")
    got = decode(model, up["uplink_message"]["f_port"], base64.b64decode(up["uplink_message"]["frm_payload"]))
    result = envelope(f"{name}_RESULT.json")["telemetry"][1]["values"]
    assert {k: got[k] for k in result} == result
    assert got["dataloggerTimestamp"] * 1000 == envelope(f"{name}_RESULT.json")["telemetry"][1]["ts"]
    batch = ttn.parse(up, source="lns", config={"key": "lns", "devices": {device: {"model": model, "name": "Rathaus"}}})
    row = batch.readings.row(0, named=True)
    assert (row["quantity"], row["value"]) == ("electricity_meter", pytest.approx(kwh))
    # the reading carries the uplink's time, not the meter's clock (six days off in the EM4301 recording)
    received = dt.datetime.fromisoformat(up["received_at"].replace("Z", "")[:26]).replace(tzinfo=dt.UTC)
    assert abs((row["ts"] - received).total_seconds()) < 1
    assert batch.stations["theme"].to_list() == ["energy"]


def test_yobiiq_modbus_error_gives_no_register_and_other_ports():
    frame = bytes.fromhex("030400001000" + "0b0a03")  # the module could not read the meter (error code 3)
    assert measurements("yobiiq/em2101", decode("yobiiq/em2101", 1, frame)) == []
    assert decode("yobiiq/em2101", 50, bytes.fromhex("ff0901")) == {}  # device information
    with pytest.raises(FeedFormatError, match="FPort"):
        decode("yobiiq/em4301", 60, b"\x00")
    with pytest.raises(FeedFormatError, match="unknown measurement type"):
        decode("yobiiq/em4301", 1, bytes.fromhex("01ee00000000"))


@pytest.mark.parametrize("model", ["milesight-iot/em300-di", "yobiiq/em2101", "yobiiq/em4301", HEAT, WATER])
def test_truncated_and_random_bytes_give_a_format_error_or_a_dict(model):
    rng = random.Random(model)
    samples = [bytes(e["input"]["bytes"]) for e in KAMSTRUP.values()] + [
        base64.b64decode("AQFnOyQMAgNnOyG0AwQDCA8EBAUAAAAABQYAAAAABgcAAAAACwoA"),
        base64.b64decode("AXVcA2c0AQRoZSDOnnRGYxABXQIAAAEAAA=="),
    ]
    cases = [s[:n] for s in samples for n in range(len(s))] + [rng.randbytes(rng.randint(1, 40)) for _ in range(300)]
    for payload in cases:
        try:
            got = decode(model, 1, payload)
        except FeedFormatError:
            continue
        assert isinstance(got, dict)
        measurements(model, got, device={"pulse_factor": 1})
