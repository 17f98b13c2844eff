"""LoRaWAN over MQTT (The Things Stack, ChirpStack v4): the bridge files uplinks into the inbox, fetch reads them.

A ``kind = "mqtt"`` source is a webhook source whose sender is a broker: the bridge
(``data_sources.bridge``, started by the ingest runner or ``python -m data_sources.mqtt``)
subscribes and writes every message into the source's inbox before it acknowledges it;
``fetch`` reads that inbox with the decoders of the ``ttn`` or ``chirpstack`` kind and their
per-device settings (``devices``, ``profiles``). After the bridge lost its broker, a TTN source
with ``application_id`` also asks the Storage Integration for the gap (QoS 0 loses messages).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from core.config import parse_duration
from core.schema import Batch
from data_sources import chirpstack, inbox, ttn
from data_sources.errors import FeedFormatError
from data_sources.lorawan.uplink import Uplink, from_inbox, parse_payload

PORTS = {"mqtt": 1883, "mqtts": 8883}
GAPS = "gaps"  # <inbox>/gaps/: outages of the bridge that a TTN source still has to backfill
BACKFILL_MARGIN_S = 60.0  # asked for this much before the connection was lost (clocks, in-flight messages)


@dataclass(frozen=True)
class Format:
    """What one network server sends: its default uplink topic, how an uplink topic ends, its envelope reader."""

    topic: str  # with {username} / {application_id}
    uplink_suffix: str
    extract: Callable[[dict, datetime | None], Uplink | None]


FORMATS = {
    "ttn": Format("v3/{username}/devices/+/up", "/up", ttn.uplink_of),
    "chirpstack": Format("application/{application_id}/device/+/event/up", "/event/up", chirpstack.uplink_of),
}


@dataclass(frozen=True)
class Settings:
    """A source's broker settings, checked once (a mistake is a FeedFormatError naming the key)."""

    key: str
    format: str
    host: str
    port: int
    tls: bool
    topic: str
    username: str | None
    client_id: str
    qos: int
    protocol: str  # "3.1.1" (The Things Stack speaks only this) or "5"
    session_expiry_s: int  # MQTT 5: how long the broker keeps the session (and queued messages) while we are away
    keepalive: int
    ca_file: str | None
    inbox: Path

    @property
    def uplink_suffix(self) -> str:
        return FORMATS[self.format].uplink_suffix


def _fail(key: Any, what: str, got: Any) -> FeedFormatError:
    return FeedFormatError(f"source {key!r}: {what}, got {got!r}")


def settings(source_cfg: Mapping[str, Any]) -> Settings:
    """The broker settings of an ``mqtt`` source (see docs/mqtt.md for every key)."""
    key = source_cfg.get("key")
    fmt = source_cfg.get("format", "ttn")
    if fmt not in FORMATS:
        raise _fail(key, f"format must be one of {', '.join(FORMATS)}", fmt)
    url = source_cfg.get("url")
    parts = urlsplit(str(url)) if isinstance(url, str) else None
    if parts is None or parts.scheme not in PORTS or not parts.hostname:
        raise _fail(key, "url must look like mqtt://host:1883 or mqtts://host:8883", url)
    if parts.username or parts.password:
        raise _fail(key, "url must not carry credentials: set username and name the password's env var in api_key_env", "…")
    try:
        port = parts.port or PORTS[parts.scheme]
    except ValueError:
        raise _fail(key, "url has a port that is not a number", url) from None
    username = source_cfg.get("username")
    if username is not None and (not isinstance(username, str) or not username):
        raise _fail(key, "username must be a non-empty string", username)
    application_id = source_cfg.get("application_id")
    if fmt == "ttn" and not username and not source_cfg.get("topic"):
        raise _fail(key, "a The Things Stack source needs username = '{application id}@{tenant id}' (or a topic)", username)
    topic = source_cfg.get("topic") or FORMATS[fmt].topic.format(username=username, application_id=application_id or "+")
    if not isinstance(topic, str) or not topic or "#" in topic[:-1] or "\0" in topic:
        raise _fail(key, "topic must be an MQTT topic filter ('#' only at the end)", topic)
    qos = source_cfg.get("qos", 1)
    if qos not in (0, 1) or isinstance(qos, bool):
        raise _fail(key, "qos must be 0 or 1 (The Things Stack grants 0, ChirpStack and mosquitto 1)", qos)
    protocol = str(source_cfg.get("protocol", "3.1.1"))
    if protocol not in ("3.1.1", "5"):
        raise _fail(key, "protocol must be '3.1.1' or '5'", protocol)
    expiry = source_cfg.get("session_expiry", "1d")
    try:
        expiry_s = int(parse_duration(str(expiry)))
    except ValueError:
        raise _fail(key, "session_expiry must be a duration like '1d'", expiry) from None
    keepalive = source_cfg.get("keepalive", 60)
    if isinstance(keepalive, bool) or not isinstance(keepalive, int) or not 5 <= keepalive <= 3600:
        raise _fail(key, "keepalive must be whole seconds between 5 and 3600", keepalive)
    ca_file = source_cfg.get("ca_file")
    if ca_file is not None:
        path = Path(str(ca_file))
        ca_file = str(path if path.is_absolute() else Path(source_cfg.get("config_dir") or ".") / path)
    client_id = source_cfg.get("client_id") or f"showroom-{key}"
    if not isinstance(client_id, str) or len(client_id.encode("utf-8")) > 65535:
        raise _fail(key, "client_id must be a string", client_id)
    return Settings(
        key=str(key),
        format=fmt,
        host=parts.hostname,
        port=port,
        tls=parts.scheme == "mqtts",
        topic=topic,
        username=username,
        client_id=client_id,
        qos=qos,
        protocol=protocol,
        session_expiry_s=expiry_s,
        keepalive=keepalive,
        ca_file=ca_file,
        inbox=inbox_dir(source_cfg),
    )


