"""Encoders for the demo city are the inverse of the decoders, end to end through a TTN uplink."""

from datetime import UTC, datetime, timedelta

import pytest

from data_sources import ttn
from data_sources.lorawan.decoders import decode
from data_sources.lorawan.encoders import encode
from data_sources.lorawan.models import measurements


@pytest.mark.parametrize(
    "values",
    [
        {"temperature": 22.6, "humidity": 41, "co2": 776},
        {"temperature": -7.3, "humidity": 95, "co2": 410, "battery": 3.61, "illuminance": 120},
        {"temperature": 31.0, "humidity": 20, "co2": 2450},
    ],
)
def test_elsys_round_trip(values):
    fport, payload = encode("elsys/ers-co2", values)
    assert dict(measurements("elsys/ers-co2", decode("elsys/ers-co2", fport, payload))) == pytest.approx(values)


def test_elsys_encoding_matches_the_codec_vector_bytes():
    assert encode("elsys/ers-co2", {"temperature": 22.6, "humidity": 41, "co2": 776}) == (5, bytes.fromhex("0100e20229060308"))


@pytest.mark.parametrize(("distance", "battery"), [(1234, 2.993), (40, 3.6), (6500, 2.9)])
def test_dl_mbx_round_trip(distance, battery):
    fport, payload = encode("decentlab/dl-mbx", {"distance": distance, "battery": battery})
    decoded = decode("decentlab/dl-mbx", fport, payload)
    assert decoded["distance"]["value"] == distance
    assert decoded["battery_voltage"]["value"] == pytest.approx(battery)
    assert dict(measurements("decentlab/dl-mbx", decoded, mount_height_cm=700)) == pytest.approx(
        {"water_level": 700 - distance / 10, "battery": battery}
    )


def test_dl_mbx_encoding_reproduces_codec_example_1():
    assert encode("decentlab/dl-mbx", {"distance": 1234, "battery": 2.993, "device_id": 303}) == (
        1,
        bytes([0x02, 0x01, 0x2F, 0x00, 0x03, 0x04, 0xD2, 0x00, 0x01, 0x0B, 0xB1]),
    )


def test_out_of_range_and_unknown_model():
    with pytest.raises(ValueError, match="co2"):
        encode("elsys/ers-co2", {"co2": 70000})
    with pytest.raises(ValueError, match="distance"):
        encode("decentlab/dl-mbx", {"distance": -5})
    with pytest.raises(ValueError, match="no encoder"):
        encode("acme/thing", {})


def test_demo_uplink_runs_through_ttn_parse_like_a_real_device():
    start = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)
    uplinks = []
    for i, co2 in enumerate((640, 980, 1320)):
        fport, payload = encode("elsys/ers-co2", {"temperature": 22.0 + i, "humidity": 45, "co2": co2})
        uplinks.append(ttn.uplink("gym-raum-204", "elsys/ers-co2", fport, payload, start + timedelta(minutes=10 * i)))
    fport, payload = encode("decentlab/dl-mbx", {"distance": 2310, "battery": 3.05})
    uplinks.append(ttn.uplink("hoenne-pegel", "decentlab/dl-mbx", fport, payload, start.isoformat()))
    config = {"devices": {"hoenne-pegel": {"mount_height_cm": 450, "name": "Hönne, Bahnhof"}}}
    batch = ttn.parse(uplinks, source="demo", config=config)
    co2 = batch.readings.filter(quantity="co2").sort("ts")
    assert co2["value"].to_list() == [640.0, 980.0, 1320.0]
    assert co2["station_id"].unique().to_list() == ["demo:gym-raum-204"]
    level = batch.readings.filter(station_id="demo:hoenne-pegel", quantity="water_level")
    assert level["value"].to_list() == pytest.approx([219.0])
    themes = dict(batch.stations.select("station_id", "theme").iter_rows())
    assert themes == {"demo:gym-raum-204": "indoor_air", "demo:hoenne-pegel": "water"}
    assert batch.skipped == 0
    assert uplinks[0]["end_device_ids"]["application_ids"]["application_id"] == "menden-demo"


def test_ws302_encoding_reproduces_the_recorded_frame():
    values = {"battery_percent": 100, "laf": 57.5, "noise": 47.4, "noise_max": 61.8}
    assert encode("milesight-iot/ws302", values) == (85, bytes.fromhex("017564055B053F02DA016A02"))


@pytest.mark.parametrize("values", [{"noise": 66.3, "noise_max": 81.9}, {"noise": 34.7, "noise_max": 49.0}, {"noise": 120.0}])
def test_ws302_round_trip(values):
    fport, payload = encode("milesight-iot/ws302", values)
    expected = {"noise_max": values["noise"], **values}  # without a peak the encoder writes LAeq there
    assert dict(measurements("milesight-iot/ws302", decode("milesight-iot/ws302", fport, payload))) == pytest.approx(expected)


def test_ws302_refuses_what_does_not_fit():
    with pytest.raises(ValueError, match="noise"):
        encode("milesight-iot/ws302", {"noise": -3.0})
    with pytest.raises(ValueError, match="noise_max"):
        encode("milesight-iot/ws302", {"noise": 50.0, "noise_max": 7000.0})
    with pytest.raises(ValueError, match="battery"):
        encode("milesight-iot/ws302", {"noise": 50.0, "battery_percent": 180})
