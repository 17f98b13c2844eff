"""Device decoders against every codec vector of the TTN device repository, plus random and truncated bytes."""

import base64
import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from data_sources import chirpstack, ttn
from data_sources.errors import FeedFormatError
from data_sources.lorawan import decentlab
from data_sources.lorawan.decoders import decode
from data_sources.lorawan.models import MODELS, measurements

from .conftest import FIXTURES

CODECS = FIXTURES / "lorawan_devices_codecs"

# Codec file → the model id its vectors test (file names follow the repository's vendor folders).
CODEC_MODELS = {
    "bosch__tps110-0292-codec.yaml": "bosch/tps110",
    "decentlab__dl-mbx-codec.yaml": "decentlab/dl-mbx",
    "decentlab__dl-pr26-0-1-codec.yaml": "decentlab/dl-pr26",
    "decentlab__dl-smtp-codec.yaml": "decentlab/dl-smtp",
    "dragino__ldds75-codec.yaml": "dragino/ldds75",
    "dragino__lht65-codec.yaml": "dragino/lht65",
    "dragino__lse01-codec.yaml": "dragino/lse01",
    "elsys__ers-co2-codec.yaml": "elsys/ers-co2",
    "elsys__ers-sound-codec.yaml": "elsys/ers-sound",  # synthetic sound levels (1 and 1 dB): the layout, not a room
    "milesight-iot__am307-codec.yaml": "milesight-iot/am307",
    "milesight-iot__em500-udl-codec.yaml": "milesight-iot/em500-udl",
    "nwave__nps405-codec.yaml": "nwave/nps405",
}


class KeepDuplicateLists(yaml.SafeLoader):
    """A YAML loader that concatenates repeated keys holding lists instead of keeping the last.

    The em500-udl codec file writes ``examples:`` twice; a plain loader would drop the first
    vector silently.
    """


def _mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    result = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        value = loader.construct_object(value_node, deep=True)
        if isinstance(result.get(key), list) and isinstance(value, list):
            result[key] = result[key] + value
        else:
            result[key] = value
    return result


KeepDuplicateLists.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_codec(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=KeepDuplicateLists)


def vectors(section: str) -> list:
    found = []
    for path in sorted(CODECS.glob("*.yaml")):
        examples = load_codec(path).get(section, {}).get("examples", [])
        for i, example in enumerate(examples, start=1):
            found.append(pytest.param(CODEC_MODELS[path.name], example, id=f"{path.stem}-{i}-{example['description']}"))
    return found


def assert_matches(actual, expected, where="data"):
    """Compare decoded output with a vector: None equals absent; numbers compare approximately.

    The repository's JavaScript returns some numbers as ``toFixed`` strings ("24.1"); our decoders
    return numbers, so a numeric string in a vector is compared as the number it spells.
    """
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        present = {k for k, v in expected.items() if v is not None}
        assert present == {k for k, v in actual.items() if v is not None}, where
        for key in present:
            assert_matches(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_matches(a, e, f"{where}[{i}]")
    elif isinstance(expected, bool) or isinstance(actual, bool):
        assert actual is expected, where
    elif isinstance(expected, (int, float)) or (isinstance(expected, str) and isinstance(actual, (int, float))):
        assert actual == pytest.approx(float(expected), rel=1e-9, abs=1e-9), where
    else:
        assert actual == expected, where


def test_every_codec_file_is_known_and_every_vector_collected():
    assert sorted(p.name for p in CODECS.glob("*.yaml")) == sorted(CODEC_MODELS)
    assert set(CODEC_MODELS.values()) <= set(MODELS)
    counts = {s: len(vectors(s)) for s in ("uplinkDecoder", "downlinkEncoder", "downlinkDecoder")}
    assert counts == {"uplinkDecoder": 25, "downlinkEncoder": 2, "downlinkDecoder": 2}


def test_duplicate_examples_key_keeps_both_em500_vectors():
    examples = load_codec(CODECS / "milesight-iot__em500-udl-codec.yaml")["uplinkDecoder"]["examples"]
    assert [e["output"]["data"]["battery"] for e in examples] == [92, 100]
    plain = yaml.safe_load((CODECS / "milesight-iot__em500-udl-codec.yaml").read_text())
    assert len(plain["uplinkDecoder"]["examples"]) == 1  # what a plain loader would have tested


@pytest.mark.parametrize(("model", "example"), vectors("uplinkDecoder"))
def test_uplink_vector(model, example):
    fport, payload = example["input"]["fPort"], bytes(example["input"]["bytes"])
    output = example["output"]
    if "errors" in output:
        for error in output["errors"]:
            with pytest.raises(FeedFormatError, match=re.escape(error)):
                decode(model, fport, payload)
    else:
        assert_matches(decode(model, fport, payload), output["data"])


@pytest.mark.parametrize(("model", "example"), vectors("downlinkEncoder"))
def test_downlink_encoder_vector(model, example):
    data = example["input"]["data"]
    assert decentlab.encode_command(data["command"], data.get("parameter")) == (
        example["output"]["fPort"],
        bytes(example["output"]["bytes"]),
    )


@pytest.mark.parametrize(("model", "example"), vectors("downlinkDecoder"))
def test_downlink_decoder_vector(model, example):
    decoded = decentlab.decode_command(example["input"]["fPort"], bytes(example["input"]["bytes"]))
    assert decoded == example["output"]["data"]


@pytest.mark.parametrize(
    ("payload", "fport", "error"),
    [
        (bytes([0, 2, 14, 16, 72, 165]), 1, "invalid CRC"),
        (bytes([0, 2, 14, 16, 72]), 1, "invalid message length"),
        (bytes([0, 2, 14, 16, 72, 164]), 2, "invalid FPort"),
        (bytes([0x7F, 0x7F, 0, 0, 0, 0]), 1, "invalid command"),
    ],
)
def test_downlink_decoder_rejects(payload, fport, error):
    with pytest.raises(FeedFormatError, match=error):
        decentlab.decode_command(fport, payload)


def test_downlink_encoder_rejects_unknown_command_and_bad_parameter():
    with pytest.raises(FeedFormatError, match="invalid command"):
        decentlab.encode_command("make coffee")
    with pytest.raises(FeedFormatError, match="invalid parameter"):
        decentlab.encode_command("set period", 70000)


PORTS = (0, 1, 2, 3, 4, 5, 6, 10, 85, 255)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_random_bytes_decode_or_raise_feed_format_error(model):
    rng = random.Random(f"lorawan-{model}")  # deterministic per model
    for _ in range(400):
        payload = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 48)))
        fport = rng.choice(PORTS)
        try:
            result = decode(model, fport, payload)
        except FeedFormatError:
            continue
        assert isinstance(result, dict)