def inbox_dir(source_cfg: Mapping[str, Any]) -> Path:
    """The source's inbox: ``inbox`` if set, else ``inbox/<key>`` next to the config file."""
    folder = inbox.directory({**source_cfg, "inbox": source_cfg.get("inbox") or f"inbox/{source_cfg.get('key')}"})
    return folder.absolute()  # absolute: handed on as ``inbox``, it must not be joined to config_dir again


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Canonical rows from one MQTT message (or several) of the source's ``format`` (default ``ttn``)."""
    fmt = (config or {}).get("format", "ttn")
    if fmt not in FORMATS:
        raise _fail(source, f"format must be one of {', '.join(FORMATS)}", fmt)
    return parse_payload(payload, FORMATS[fmt].extract, source=source, config=config)


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """What the bridge filed into the inbox, plus (TTN with ``application_id``) the Storage Integration's
    uplinks of any outage the bridge recorded."""
    # Polled on every burst, so events are not re-read for minutes as webhooks are: an event is dropped as
    # soon as a poll that began after its arrival was stored (``stored_through``), having been handed out twice.
    cfg = {"inbox_keep": 0, **source_cfg, "inbox": str(inbox_dir(source_cfg))}
    fmt = settings(cfg).format
    pushed = from_inbox(cfg, FORMATS[fmt].extract)
    if fmt != "ttn" or not cfg.get("application_id"):
        return pushed
    return Batch.concat([pushed, _backfill(cfg, session)])


def record_gap(folder: Path, lost: float, back: float) -> None:
    """Note an outage (epoch seconds) for the next fetch to backfill; atomic like an inbox event."""
    gaps = folder / GAPS
    gaps.mkdir(parents=True, exist_ok=True)
    _write_json(gaps / f"{int(lost * 1e9):020d}.json", {"lost": lost, "back": back})


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _backfill(cfg: Mapping[str, Any], session: requests.Session) -> Batch:
    """Stored uplinks since the oldest open outage. A gap file is removed once a poll that began after
    its backfill was stored (``stored_through``), so a failed store asks again; a failed request raises."""
    gaps = Path(cfg["inbox"]) / GAPS
    stored_through = cfg.get("stored_through")
    todo = []
    for path in sorted(gaps.glob("*.json")) if gaps.is_dir() else ():
        try:
            gap = json.loads(path.read_text(encoding="utf-8"))
            lost, tried = float(gap["lost"]), gap.get("tried")
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # a torn or foreign file: nothing to backfill from it
            continue
        if tried is not None and stored_through is not None and float(tried) < float(stored_through):
            path.unlink(missing_ok=True)
            continue
        todo.append((path, gap, lost))
    if not todo:
        return Batch.empty()
    after = datetime.fromtimestamp(min(lost for _, _, lost in todo) - BACKFILL_MARGIN_S, tz=UTC)
    storage = {k: v for k, v in cfg.items() if k != "inbox"}
    batch = ttn.fetch(storage, session, since=after)
    now = time.time()
    for path, gap, _ in todo:
        if gap.get("tried") is None:
            _write_json(path, {**gap, "tried": now})
    return batch


def main(argv: list[str] | None = None) -> int:
    """``python -m data_sources.mqtt --config city.toml``: run the bridges of every mqtt source."""
    from data_sources import bridge  # the bridge needs paho-mqtt; parse and fetch do not

    return bridge.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
