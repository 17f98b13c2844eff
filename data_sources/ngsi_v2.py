"""NGSI-v2 (Orion Context Broker): entities in normalized or keyValues form, paged from /v2/entities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from core.schema import Batch
from data_sources._kit import decode_json
from data_sources.errors import FeedFormatError
from data_sources.fiware import broker, notify
from data_sources.fiware.entities import listed, parse_entities

FORMS = ("normalized", "keyValues")


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings and stations from a list of NGSI-v2 entities (or one entity), normalized or keyValues.

    Each entity is a station (``"<source>:<entity id>"``); each attribute the Smart Data Models
    table (``data_sources.fiware.sdm``) or ``config["attributes"]`` maps gives a reading.
    """
    data = decode_json(payload, what=f"ngsi_v2 source {source!r}")
    return parse_entities(listed(data, what="NGSI"), source=source, config=config)


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Current state of the configured entities (Orion keeps no history; ``since`` is not needed).

    With ``inbox`` set, the notifications the receiver filed there (``python -m data_sources.ngsi_v2
    subscribe``); the broker is then polled too only with ``poll_broker = true``.
    """
    if source_cfg.get("inbox"):
        pushed = notify.from_inbox(source_cfg, kind="ngsi_v2")
        return Batch.concat([pushed, _poll(source_cfg, session)]) if source_cfg.get("poll_broker") else pushed
    return _poll(source_cfg, session)


def _poll(source_cfg: Mapping[str, Any], session: requests.Session) -> Batch:
    form = source_cfg.get("form", "normalized")
    if form not in FORMS:
        msg = f"source {source_cfg.get('key')!r}: form must be 'normalized' or 'keyValues', got {form!r}"
        raise FeedFormatError(msg)
    # dateModified is Orion's builtin attribute: the time of entities that carry no dateObserved.
    params = {"options": "count,keyValues" if form == "keyValues" else "count", "attrs": "dateModified,*"}
    params |= broker.filters(source_cfg, {"types": "type", "ids": "id", "id_pattern": "idPattern", "q": "q"})
    url, auth = broker.url(source_cfg, "/v2/entities"), broker.headers(source_cfg, broker.V2_TENANT)
    entities = broker.pages(session, url, params=params, headers=auth, cfg=source_cfg, count_header="Fiware-Total-Count")
    return parse(entities, source=source_cfg["key"], config=source_cfg)


if __name__ == "__main__":
    raise SystemExit(notify.main("ngsi_v2"))