@pytest.mark.parametrize(("model", "example"), vectors("uplinkDecoder"))
def test_every_prefix_of_a_vector_raises_or_decodes_a_part_of_the_whole(model, example):
    """A frame cut short never invents a field or changes a value: it fails, or it reads as part of the whole frame."""
    fport, full = example["input"]["fPort"], bytes(example["input"]["bytes"])
    if "errors" in example["output"]:  # a refused port stays refused however long the frame
        for cut in range(len(full) + 1):
            with pytest.raises(FeedFormatError):
                decode(model, fport, full[:cut])
        return
    whole = decode(model, fport, full)
    assert_matches(whole, example["output"]["data"])
    for cut in range(len(full)):
        try:
            part = decode(model, fport, full[:cut])
        except FeedFormatError:
            continue
        assert set(part) <= set(whole) and part == {key: whole[key] for key in part}, (cut, part)


@pytest.mark.parametrize(
    ("model", "fport", "hex_payload"),
    [
        ("decentlab/dl-mbx", 1, "02012f000304d200010bb1"),
        ("decentlab/dl-pr26", 1, "02016700033e806017 0c7f"),
        ("decentlab/dl-smtp", 1, "020b50000309018a8c09438a9809278a920b3c8aa50c9c8a8c11e08aa50000000000000000 0b3b"),
        ("dragino/lht65", 2, "cbf60b0d0376010add7fff"),
        ("dragino/lse01", 2, "ce2900f107a5099b6e2890"),
        ("dragino/ldds75", 2, "0e1c0b050000ff01"),
        ("bosch/tps110", 3, "2403000075030000000000000 01d020301"),
        ("nwave/nps405", 10, "d1201f345678"),
    ],
)
def test_fixed_layout_frames_cut_short_raise(model, fport, hex_payload):
    full = bytes.fromhex(hex_payload.replace(" ", ""))
    decode(model, fport, full)  # the whole frame is fine
    for cut in range(len(full)):
        if model == "dragino/ldds75" and cut == 4:
            continue  # the repository's 4-byte "No Sensor" frame
        with pytest.raises(FeedFormatError, match=r"truncated|needs|bytes|version"):
            decode(model, fport, full[:cut])


def test_unknown_model_and_bad_arguments():
    with pytest.raises(FeedFormatError, match="no payload decoder"):
        decode("acme/thing", 1, b"\x00")
    with pytest.raises(FeedFormatError, match="FPort"):
        decode("elsys/ers-co2", 300, b"\x01\x00\xe2")
    with pytest.raises(FeedFormatError, match="bytes"):
        decode("elsys/ers-co2", 1, "0100e2")


