"""Every text is text: feed names and URL parameters shortened to fit, escaped for plotly, markdown and tooltips.

Station names, districts and error texts come from feeds, URL parameters from whoever typed
the address: both are untrusted. Plotly renders a subset of HTML (links!) in titles, legends,
tick labels and hover text and reads ``%{…}`` in hover templates as its own syntax; Streamlit's
markdown (st.warning, st.error, st.info, st.caption) makes links, icons, emoji, colours and
LaTeX. The functions here turn such text into text for each of them; HTML cards escape in
``ui.cards``, pydeck tooltips are plain text already (deck.gl's text mode).

A name longer than its place has room for ends in "…" (:func:`short`), with the whole name in
a tooltip: the ``title=`` of a card, the hover text of a chart (:func:`hover`).
"""

from __future__ import annotations

import html
import re
import textwrap

import polars as pl

ELLIPSIS = "…"
# How many characters of a name each place has room for (cards wrap what is left at any
# character, see ui.style, so a long word cannot widen them either).
CARD = 48  # the title of a card or ranked row: gauge, school, room, tree, hottest place
SENTENCE = 40  # a name inside a sentence: Heute tiles, leads, the Pegel banner
LEGEND = 32  # a chart's legend entry or bar label
TITLE = 60  # a chart's title
OPTION = 48  # a choice in a select box or multiselect
TABLE = 60  # a name column of a table shown on the page (downloads keep the whole name)
URL = 40  # a URL parameter quoted back in a message
DISTRICT = 32  # a district label on a map, a district in small print
TOOLTIP = 300  # hover text and title= attributes: the whole name, unless it is absurd
HOVER_LINE = 60  # a hover label wraps at this many characters (plotly does not wrap by itself)

_SPACE = re.compile(r"\s+")
# Markdown specials (and "&", which starts an entity): a backslash makes each a plain character.
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-=.!|~$&"})
# Streamlit's markdown also links bare URLs, "www." and e-mail addresses and reads ":smile:",
# ":material/…:" and ":red[…]": a word joiner (invisible, no line break) after ":" and "@" and
# inside "www." leaves them plain text.
_JOINER = "\u2060"
_WWW = re.compile(r"(w)(ww)(\\?\.)", re.IGNORECASE)


def short(text: str | None, room: int) -> str:
    """``text`` on one line, at most ``room`` characters: cut with "…" when it is longer.

    >>> short("Hönne   Menden\\nMitte", 40), short("Gesamtschule Lendringsen", 12)
    ('Hönne Menden Mitte', 'Gesamtschul…')
    """
    line = _SPACE.sub(" ", text or "").strip()
    return line if len(line) <= room else line[: room - 1].rstrip() + ELLIPSIS


def column(name: str, room: int) -> pl.Expr:
    """:func:`short` for a table column of names, as one polars expression (named ``name``)."""
    line = pl.col(name).str.replace_all(r"\s+", " ").str.strip_chars()
    cut = line.str.slice(0, room - 1).str.strip_chars_end() + ELLIPSIS
    return pl.when(line.str.len_chars() > room).then(cut).otherwise(line).alias(name)


def is_cut(text: str | None, room: int) -> bool:
    """True when :func:`short` would cut ``text`` (so the whole of it belongs in a tooltip)."""
    return short(text, room) != _SPACE.sub(" ", text or "").strip()


def markdown(text: str) -> str:
    """Text for st.warning/st.error/st.info/st.caption: no link, image, icon, emoji, colour or LaTeX.

    >>> markdown("[Klick](https://x.example)")
    '\\\\[Klick\\\\]\\\\(https:\\u2060//x\\\\.example\\\\)'
    """
    # one line: a line break could start a heading, a list or a code block
    escaped = _SPACE.sub(" ", text).translate(_MARKDOWN).replace(":", ":" + _JOINER).replace("@", "@" + _JOINER)
    return _WWW.sub(rf"\1{_JOINER}\2\3", escaped)


def plotly(text: str | None, room: int | None = None) -> str:
    """Text for a plotly title, legend entry, tick label, annotation or hover template.

    Escaped HTML, so ``<a href>`` shows as written; "%" as its HTML entity, so a name with
    ``%{y}`` stays text in a hover template (plotly turns the entity back into "%"). Quotes
    stay: without "<" there is no tag for them to matter in, and plotly knows no ``&quot;``.
    ``room``: shortened first (:func:`short`).

    >>> plotly('<a href="x">%{y}</a>'), plotly("Gesamtschule Lendringsen", 12)
    ('&lt;a href="x"&gt;&#37;{y}&lt;/a&gt;', 'Gesamtschul…')
    """
    shown = short(text, room) if room else text or ""
    return html.escape(shown, quote=False).replace("%", "&#37;")


def hover(text: str | None) -> str:
    """The whole name (up to :data:`TOOLTIP`) for plotly hover text, wrapped into lines.

    >>> hover("Walburgisgymnasium Raum 101")
    'Walburgisgymnasium Raum 101'
    """
    lines = textwrap.wrap(short(text, TOOLTIP), HOVER_LINE, break_long_words=True) or [""]
    return "<br>".join(plotly(line) for line in lines)


def tooltip(text: str | None) -> str:
    """The whole name (up to :data:`TOOLTIP`) for a plain-text tooltip (pydeck), wrapped into lines."""
    return "\n".join(textwrap.wrap(short(text, TOOLTIP), HOVER_LINE, break_long_words=True))
