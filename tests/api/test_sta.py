"""SensorThings 1.1 over real HTTP: document structure, navigation links, paging, query options, errors, CORS, rate limit."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

import pytest
from starlette.applications import Starlette

import api
from api.context import Context
from tests.api.conftest import HOSTILE, START, STATIONS, serving

SETS = ("Things", "Locations", "Datastreams", "Sensors", "ObservedProperties", "Observations")
STREAM = "demo:wetter-a:temperature"


def get(url: str, params: dict | None = None, *, method: str = "GET", headers: dict | None = None) -> tuple[int, dict, bytes]:
    full = url + ("?" + urlencode(params) if params else "")
    request = urllib.request.Request(full, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def doc(url: str, params: dict | None = None) -> dict:
    status, headers, body = get(url, params)
    assert status == 200, body[:300]
    assert headers["content-type"].startswith("application/json")
    return json.loads(body)


def walk(url: str, params: dict) -> list[dict]:
    """Every entity of a collection, following @iot.nextLink."""
    out, page = [], doc(url, params)
    while True:
        out += page["value"]
        if "@iot.nextLink" not in page:
            return out
        page = doc(page["@iot.nextLink"])


def test_the_service_root_lists_every_entity_set(base):
    root = doc(base + "/v1.1")
    assert [s["name"] for s in root["value"]] == list(SETS)
    for entry in root["value"]:
        assert entry["url"] == f"{base}/v1.1/{entry['name']}"
        assert "value" in doc(
            entry["url"], {"$top": "1"} if entry["name"] != "Observations" else {"$filter": f"Datastream/id eq '{STREAM}'"}
        )
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel" in root["serverSettings"]["conformance"]


def test_things_carry_self_and_navigation_links_that_answer(base):
    things = doc(base + "/v1.1/Things", {"$count": "true"})
    assert things["@iot.count"] == len(STATIONS)
    assert sorted(t["@iot.id"] for t in things["value"]) == sorted(STATIONS)
    for thing in things["value"]:
        assert doc(thing["@iot.selfLink"])["@iot.id"] == thing["@iot.id"]  # the quote and slash id too
        streams = doc(thing["Datastreams@iot.navigationLink"])["value"]
        assert sorted(d["properties"]["quantity"] for d in streams) == sorted(STATIONS[thing["@iot.id"]][4])
        located = doc(thing["Locations@iot.navigationLink"])["value"]
        assert len(located) == (0 if STATIONS[thing["@iot.id"]][1] is None else 1)


def test_a_datastream_has_its_unit_observed_property_sensor_and_licence(base):
    ds = doc(f"{base}/v1.1/Datastreams('{STREAM}')", {"$expand": "ObservedProperty,Sensor,Thing"})
    assert ds["unitOfMeasurement"]["symbol"] == "°C"
    assert ds["observationType"].endswith("OM_Measurement")
    assert ds["ObservedProperty"]["@iot.id"] == "temperature" and ds["ObservedProperty"]["definition"].endswith(":temperature")
    assert ds["Sensor"]["@iot.id"] == "demo" and ds["Thing"]["@iot.id"] == "demo:wetter-a"
    assert ds["properties"]["license"] == "http://dcat-ap.de/def/licenses/cc-zero" and ds["properties"]["attribution"]
    unitless = doc(f"{base}/v1.1/Datastreams('{quote('demo:park-c/1 o' + chr(39) * 2 + 'clock:parking_free')}')")
    assert unitless["unitOfMeasurement"] == {"name": None, "symbol": None, "definition": None}


def test_next_links_page_through_every_observation_exactly_once(base, store):
    want = store.readings(station_ids="demo:wetter-a", quantities="temperature")
    got = walk(f"{base}/v1.1/Datastreams('{STREAM}')/Observations", {"$top": "50", "$count": "true"})
    assert len(got) == want.height == len({o["@iot.id"] for o in got})
    assert [o["result"] for o in got] == want["value"].to_list()
    assert [o["phenomenonTime"] for o in got] == [ts.strftime("%Y-%m-%dT%H:%M:%SZ") for ts in want["ts"]]
    first = doc(f"{base}/v1.1/Datastreams('{STREAM}')/Observations", {"$top": "50", "$count": "true"})
    assert first["@iot.count"] == want.height and len(first["value"]) == 50


def test_filter_on_time_and_ids_orderby_top_skip_select(base, store):
    since = START + dt.timedelta(hours=12)
    params = {
        "$filter": f"Datastream/id eq '{STREAM}' and phenomenonTime ge {since:%Y-%m-%dT%H:%M:%SZ} and phenomenonTime lt 2026-05-01T13:00:00Z",
        "$orderby": "phenomenonTime desc",
        "$select": "result,phenomenonTime",
        "$count": "true",
        "$skip": "1",
        "$top": "2",
    }
    page = doc(base + "/v1.1/Observations", params)
    want = store.readings(since, since + dt.timedelta(hours=1), "demo:wetter-a", "temperature").sort("ts", descending=True)
    assert page["@iot.count"] == want.height == 6
    assert [set(o) for o in page["value"]] == [{"result", "phenomenonTime"}] * 2
    assert [o["result"] for o in page["value"]] == want["value"].to_list()[1:3]
    one = page["value"][0]
    by_id = doc(base + "/v1.1/Observations", {"$filter": f"id eq '{STREAM}:{int(want['ts'][1].timestamp() * 1e6)}'"})
    assert [o["result"] for o in by_id["value"]] == [one["result"]]
    things = doc(base + "/v1.1/Things", {"$filter": "properties/theme eq 'water'", "$select": "id,name"})
    assert things["value"] == [{"@iot.id": "demo:pegel-d", "name": "Pegel D"}]


def test_expand_nests_with_its_own_options_and_paging(base):
    params = {
        "$expand": "Locations,Datastreams($filter=ObservedProperty/id eq 'temperature';$expand=Observations($orderby=phenomenonTime desc;$top=3;$count=true))"
    }
    thing = doc(f"{base}/v1.1/Things('demo:wetter-a')", params)
    assert thing["Locations"][0]["location"] == {"type": "Point", "coordinates": [7.77, 51.44]}
    [ds] = thing["Datastreams"]
    assert len(ds["Observations"]) == 3 and ds["Observations@iot.count"] == 288
    newest = doc(ds["Observations@iot.nextLink"])
    assert newest["value"][0]["phenomenonTime"] < ds["Observations"][-1]["phenomenonTime"]
    latest = doc(base + "/v1.1/Datastreams", {"$expand": "Observations($orderby=phenomenonTime desc;$top=1)", "$top": "100"})
    assert all(len(d["Observations"]) == 1 for d in latest["value"])


def test_rollups_are_observations_of_buckets(base, store):
    page = doc(f"{base}/v1.1/Datastreams('{STREAM}')/Observations", {"resolution": "1h", "$top": "100"})
    want = store.rollup("1h", station_ids="demo:wetter-a", quantities="temperature")
    assert [o["result"] for o in page["value"]] == want["value"].to_list()
    first = page["value"][0]
    assert first["phenomenonTime"] == "2026-05-01T00:00:00Z/2026-05-01T01:00:00Z"
    assert first["parameters"]["n"] == 6 and first["parameters"]["aggregation"] == "mean"
    assert doc(first["@iot.selfLink"])["result"] == first["result"]
    daily = doc(f"{base}/v1.1/Datastreams('{STREAM}')/Observations", {"resolution": "1d"})
    assert daily["value"][0]["phenomenonTime"] == "2026-04-30T22:00:00Z/2026-05-01T22:00:00Z"  # a local day


def test_hostile_station_names_stay_data(base):
    thing = doc(f"{base}/v1.1/Things('demo:laerm-b')")
    assert thing["name"] == HOSTILE
    _, headers, body = get(f"{base}/v1.1/Things('demo:laerm-b')")
    assert b"<script>" in body and headers["content-type"] == "application/json; charset=utf-8"  # JSON text, never HTML
    assert doc(f"{base}/v1.1/Things('demo:laerm-b')/Datastreams")["value"][0]["name"].startswith(HOSTILE)


@pytest.mark.parametrize(
    ("path", "params", "words"),
    [
        ("/v1.1/Things", {"$resultFormat": "dataArray"}, "not supported"),
        ("/v1.1/Things", {"$top": "-1"}, "$top"),
        ("/v1.1/Things", {"$filter": "name eq 'a' or name eq 'b'"}, "'and' only"),
        ("/v1.1/Things", {"$filter": "substringof('a', name)"}, "'and' only"),
        ("/v1.1/Things", {"$filter": "colour eq 'red'"}, "cannot filter Things"),
        ("/v1.1/Things", {"$orderby": "name sideways"}, "$orderby"),
        ("/v1.1/Things", {"$select": "password"}, "cannot $select"),
        ("/v1.1/Things", {"$expand": "Datastreams($expand=Observations($expand=Datastream))"}, "levels at most"),
        ("/v1.1/Things", {"$expand": "Secrets"}, "no navigation property"),
        ("/v1.1/Observations", {"$filter": "phenomenonTime ge yesterday"}, "ISO 8601"),
        ("/v1.1/Observations", {"resolution": "5m"}, "resolution must be"),
        ("/v1.1/FeaturesOfInterest", {}, "unknown entity set"),
        ("/v1.1/Things('demo:wetter-a')/Datastreams('x')/Observations", {}, "navigation property"),
        ("/v1.1/Things(demo)", {}, "quoted string"),
    ],
)
def test_unsupported_requests_answer_400_with_a_message(base, path, params, words):
    status, headers, body = get(base + path, params)
    assert status == 400 and headers["content-type"].startswith("application/json")
    message = json.loads(body)["error"]["message"]
    assert words in message and "Traceback" not in message


def test_missing_entities_answer_404(base):
    status, _, body = get(f"{base}/v1.1/Things('demo:nope')")
    assert status == 404 and "demo:nope" in json.loads(body)["error"]["message"]


def test_read_only_and_cors_open_for_get(base):
    status, headers, _ = get(base + "/v1.1/Things", headers={"Origin": "https://portal.example"})
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert get(base + "/v1.1/Things", method="POST")[0] == 405
    assert get(base + "/v1.1/Things", method="DELETE")[0] == 405
    status, headers, _ = get(
        base + "/v1.1/Things", method="OPTIONS", headers={"Origin": "https://portal.example", "Access-Control-Request-Method": "POST"}
    )
    assert status == 400 and "POST" not in headers.get("access-control-allow-methods", "")


def test_each_client_address_has_its_own_rate_limit(city, store, monkeypatch):
    monkeypatch.setattr(api, "BURST", 3)
    monkeypatch.setattr(api, "RATE", 0.01)
    with serving(Starlette(routes=api.routes(Context(city, store)))) as url:
        codes = [get(url + "/api/v1.1/Sensors")[0] for _ in range(5)]
        status, headers, body = get(url + "/api/v1.1/Sensors")
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert status == 429 and int(headers["retry-after"]) >= 1 and "slow down" in json.loads(body)["error"]["message"]