def test_elsys_uplink_with_battery_and_an_unknown_type_stops_there():
    data = decode("elsys/ers-co2", 5, bytes.fromhex("0100e20229040027050606030807 0d62".replace(" ", "")))
    assert data == {"temperature": 22.6, "humidity": 41, "light": 39, "motion": 6, "co2": 776, "vdd": 3426}
    assert decode("elsys/ers", 5, bytes.fromhex("01ff38" + "ee0102")) == {"temperature": -20.0}


def test_elsys_repeated_probe_temperature_becomes_a_list():
    assert decode("elsys/ems", 5, bytes.fromhex("1900fa1900c8")) == {"externalTemperature2": [25.0, 20.0]}


def test_milesight_am103_frame_from_the_fixture():
    assert decode("milesight-iot/am103", 85, bytes.fromhex("017564036718010468 6d077dc501".replace(" ", ""))) == {
        "battery": 100,
        "temperature": 28.0,
        "humidity": 54.5,
        "co2": 453,
    }


def test_milesight_skips_attribute_channels_and_decodes_am319_air_quality():
    payload = bytes.fromhex("ff0bff ff0101 ff166136c19146980000 0b7d1000 0c7d1800 03679cff".replace(" ", ""))
    assert decode("milesight-iot/am319", 85, payload) == {"pm2_5": 16, "pm10": 24, "temperature": -10.0}


def test_milesight_channel_without_type_is_truncated():
    with pytest.raises(FeedFormatError, match="truncated"):
        decode("milesight-iot/em500-udl", 85, bytes.fromhex("01755c03"))


def test_ldds75_full_frame_and_dead_zone():
    assert decode("dragino/ldds75", 2, bytes.fromhex("0e1c0b050000ff01")) == {
        "Bat": 3.612,
        "Distance": 2821,
        "Interrupt_flag": 0,
        "TempC_DS18B20": 25.5,
        "Sensor_flag": 1,
    }
    assert decode("dragino/ldds75", 2, bytes.fromhex("0e1c000a0000ff01"))["Distance"] == "Invalid Reading"
    assert decode("dragino/ldds75", 2, bytes.fromhex("0e1c00000000ff00"))["Distance"] == "No Sensor"


@pytest.mark.parametrize(
    ("ext", "expected"),
    [
        ("00", {"Ext_sensor": "No external sensor"}),
        ("05", {"Work_mode": "Illumination Sensor", "ILL_lx": 0x0ADD}),
        ("06", {"Work_mode": "ADC Sensor", "ADC_V": 2.781}),
        ("08", {"Work_mode": "Interrupt Sensor count", "Exit_count": 0x0ADD7FFF}),
    ],
)
def test_lht65_external_sensor_modes(ext, expected):
    data = decode("dragino/lht65", 2, bytes.fromhex(f"cbf60b0d0376{ext}0add7fff"))
    assert data["TempC_SHT"] == 28.29 and data["Hum_SHT"] == 88.6 and data["BatV"] == 3.062
    assert {k: data[k] for k in expected} == expected


def test_lht65_negative_temperature_and_poll_reply():
    data = decode("dragino/lht65", 2, bytes.fromhex("cbf6fc180376000000 0000".replace(" ", "")))
    assert data["TempC_SHT"] == -10.0
    with pytest.raises(FeedFormatError, match="poll"):
        decode("dragino/lht65", 2, bytes.fromhex("cbf60b0d0376410add7fff"))


def test_lse01_negative_soil_temperature_is_twos_complement():
    data = decode("dragino/lse01", 2, bytes.fromhex("ce2900f107a5ff9c6e2890"))
    assert data["temp_SOIL"] == -1.0


def test_decentlab_wrong_protocol_version():
    with pytest.raises(FeedFormatError, match="protocol version 3 doesn't match v2"):
        decode("decentlab/dl-mbx", 1, bytes.fromhex("03012f00020bb1"))


def test_elsys_ers2_sound_frame_decodes_like_the_vendor_codec():
    """The ERS2 Sound webhook's bytes against ThingsBoard's decoded result (which names motion "pir")."""
    up = json.loads((FIXTURES / "noise" / "tb_elsys_ers2_sound_ttn_webhook_uplink_no_decoded.json").read_text(encoding="utf-8"))
    vendor = json.loads((FIXTURES / "noise" / "tb_elsys_ers2_sound_ttn_webhook_uplink_RESULT.json").read_text(encoding="utf-8"))
    frame = base64.b64decode(up["uplink_message"]["frm_payload"])
    assert frame.hex() == "0100e202290400270506070d62150710"  # … 15 07 10: type 0x15, peak 7 dB, average 16 dB
    expected = dict(vendor["telemetry"][0]["values"])
    expected["motion"] = expected.pop("pir")
    assert decode("elsys/ers-sound", up["uplink_message"]["f_port"], frame) == expected


