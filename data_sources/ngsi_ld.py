"""NGSI-LD (Orion-LD, Scorpio, Stellio): entities in normalized, concise or keyValues form from /ngsi-ld/v1/entities.

The mapping is the one of NGSI-v2 (``data_sources.fiware.sdm.RULES``). Attribute and type names
are matched by their local name, so entities come out right whether the broker compacts them
with the Smart Data Models @context (short names) or answers with expanded URIs because no
context was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from core.schema import Batch
from data_sources._kit import decode_json
from data_sources.errors import FeedFormatError
from data_sources.fiware import broker, notify, sdm
from data_sources.fiware.entities import listed, parse_entities

FORMS = ("normalized", "concise", "keyValues")
TENANT_HEADERS = {"tenant": "NGSILD-Tenant"}
JSONLD_CONTEXT_REL = 'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'


def parse(payload: Any, *, source: str, config: Mapping[str, Any] | None = None) -> Batch:
    """Readings and stations from NGSI-LD entities: a list, one entity, or a GeoJSON FeatureCollection."""
    data = decode_json(payload, what=f"ngsi_ld source {source!r}")
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            msg = "NGSI-LD GeoJSON answer without a features list"
            raise FeedFormatError(msg)
        data = [_feature(f) for f in features]
    return parse_entities(listed(data, what="NGSI-LD"), source=source, config=config)


def _feature(feature: Any) -> Any:
    """An entity from a GeoJSON Feature (Accept: application/geo+json): id, properties, geometry as location."""
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        return feature  # counted as skipped by the entity walk
    return {"location": feature.get("geometry"), **feature["properties"], "id": feature.get("id")}


def fetch(source_cfg: Mapping[str, Any], session: requests.Session, since: datetime | None = None) -> Batch:
    """Current state of the configured entities; history comes from a temporal API or QuantumLeap.

    With ``inbox`` set, the notifications the receiver filed there (``python -m data_sources.ngsi_ld
    subscribe``); the broker is then polled too only with ``poll_broker = true``.
    """
    if source_cfg.get("inbox"):
        pushed = notify.from_inbox(source_cfg, kind="ngsi_ld")
        return Batch.concat([pushed, _poll(source_cfg, session)]) if source_cfg.get("poll_broker") else pushed
    return _poll(source_cfg, session)


def _poll(source_cfg: Mapping[str, Any], session: requests.Session) -> Batch:
    form = source_cfg.get("form", "normalized")
    if form not in FORMS:
        msg = f"source {source_cfg.get('key')!r}: form must be one of {', '.join(FORMS)}, got {form!r}"
        raise FeedFormatError(msg)
    # sysAttrs adds modifiedAt: the time of entities that carry neither observedAt nor dateObserved.
    params = {"count": "true", "options": "sysAttrs" if form == "normalized" else f"{form},sysAttrs"}
    params |= broker.filters(source_cfg, {"types": "type", "ids": "id", "id_pattern": "idPattern", "q": "q"})
    if not params.keys() & {"type", "id", "idPattern", "q"}:
        # An NGSI-LD query must name a type (or ids, or q): default to the models we can map.
        params["type"] = ",".join(sdm.TYPE_THEMES)
    headers = broker.headers(source_cfg, TENANT_HEADERS) | {"Accept": "application/json"}
    context = source_cfg.get("context")
    if context:
        # Short type and attribute names in the query resolve against this @context.
        headers["Link"] = f"<{context}>; {JSONLD_CONTEXT_REL}"
    url = broker.url(source_cfg, "/ngsi-ld/v1/entities")
    entities = broker.pages(session, url, params=params, headers=headers, cfg=source_cfg, count_header="NGSILD-Results-Count")
    return parse(entities, source=source_cfg["key"], config=source_cfg)


if __name__ == "__main__":
    raise SystemExit(notify.main("ngsi_ld"))
