"""ChirpStack adapter: v4 and v3 up events to canonical rows, model from config, the inbox as feed."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from data_sources import chirpstack, inbox
from data_sources.errors import FeedFormatError

from .conftest import FIXTURES

CS = FIXTURES / "chirpstack"
MBX_EXAMPLE_1 = bytes([0x02, 0x01, 0x2F, 0x00, 0x03, 0x04, 0xD2, 0x00, 0x01, 0x0B, 0xB1])
UTC = UTC


def load(name: str) -> dict:
    return json.loads((CS / name).read_text(encoding="utf-8"))


def values(batch) -> dict:
    return dict(batch.readings.select("quantity", "value").iter_rows())


def test_v4_decentlab_event_carries_codec_example_1():
    event = load("tb_decentlab_dl-mbx_chirpstack_v4_up.json")
    assert base64.b64decode(event["data"]) == MBX_EXAMPLE_1
    config = {"devices": {"70B3D57BA0003BB8": {"model": "decentlab/dl-mbx", "mount_height_cm": 300}}}
    batch = chirpstack.parse(event, source="pegel", config=config)
    assert values(batch) == {"water_level": pytest.approx(176.6), "battery": 2.993}
    assert batch.readings["ts"].unique().to_list() == [datetime(2024, 11, 10, 12, 51, 50, tzinfo=UTC)]
    station = batch.stations.row(0, named=True)
    # The name comes from ChirpStack; the gateway location in rxInfo is not the device's.
    assert station == {
        "station_id": "pegel:70b3d57ba0003bb8",
        "source": "pegel",
        "name": "PM-15288",
        "lat": None,
        "lon": None,
        "theme": "water",
        "district": None,
        "category": None,
        "opening_hours": None,
    }


def test_model_by_device_profile_name():
    config = {"profiles": {"Chirpstack default device profile": {"model": "milesight-iot/am103"}}}
    batch = chirpstack.parse((CS / "tb_milesight_am103_chirpstack_v4_up.json").read_bytes(), source="s", config=config)
    assert values(batch) == {"temperature": 28.0, "humidity": 54.5, "co2": 453.0}
    assert batch.stations["theme"].to_list() == ["indoor_air"]


def test_model_by_device_name_and_parking_occupancy():
    config = {"devices": {"Device name": {"model": "bosch/tps110", "name": "Parkplatz Am Ziegelbrand 3"}}}
    batch = chirpstack.parse(load("tb_bosch_parking_chirpstack_v4_up_status.json"), source="p", config=config)
    assert values(batch) == {"occupancy": 100.0}
    assert batch.stations.select("name", "theme").row(0) == ("Parkplatz Am Ziegelbrand 3", "parking")


def test_soil_profile_only_battery():
    config = {"devices": {"70b3d57ba0003bb8": {"model": "decentlab/dl-smtp"}}}
    assert values(chirpstack.parse(load("tb_decentlab_dl-smtp_chirpstack_v4_up.json"), source="b", config=config)) == {"battery": 2.875}


def test_v4_without_object_and_with_object_through_the_same_mapping():
    config = {"profiles": {"decentlab dl-mbx": {"model": "decentlab/dl-mbx"}}, "devices": {"70B3D57BA0001015": {"mount_height_cm": 412.5}}}
    plain = chirpstack.parse(load("v4_up_without_object.json"), source="pegel", config=config)
    assert values(plain) == {"water_level": pytest.approx(412.5 - 187.5), "battery": 3.042}
    with_object = load("v4_up_with_object.json")
    ours = chirpstack.parse(with_object, source="pegel", config=config)
    del with_object["data"]  # a server that forwards only its own decoding
    theirs = chirpstack.parse(with_object, source="pegel", config=config)
    assert values(theirs) == values(ours) == {"water_level": pytest.approx(412.5 - 186.9), "battery": 3.041}
    assert plain.stations["name"].to_list() == ["Hönne Bahnhofstraße"]


def test_v3_event_with_base64_dev_eui_and_object_json():
    event = load("v3_up_objectjson.json")
    batch = chirpstack.parse(event, source="schulen")
    assert batch.stations["station_id"].to_list() == ["schulen:a81758fffe04d1e2"]
    assert values(batch) == {"temperature": 23.1, "humidity": 48.0, "co2": 1240.0}  # objectJSON, generic names
    assert batch.readings["ts"].unique().to_list() == [datetime(2024, 6, 3, 8, 5, 41, 336714, tzinfo=UTC)]
    ours = chirpstack.parse(event, source="schulen", config={"devices": {"gymnasium-raum-204": {"model": "elsys/ers-co2"}}})
    assert values(ours) == values(batch)
    assert ours.stations["theme"].to_list() == ["indoor_air"]
    event["object"] = {"co2": 999}  # the "json" marshaler writes an object instead of a string
    assert values(chirpstack.parse(event, source="schulen")) == {"co2": 999.0}


def test_events_that_are_not_uplinks_are_ignored():
    location = {
        "deduplicationId": "x",
        "time": "2022-07-18T09:55:11Z",
        "deviceInfo": {"devEui": "0101010101010101"},
        "location": {"latitude": 37.3, "longitude": -8.8},
    }
    status = {"deviceInfo": {"devEui": "0101010101010101"}, "margin": 7, "batteryLevel": 90}
    batch = chirpstack.parse([location, status], source="s")
    assert (len(batch), batch.skipped, batch.stations.height) == (0, 0, 0)


def _drop_times(event: dict) -> None:
    event["time"] = "soon"
    for key in ("nsTime", "gwTime"):
        event["rxInfo"][0].pop(key)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e["deviceInfo"].pop("devEui"), "no DevEUI"),
        (lambda e: e["deviceInfo"].update(devEui="not-hex"), "DevEUI not hex"),
        (lambda e: e.update(data="%%%"), "bad base64, no object"),
        (lambda e: e.update(data=base64.b64encode(MBX_EXAMPLE_1[:7]).decode()), "truncated payload"),
        (lambda e: _drop_times(e), "no time"),
    ],
)
def test_broken_event_skipped_and_counted(mutate, reason):
    config = {"devices": {"70b3d57ba0003bb8": {"model": "decentlab/dl-mbx", "mount_height_cm": 300}}}
    good, bad = load("tb_decentlab_dl-mbx_chirpstack_v4_up.json"), load("tb_decentlab_dl-mbx_chirpstack_v4_up.json")
    bad["deviceInfo"]["devEui"] = "70b3d57ba0003bb8"
    mutate(bad)
    good["deviceInfo"]["devEui"] = "70B3D57BA0003BB8"
    batch = chirpstack.parse([good, bad], source="s", config=config)
    assert batch.skipped == 1, reason
    assert values(batch)["battery"] == 2.993, reason


def test_v3_bad_dev_eui_and_missing_time():
    event = load("v3_up_objectjson.json")
    broken = dict(event, devEUI="AgICAg==")  # 4 bytes, not 8
    no_time = dict(event, rxInfo=[{"time": None}])
    batch = chirpstack.parse([event, broken, no_time], source="s")
    assert batch.skipped == 2 and len(batch) == 3


def test_not_json_raises():
    with pytest.raises(FeedFormatError):
        chirpstack.parse(b"\x00\x01 binary protobuf", source="s")


def test_fetch_reads_the_inbox_and_dates_timeless_v3_events_by_arrival(tmp_path):
    event = load("v3_up_objectjson.json")
    event["rxInfo"][0]["time"] = None  # a gateway without GPS
    before = datetime.now(UTC)  # the arrival is stamped when the event is appended
    inbox.append(tmp_path / "cs", json.dumps(event).encode())
    inbox.append(tmp_path / "cs", json.dumps(load("v4_up_without_object.json")).encode())
    inbox.append(tmp_path / "cs", b"{not json")
    cfg = {
        "key": "cs",
        "kind": "chirpstack",
        "inbox": "cs",
        "config_dir": str(tmp_path),
        "poll_s": 60,
        "profiles": {"Decentlab DL-MBX": {"model": "decentlab/dl-mbx"}},
    }
    batch = chirpstack.fetch(cfg, session=None)
    co2_time = batch.readings.filter(quantity="co2")["ts"].item()
    # dated by arrival; 1 s of slack, as a VM's wall clock can step (CI once saw arrival 45 ms after "now")
    slack = timedelta(seconds=1)
    assert before - slack <= co2_time <= datetime.now(UTC) + slack
    assert set(batch.readings["station_id"]) == {"cs:a81758fffe04d1e2", "cs:70b3d57ba0001015"}
    assert batch.skipped == 1  # the file that is not JSON, now in bad/
    assert len(list((tmp_path / "cs" / "bad").iterdir())) == 1
    again = chirpstack.fetch(cfg, session=None)  # handed out again, counted once
    assert again.skipped == 0 and len(again) == len(batch)


def test_fetch_without_inbox_explains_the_receiver():
    with pytest.raises(FeedFormatError, match="receiver"):
        chirpstack.fetch({"key": "cs", "kind": "chirpstack"}, session=None)