def test_elsys_sound_levels_are_whole_unsigned_decibels_peak_first():
    assert decode("elsys/ers-sound", 5, bytes.fromhex("15 5a 3c".replace(" ", ""))) == {"soundPeak": 90, "soundAvg": 60}
    assert decode("elsys/ers-sound", 5, bytes.fromhex("15ff00")) == {"soundPeak": 255, "soundAvg": 0}
    with pytest.raises(FeedFormatError, match="truncated"):
        decode("elsys/ers-sound", 5, bytes.fromhex("155a"))  # the average is missing


# -- Milesight WS302 sound level meter, on ThingsBoard's recorded uplinks (tests/fixtures/milesight_ws302) --
WS302 = FIXTURES / "milesight_ws302"
WS302_FRAME = bytes.fromhex("017564055B053F02DA016A02")


def _ws302(name: str) -> dict:
    return json.loads((WS302 / name).read_text(encoding="utf-8"))


def test_ws302_decodes_the_recorded_uplink_as_thingsboard_did():
    uplink = _ws302("tb_milesight_ws302_ttn_webhook_uplink_no_decoded.json")["uplink_message"]
    assert base64.b64decode(uplink["frm_payload"]) == WS302_FRAME
    expected = _ws302("tb_milesight_ws302_ttn_webhook_uplink_RESULT.json")["telemetry"][0]["values"]
    assert expected == {"battery": 100, "LAF": 57.5, "LAeq": 47.4, "LAFmax": 61.8}
    assert decode("milesight-iot/ws302", uplink["f_port"], WS302_FRAME) == expected


def test_ws302_uplink_becomes_noise_readings_through_ttn_and_chirpstack():
    devices = {"devices": {"eui-1000000000000001": {"model": "milesight-iot/ws302", "name": "Lärm Unnaer Straße"}}}
    batch = ttn.parse(_ws302("tb_milesight_ws302_ttn_webhook_uplink_no_decoded.json"), source="laerm", config=devices)
    assert dict(batch.readings.select("quantity", "value").iter_rows()) == {"noise": 47.4, "noise_max": 61.8}  # LAF and battery % stay out
    assert batch.readings["ts"].unique().to_list() == [datetime(2023, 5, 19, 5, 33, 35, 848446, tzinfo=UTC)]  # the record's received_at
    assert batch.stations.select("station_id", "name", "theme").row(0) == ("laerm:eui-1000000000000001", "Lärm Unnaer Straße", "noise")
    event = _ws302("tb_milesight_ws302_chirpstack_v4_up.json")
    assert base64.b64decode(event["data"]) == WS302_FRAME
    cs = chirpstack.parse(event, source="laerm", config={"devices": {"1000000000000001": {"model": "milesight-iot/ws302"}}})
    assert dict(cs.readings.select("quantity", "value").iter_rows()) == {"noise": 47.4, "noise_max": 61.8}
    assert cs.stations["theme"].to_list() == ["noise"]


@pytest.mark.parametrize(
    ("mode", "names"),
    [
        (0x05, ("LAF", "LAeq", "LAFmax")),  # A weighting, fast: the vendor's example
        (0x01, ("LA", "LAeq", "LAmax")),  # A weighting, no time weighting
        (0x06, ("LCF", "LCeq", "LCFmax")),  # C weighting, fast
        (0x02, ("LC", "LCeq", "LCmax")),
        (0x00, ("L", "Leq", "Lmax")),  # not in the user guide: no weighting claimed
    ],
)
def test_ws302_weighting_mode_names_the_levels_and_only_a_weighting_becomes_noise(mode, names):
    frame = bytes([0x05, 0x5B, mode]) + bytes.fromhex("3F02DA016A02")
    decoded = decode("milesight-iot/ws302", 85, frame)
    assert decoded == dict(zip(names, (57.5, 47.4, 61.8)))
    quantities = {q for q, _ in measurements("milesight-iot/ws302", decoded)}
    assert quantities == ({"noise", "noise_max"} if mode == 0x05 else {"noise"} if mode == 0x01 else set())


def test_ws302_frame_cut_short_raises_and_attributes_are_read_past():
    for cut in (1, 4, 8, 11):
        with pytest.raises(FeedFormatError, match="truncated"):
            decode("milesight-iot/ws302", 85, WS302_FRAME[:cut])
    assert decode("milesight-iot/ws302", 85, WS302_FRAME[:3]) == {"battery": 100}
    join = bytes.fromhex("ff0bff ff0101 ff166743c13353300001 ff090100 ff0a0102 ff0f00".replace(" ", ""))  # the user guide's join report
    assert decode("milesight-iot/ws302", 85, join) == {}
    assert decode("milesight-iot/ws302", 85, join + WS302_FRAME)["LAeq"] == 47.4
