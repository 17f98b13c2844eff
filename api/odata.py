"""The OData query options SensorThings clients send, parsed into plain data; anything else is a :class:`BadRequest`.

Served: ``$top``, ``$skip``, ``$count``, ``$orderby``, ``$select``, ``$expand`` (with options,
nested at most :data:`MAX_DEPTH` deep) and ``$filter`` as comparisons joined by ``and``
(``phenomenonTime ge 2026-05-01T00:00:00Z and Datastream/id eq 'demo:x:temperature'``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_TOP = 100
MAX_TOP = 10_000  # a year of hourly values of one Datastream fits one page
MAX_DEPTH = 2  # Things → Datastreams → Observations: what FROST clients and our own adapter ask for
OPTIONS = ("$top", "$skip", "$count", "$orderby", "$select", "$expand", "$filter")
OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le")


class BadRequest(ValueError):
    """A request the API does not serve: answered 400 with this message."""


@dataclass(frozen=True)
class Comparison:
    path: str  # "phenomenonTime", "Datastream/id" …
    op: str  # one of OPERATORS
    value: str | float | dt.datetime | None


@dataclass(frozen=True)
class Query:
    top: int = DEFAULT_TOP
    skip: int = 0
    count: bool = False
    orderby: tuple[tuple[str, bool], ...] = ()  # (path, descending)
    select: tuple[str, ...] = ()
    expand: tuple[tuple[str, Query], ...] = ()  # (navigation property, its own options)
    filter: tuple[Comparison, ...] = ()
    given: Mapping[str, str] = field(default_factory=dict)  # the options as sent (for @iot.nextLink)


def parse(params: Mapping[str, str], *, depth: int = 0) -> Query:
    """A :class:`Query` from the ``$`` options of a request (or of one ``$expand`` item)."""
    unknown = [k for k in params if k.startswith("$") and k not in OPTIONS]
    if unknown:
        msg = f"query option {unknown[0]} is not supported; supported are {', '.join(OPTIONS)}"
        raise BadRequest(msg)
    return Query(
        top=min(_integer(params, "$top", DEFAULT_TOP), MAX_TOP),
        skip=_integer(params, "$skip", 0),
        count=_boolean(params.get("$count", "false")),
        orderby=_orderby(params.get("$orderby", "")),
        select=tuple(p.strip() for p in split(params.get("$select", ""), ",") if p.strip()),
        expand=_expand(params.get("$expand", ""), depth),
        filter=_filter(params.get("$filter", "")),
        given={k: v for k, v in params.items() if k.startswith("$")},
    )


def split(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside parentheses and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                msg = f"unbalanced parentheses in {text!r}"
                raise BadRequest(msg)
        elif not quoted and depth == 0 and char == sep:
            parts.append(text[start:i])
            start = i + 1
    if depth or quoted:
        msg = f"unbalanced parentheses or quotes in {text!r}"
        raise BadRequest(msg)
    return [*parts, text[start:]] if text else []


def _integer(params: Mapping[str, str], key: str, default: int) -> int:
    text = params.get(key)
    if text is None:
        return default
    if not text.strip().isdigit():
        msg = f"{key} must be a whole number >= 0, got {text!r}"
        raise BadRequest(msg)
    return int(text)


def _boolean(text: str) -> bool:
    if text.strip().lower() not in ("true", "false"):
        msg = f"$count must be true or false, got {text!r}"
        raise BadRequest(msg)
    return text.strip().lower() == "true"


def _orderby(text: str) -> tuple[tuple[str, bool], ...]:
    out = []
    for item in split(text, ","):
        words = item.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            msg = f"$orderby takes 'property [asc|desc]' items, got {item.strip()!r}"
            raise BadRequest(msg)
        out.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return tuple(out)


_ITEM = re.compile(r"^\s*([A-Za-z/]+)\s*(?:\((.*)\))?\s*$", re.S)


def _expand(text: str, depth: int) -> tuple[tuple[str, Query], ...]:
    out: list[tuple[str, Query]] = []
    for item in split(text, ","):
        match = _ITEM.match(item)
        if not match:
            msg = f"$expand item {item.strip()!r} is not a navigation property with optional (options)"
            raise BadRequest(msg)
        path, inner = match.group(1).strip("/").split("/"), match.group(2) or ""
        if depth + len(path) > MAX_DEPTH:
            msg = f"$expand reaches {MAX_DEPTH} levels at most (e.g. Datastreams($expand=Observations))"
            raise BadRequest(msg)
        options = {}
        for option in split(inner, ";"):
            key, sep, value = option.partition("=")
            if not sep:
                msg = f"$expand option {option.strip()!r} is not 'name=value'"
                raise BadRequest(msg)
            options[key.strip()] = value.strip()
        query = parse(options, depth=depth + len(path))
        for nav in reversed(path[1:]):  # Datastreams/Observations = Datastreams($expand=Observations)
            query = Query(expand=((nav, query),))
        out.append((path[0], query))
    return tuple(out)


_COMPARISON = re.compile(r"^\s*([A-Za-z@][A-Za-z@./]*)\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*$", re.S)
_AND = re.compile(r"\s+and\s+", re.I)


def _filter(text: str) -> tuple[Comparison, ...]:
    if not text.strip():
        return ()
    if re.search(r"\s(or|not)\s|^\s*not\s|\(", _without_strings(text), re.I):
        msg = "$filter serves comparisons joined by 'and' only (no or, not, functions or parentheses)"
        raise BadRequest(msg)
    out = []
    for part in _split_and(text):
        match = _COMPARISON.match(part)
        if not match:
            msg = f"$filter part {part.strip()!r} is not 'property eq|ne|gt|ge|lt|le value'"
            raise BadRequest(msg)
        path, op, literal = match.groups()
        out.append(Comparison(path.replace("@iot.id", "id"), op, _literal(literal)))
    return tuple(out)


def _without_strings(text: str) -> str:
    """``text`` with every quoted string's inside blanked, same length (so indices still fit)."""
    return re.sub(r"'(?:[^']|'')*'", lambda m: "'" + "_" * (len(m.group()) - 2) + "'", text)


def _split_and(text: str) -> list[str]:
    parts, start = [], 0
    blanked = _without_strings(text)  # same length: 'a and b' inside a string is no separator
    for match in _AND.finditer(blanked):
        parts.append(text[start : match.start()])
        start = match.end()
    return [*parts, text[start:]]


def _literal(text: str) -> str | float | dt.datetime | None:
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'"):
            msg = f"unterminated string {text!r} in $filter"
            raise BadRequest(msg)
        return text[1:-1].replace("''", "'")
    if text == "null":
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text):
        return float(text)
    return timestamp(text)


def timestamp(text: str) -> dt.datetime:
    """An ISO 8601 time with a zone (``Z`` or an offset), as aware UTC."""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        msg = f"{text!r} is neither a quoted string, a number nor an ISO 8601 time"
        raise BadRequest(msg) from None
    if moment.tzinfo is None:
        msg = f"time {text!r} needs a zone, e.g. {text}Z"
        raise BadRequest(msg)
    return moment.astimezone(dt.UTC)


def entity_id(text: str) -> str:
    """The id in ``Things('demo:x')`` or ``Things(42)``: quotes removed, ``''`` unescaped."""
    text = text.strip()
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if re.fullmatch(r"\d+", text):
        return text
    msg = f"entity id {text!r} must be a quoted string ('…') or a number"
    raise BadRequest(msg)
