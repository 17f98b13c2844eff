"""Status cards as escaped HTML: one card function for the Heute tiles, gauges, schools, rooms and trees.

Feed text (station names) is untrusted. Every ``str`` that reaches the markup here passes
``html.escape``; only fragments built in this module (an :class:`Html`) pass through as they
are. Pages show the result with ``st.html`` (sanitised by DOMPurify), never with markdown's raw
HTML switched on. Names are shortened to their place (``ui.plain``) with the whole name as the
``title=`` tooltip. Colours and icons come from ``ui.style``, the classes are styled there.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from core.views import tiles
from core.views.sentences import Count, Label, Measure, Phrase, TextKey
from core.views.tiles import Tile
from ui import plain
from ui.i18n import TEXTS, clock, number, quantity_value, t
from ui.style import TREND_ARROWS, colour, icon


class Html(str):
    """Markup built in this module: passed through where a plain ``str`` would be escaped."""


NOTHING = Html("")


def _safe(part: str) -> str:
    return part if isinstance(part, Html) else html.escape(part)


def tip(full: str | None, cut: bool) -> str:
    """A title= attribute with the whole text (up to ``plain.TOOLTIP``) when the shown text was ``cut``."""
    return f' title="{html.escape(plain.short(full, plain.TOOLTIP))}"' if cut else ""


@dataclass(frozen=True)
class Look:
    """The classes of one card size: the box, its title line and its big value."""

    box: str
    title: str
    value: str


TILE = Look("scs-tile", "scs-title", "scs-value")  # Heute and Pegel: a few big tiles in columns
SMALL = Look("scl-card", "scl-title", "scl-num")  # schools, rooms, trees: many cards in a grid


def card(
    look: Look,
    *,
    tone: str,
    title: str,
    value: str,
    arrow: str | None = None,
    place: str | None = None,
    badges: Iterable[Html] = (),
    body: Iterable[Html] = (),
    variant: str = "",
) -> Html:
    """A status box: title (and place), value (and trend arrow), badges side by side, then the body.

    ``title`` is shortened to ``plain.CARD`` (the whole of it as tooltip); ``place`` is shown as given.

    The box carries the tone as its colour (``--tone``) and as ``data-tone``; the status word and
    icon are in a :func:`badge`, so no status is told by colour alone. ``arrow`` and ``place``
    of None leave out their span; ``variant`` is one more class on the box.
    """
    e = html.escape
    box = f"{look.box} {variant}" if variant else look.box
    place_html = "" if place is None else f'<span class="scs-place">{e(place)}</span>'
    arrow_html = "" if arrow is None else f'<span class="scs-arrow">{e(arrow)}</span>'
    cut = plain.is_cut(title, plain.CARD)
    return Html(
        f'<div class="{box}" style="--tone:{colour(tone)}" data-tone="{e(tone)}">'
        f'<div class="{look.title}"{tip(title, cut)}>{e(plain.short(title, plain.CARD))}{place_html}</div>'
        f'<div class="{look.value}">{e(value)}{arrow_html}</div>'
        f"{' '.join(_safe(b) for b in badges)}{''.join(_safe(b) for b in body)}</div>"
    )


def badge(tone: str, label: str) -> Html:
    """The status word with its icon, on the colour of the box or row it sits in."""
    return Html(f'<span class="scs-badge">{html.escape(icon(tone))} {html.escape(label)}</span>')


def tag(tone: str, label: str) -> Html:
    """A word on a colour of its own, for a second fact beside the status badge (MNW/MHW band)."""
    return Html(f'<span class="scs-badge" style="--tone:{colour(tone)}">{html.escape(label)}</span>')


def stale_badge(language: str) -> Html:
    """The dashed "veraltet" mark, with the reason as hover text."""
    hint, word = html.escape(t("common.stale_hint", language)), html.escape(t("common.stale", language))
    return Html(f'<span class="scs-stale" title="{hint}">{word}</span>')


def block(css_class: str, *lines: str, tail: Html = NOTHING, full: str | None = None) -> Html:
    """A div of text lines (one under the other), with a fragment made here at its end.

    ``full``: the text before names in it were shortened, as tooltip when it differs.
    """
    tooltip = tip(full, full is not None and full != " ".join(lines))
    return Html(f'<div class="{css_class}"{tooltip}>{"<br>".join(html.escape(line) for line in lines)}{tail}</div>')


def chips(states: list[dict]) -> Html:
    """One small traffic light per room (icon on colour, room and status as hover title)."""
    out = [
        f'<span class="scl-chip" style="--tone:{colour(s["tone"])}" title="{html.escape(plain.short(s["title"], plain.TOOLTIP))}">{html.escape(icon(s["tone"]))}</span>'
        for s in states
    ]
    return Html(f'<div class="scl-chips">{"".join(out)}</div>')


def grid(cards: list[Html], min_width_rem: float = 12.5) -> Html:
    """Cards in as many columns of at least ``min_width_rem`` as the page is wide."""
    return Html(f'<div class="scl-grid" style="--w:{min_width_rem}rem">{"".join(_safe(c) for c in cards)}</div>')


def status_rows(rows: list[dict], *, title: str = "") -> Html:
    """A ranked list: name (shortened, see :func:`card`) with small print, badge (icon + word), big value.

    ``rows``: dicts with the keys name, sub, tone, label, value.
    """
    e = html.escape
    out = [
        f'<div class="scl-row" style="--tone:{colour(r["tone"])}">'
        f'<div class="scl-name"{tip(r["name"], plain.is_cut(r["name"], plain.CARD))}>{e(plain.short(r["name"], plain.CARD))}'
        f'<div class="scl-sub">{e(r["sub"])}</div></div>'
        f'{badge(r["tone"], r["label"])}<div class="scl-num">{e(r["value"])}</div></div>'
        for r in rows
    ]
    head = f'<div class="scl-head">{e(title)}</div>' if title else ""
    return Html(f'{head}<div class="scl-list">{"".join(out)}</div>')


def status_card(
    *,
    tone: str,
    title: str,
    number_text: str,
    label: str,
    lines: tuple[str, ...] = (),
    stale: bool = False,
    language: str = "de",
    extra: Html = NOTHING,
    compact: bool = False,
) -> Html:
    """A school, room or tree: title, number, badge, ``extra`` (e.g. :func:`chips`), small print (none when ``compact``)."""
    small = () if compact else tuple(block("scl-sub", line) for line in lines if line)
    return card(
        SMALL,
        tone=tone,
        title=title,
        value=number_text,
        badges=(badge(tone, label), *([stale_badge(language)] if stale else [])),
        body=(extra, *small),
        variant="scl-compact" if compact else "",
    )


def format_param(value: Any, language: str, room: int | None = None) -> str:
    """A sentence parameter as text; a plain ``str`` is a name from a feed, shortened to ``room``."""
    if isinstance(value, Measure):
        return quantity_value(value.value, value.quantity, language)
    if isinstance(value, Label):
        return value.en if language == "en" else value.de
    if isinstance(value, TextKey):
        return t(value.key, language)
    if isinstance(value, Count):
        return number(value.value, 0, language)
    if isinstance(value, Phrase):
        return words((value.key, value.params), language, room)
    return plain.short(value, room) if room and isinstance(value, str) else str(value)


def words(chosen: tuple[str, dict[str, Any]] | None, language: str, room: int | None = None) -> str:
    """The text of a (key, parameters) pair the core chose (``core.views.sentences``), names shortened to ``room``."""
    if chosen is None:
        return ""
    key, params = chosen
    return t(key, language, **{k: format_param(v, language, room) for k, v in params.items()})


def tile(tile: Tile, language: str, tz: str) -> Html:
    """A Heute tile: title, value + unit + trend arrow, status badge, sentence, the usual, small print."""
    title = t(f"tile.{tile.key}", language)
    detail = words(tiles.detail(tile), language, plain.SENTENCE)
    if tile.value is None:
        return card(TILE, tone="unknown", title=title, value="–", body=(block("scs-sentence", t("common.no_data_theme", language)),))
    label = tile.status_en if language == "en" else tile.status_de
    arrow = TREND_ARROWS[f"common.trend_{tile.trend_word}"] if tile.trend_word else ""
    as_of = t("common.as_of", language, time=clock(tile.as_of, tz, language))
    foot, full_foot = (f"{text}{' · ' if text else ''}{as_of}" for text in (detail, words(tiles.detail(tile), language)))
    sentence = block("scs-sentence", words(tiles.sentence(tile), language, plain.SENTENCE), full=words(tiles.sentence(tile), language))
    body = [sentence, usual(tile, language, tz)]
    body.append(block("scs-foot", foot, tail=stale_badge(language) if tile.stale else Html(""), full=full_foot))
    value = quantity_value(tile.value, tile.quantity or "", language)
    if tile.of is not None:  # "3 von 9" charge points
        value = t("tile.of", language, value=value, total=number(tile.of, 0, language))
    return card(
        TILE,
        tone=tile.tone,
        title=title,
        value=value,
        arrow=arrow,
        badges=(badge(tile.tone, label),),
        body=body,
    )


def usual(tile: Tile, language: str, tz: str) -> Html:
    """ "Üblich um 11 Uhr: 6,1 °C (+1,2 °C)": today against the same hour of the last 14 days."""
    if tile.usual is None or tile.value is None or tile.as_of is None:
        return Html("")
    local = tile.as_of.astimezone(ZoneInfo(tz))
    delta = tile.value - tile.usual
    quantity = tile.quantity or ""
    shown = quantity_value(abs(delta), quantity, language)
    # the sign of what is shown: a difference that rounds to nothing is "±0", never "−0"
    sign = "±" if shown == quantity_value(0.0, quantity, language) else "+" if delta > 0 else "−"
    value, delta_text = quantity_value(tile.usual, quantity, language), sign + shown
    own = f"tile.{tile.key}.usual"  # a theme whose usual is of this weekday says so ("Üblich mittwochs um 11 Uhr")
    weekday = t(f"weekdays.{local.isoweekday()}", language) if own in TEXTS else ""
    text = t(own if own in TEXTS else "tile.usual", language, hour=local.hour, weekday=weekday, value=value, delta=delta_text)
    return block("scs-usual", text)
