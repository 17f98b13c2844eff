"""FIWARE notifications: the broker pushes changed entities to the webhook receiver, which files them into
the source's inbox; ``fetch`` reads them with the mapping of polls; ``subscribe`` creates or renews the
subscription on the broker (NGSI-v2 ``/v2/subscriptions``, NGSI-LD ``/ngsi-ld/v1/subscriptions``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from core.schema import Batch
from data_sources import http, inbox
from data_sources._kit import iso_utc, text
from data_sources.errors import FeedError, FeedFormatError
from data_sources.fiware import broker, sdm
from data_sources.fiware.entities import parse_entities

TOKEN_HEADER, TOKEN_ENV = "X-Showroom-Token", "SHOWROOM_WEBHOOK_TOKEN"  # as data_sources.receiver
RENEW_DAYS = 30  # a subscription expires this long after each renewal: run ``subscribe`` from cron, e.g. weekly
MARK = "showroom:{key}"  # the description by which a v2 subscription is found again


def entities(body: Any, *, kind: str) -> list:
    """The entities of one notification; FeedFormatError when the body is not a notification of ``kind``.

    NGSI-v2: ``{"subscriptionId": …, "data": [entities]}`` (normalized or keyValues, the
    subscription's ``attrsFormat``); NGSI-LD: ``{"type": "Notification", "data": [entities], "notifiedAt": …}``.
    An entity without any time of its own takes the notification's (LD ``notifiedAt``).
    """
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        msg = f"not an {'NGSI-LD' if kind == 'ngsi_ld' else 'NGSI-v2'} notification (no data list)"
        raise FeedFormatError(msg)
    if kind == "ngsi_ld" and body.get("type") != "Notification":
        msg = "not an NGSI-LD notification (type is not 'Notification')"
        raise FeedFormatError(msg)
    if kind == "ngsi_v2" and (not isinstance(body.get("subscriptionId"), str) or body.get("type") == "Notification"):
        msg = "not an NGSI-v2 notification (no subscriptionId, or an NGSI-LD one)"
        raise FeedFormatError(msg)
    notified = text(body.get("notifiedAt"))
    if not notified:
        return body["data"]
    return [{"modifiedAt": notified, **e} if isinstance(e, dict) and not e.keys() & set(sdm.MODIFIED_ATTRS) else e for e in body["data"]]


def from_inbox(source_cfg: Mapping[str, Any], *, kind: str) -> Batch:
    """Every notification the receiver filed (see ``data_sources.inbox``), mapped like a poll.

    A v2 entity without any time (keyValues without ``dateModified``) takes the notification's arrival.
    Broken notifications are set aside in ``bad/`` and counted once.
    """
    folder = inbox.directory(source_cfg)
    found, skipped = [], 0
    for event in inbox.claim(folder, keep_s=inbox.keep_seconds(source_cfg), stored_through=source_cfg.get("stored_through")):
        try:
            listed = entities(json.loads(event.body), kind=kind)
        except (ValueError, RecursionError, FeedFormatError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            inbox.quarantine(folder, event.name)
            skipped += event.first
            continue
        arrived = iso_utc(event.arrived)
        found.extend(
            {"dateModified": arrived, **e} if isinstance(e, dict) and not e.keys() & set(sdm.MODIFIED_ATTRS) else e for e in listed
        )
    batch = parse_entities(found, source=source_cfg["key"], config=source_cfg)
    return Batch(readings=batch.readings, stations=batch.stations, skipped=batch.skipped + skipped, levels=batch.levels)


def subscription(source_cfg: Mapping[str, Any], *, kind: str, notify_url: str, token: str, now: datetime | None = None) -> dict:
    """The subscription body for the source's entity types (``types``, else every type the mapping knows)."""
    now = now or datetime.now(UTC)
    types = source_cfg.get("types") or list(sdm.TYPE_THEMES)
    types = [types] if isinstance(types, str) else [str(t) for t in types]
    expires = iso_utc(now + timedelta(days=RENEW_DAYS))
    description = MARK.format(key=source_cfg["key"])
    if kind == "ngsi_v2":
        form = source_cfg.get("form", "normalized")
        return {
            "description": description,
            "subject": {"entities": [{"idPattern": ".*", "type": t} for t in types]},
            "notification": {
                "httpCustom": {"url": notify_url, "headers": {TOKEN_HEADER: token}},
                "attrsFormat": "keyValues" if form == "keyValues" else "normalized",
                "attrs": ["*", "dateModified"],  # dateModified: the time of entities that carry no dateObserved
            },
            "expires": expires,
            "status": "active",
        }
    form = source_cfg.get("form", "normalized")
    body = {
        "id": f"urn:ngsi-ld:Subscription:{description.replace(':', '-')}",
        "type": "Subscription",
        "description": description,
        "entities": [{"type": t} for t in types],
        "notification": {
            "format": form if form in ("normalized", "keyValues", "concise") else "normalized",
            "sysAttrs": True,  # modifiedAt: the time of entities that carry no observedAt
            "endpoint": {"uri": notify_url, "accept": "application/json", "receiverInfo": [{"key": TOKEN_HEADER, "value": token}]},
        },
        "expiresAt": expires,
        "isActive": True,
    }
    if source_cfg.get("context"):
        body["@context"] = source_cfg["context"]
    return body


def subscribe(source_cfg: Mapping[str, Any], session: requests.Session, *, kind: str, notify_url: str, token: str) -> str:
    """Create the source's subscription, or renew the one made before (found by id or description); its id."""
    body = subscription(source_cfg, kind=kind, notify_url=notify_url, token=token)
    if kind == "ngsi_v2":
        headers = broker.headers(source_cfg, broker.V2_TENANT)
        base = broker.url(source_cfg, "/v2/subscriptions")
        listed = http.request(session, base, params={"limit": "1000"}, headers=headers, timeout=_timeout(source_cfg)).json()
        mine = (
            [s for s in listed if isinstance(s, dict) and s.get("description") == body["description"]] if isinstance(listed, list) else []
        )
        if mine:
            sub_id = str(mine[0].get("id"))
            http.request(session, f"{base}/{sub_id}", method="PATCH", headers=headers, json_body=body, timeout=_timeout(source_cfg))
            return sub_id
        reply = http.request(session, base, method="POST", headers=headers, json_body=body, timeout=_timeout(source_cfg))
        location = broker.header(reply, "Location") or ""
        return location.rstrip("/").rsplit("/", 1)[-1] or "?"
    from data_sources.ngsi_ld import TENANT_HEADERS  # the LD adapter's header names

    headers = broker.headers(source_cfg, TENANT_HEADERS) | {
        "Content-Type": "application/ld+json" if "@context" in body else "application/json"
    }
    base = broker.url(source_cfg, "/ngsi-ld/v1/subscriptions")
    known = http.request(session, f"{base}/{body['id']}", headers=headers, timeout=_timeout(source_cfg), accept=(404,))
    if known.status == 404:
        http.request(session, base, method="POST", headers=headers, json_body=body, timeout=_timeout(source_cfg))
    else:
        patch = {k: v for k, v in body.items() if k not in ("id", "type")}
        http.request(session, f"{base}/{body['id']}", method="PATCH", headers=headers, json_body=patch, timeout=_timeout(source_cfg))
    return body["id"]


def _timeout(cfg: Mapping[str, Any]) -> float | None:
    from data_sources._kit import timeout

    return timeout(cfg)


def main(kind: str, argv: list[str] | None = None) -> int:
    """``python -m data_sources.<kind> subscribe --notify-url https://…/<key>``: create or renew subscriptions."""
    from core.config import ConfigError, load_config

    parser = argparse.ArgumentParser(prog=f"python -m data_sources.{kind}", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("subscribe", help="create or renew the notification subscription of each configured source")
    sub.add_argument("--config", help="city TOML (default: SHOWROOM_CONFIG or the bundled demo)")
    sub.add_argument("--source", action="append", help="only this source key (repeatable)")
    sub.add_argument("--notify-url", help="the receiver's public URL without the source path, e.g. https://showroom.example/hooks")
    sub.add_argument("--token-env", default=TOKEN_ENV, help=f"env var of the receiver's token (default {TOKEN_ENV})")
    args = parser.parse_args(argv)
    token = os.environ.get(args.token_env, "")
    if not token:
        parser.error(f"set the receiver's token in the environment variable {args.token_env}")
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    chosen = [s for s in config.sources if s["kind"] == kind and (not args.source or s["key"] in args.source)]
    if not chosen:
        parser.error(f"no {kind} source to subscribe for")
    session, failed = http.make_session(), 0
    for src in chosen:
        base = src.get("notify_url") or args.notify_url
        if not base:
            print(f"error: source {src['key']}: give --notify-url or set notify_url", file=sys.stderr)
            failed += 1
            continue
        url = base if src.get("notify_url") else f"{base.rstrip('/')}/{src['key']}"
        try:
            sub_id = subscribe(src, session, kind=kind, notify_url=url, token=token)
        except FeedError as exc:
            print(f"error: source {src['key']}: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{src['key']}: subscription {sub_id} notifies {http.safe_url(url)} until {RENEW_DAYS} days from now")
    return 1 if failed else 0
