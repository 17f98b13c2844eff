"""Hostile feed text and URL parameters through AppTest: no links in charts or notices, long names shortened.

The names come from ``tests.pages.hostile``: a school named with ``<a href>``, names with
plotly's ``%{…}`` template syntax and markdown links, and 10,000-character names.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import hostile
from tests.pages.apptest import run
from ui import plain

LINK_SCHOOL = hostile.LINK


@pytest.fixture
def hostile_store(app_env, demo_copy, tmp_path, monkeypatch):
    hostile.rename(demo_copy)
    app_env(demo_copy)
    monkeypatch.setenv("SHOWROOM_CONFIG", str(hostile.at_level_3(tmp_path)))
    return demo_copy


def strings(node) -> list[str]:
    """Every string in a JSON document."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return []


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def html_of(at: AppTest) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def visible(markup: str) -> str:
    """Markup without its title= attributes (the tooltips that keep whole names)."""
    return re.sub(r'title="[^"]*"', "", markup)


def assert_text_only(figs: list[dict]) -> None:
    texts = [s for fig in figs for s in strings(fig)]
    assert texts
    assert not [s for s in texts if "<a" in s.lower()], "a feed name became a link in a chart"
    assert not [s for s in texts if "%{x|%Y}" in s], "a feed name became a plotly template reference"


@pytest.mark.parametrize(
    ("params", "charts"),
    [
        ({"kiosk": "1"}, 1),
        ({}, 1),
        ({"school": "Walburgisgymnasium"}, 2),
        ({"school": LINK_SCHOOL}, 2),
    ],
)
def test_defect_5_school_names_stay_text_in_charts(hostile_store, params, charts):
    at = run("pages/schulen.py", **params)
    assert not at.exception, at.exception
    figs = figures(at)
    assert len(figs) == charts
    assert_text_only(figs)
    shown = [s for fig in figs for s in strings(fig)]
    assert any('&lt;a href="https://evil.example/' in s for s in shown)  # shown as written, as text


def test_defect_5_station_names_stay_text_in_stadtklima_charts(hostile_store):
    at = run("pages/stadtklima.py")
    at.selectbox(key="climate_place").set_value("demo:wetter-rathaus").run()
    assert not at.exception, at.exception
    figs = figures(at)
    assert len(figs) >= 2  # the day curves of the chosen place and the young trees' soil
    assert_text_only(figs)
    titles = [fig["layout"]["title"]["text"] for fig in figs]
    assert any('&lt;a href="https://evil.example/k"&gt;Rathaus' in title for title in titles)


def test_defect_6_url_parameters_are_not_markdown(app_env, demo_copy):
    app_env(demo_copy)
    at = run("pages/heute.py", scenario=hostile.MARKDOWN)
    assert not at.exception
    [warning] = at.warning
    assert "Jetzt hier klicken" in warning.value
    assert not re.search(r"(?<!\\)[\[\]()]", warning.value.split("„", 1)[1].split("“", 1)[0]), warning.value
    assert "https://" not in warning.value  # a bare address would be linked too
    at = run("pages/heute.py", scenario="x" * 10_000, speed="60")
    assert not at.exception and len(at.warning[0].value) < 400


def test_defect_8_long_names_are_shortened_on_heute_with_the_whole_name_as_tooltip(hostile_store):
    for params in ({}, {"kiosk": "1"}):
        markup = html_of(run("pages/heute.py", **params))
        assert "X" * plain.SENTENCE not in visible(markup)
        assert "XXXX…" in visible(markup)
        assert 'title="' in markup and "X" * 100 in markup  # the tooltip keeps (much) more of it


def test_defect_8_long_names_are_shortened_on_pegel_cards_banner_and_charts(hostile_store):
    for params in ({}, {"kiosk": "1"}):
        at = run("pages/pegel.py", **params)
        assert not at.exception, at.exception
        assert "X" * plain.CARD not in visible(html_of(at))
        [alarm] = at.error  # the long-named gauge is past level 3
        assert "XXXX…" in alarm.value and len(alarm.value) < 400
        for fig in figures(at):
            assert len(html.unescape(fig["layout"]["title"]["text"])) <= plain.TITLE


def test_defect_8_long_names_are_shortened_in_school_and_climate_charts(hostile_store):
    for page, params in (("pages/schulen.py", {}), ("pages/schulen.py", {"school": "Walburgisgymnasium"}), ("pages/stadtklima.py", {})):
        at = run(page, **params)
        assert not at.exception, at.exception
        assert "X" * plain.CARD not in visible(html_of(at))
        for fig in figures(at):
            names = [trace.get("name", "") for trace in fig["data"]]
            assert all(len(html.unescape(name)) <= plain.LEGEND for name in names), names
            ticks = fig["layout"].get("yaxis", {}).get("ticktext") or []
            assert all(len(html.unescape(tick)) <= plain.LEGEND for tick in ticks)
            for trace in fig["data"]:  # bar categories keep the whole name (up to the tooltip length)
                if trace.get("type") == "bar":
                    assert all(len(html.unescape(y.replace("<br>", ""))) <= plain.TOOLTIP for y in trace["y"])


def test_defect_8_tables_show_long_names_shortened(hostile_store):
    names = run("pages/karte.py").dataframe[0].value["Station"]
    assert max(len(name) for name in names) <= plain.TABLE and any(name.endswith("…") for name in names)
    at = run("pages/stadtklima.py")
    assert not at.exception and all(len(name) <= plain.TABLE for name in at.dataframe[0].value["Station"])


@pytest.mark.parametrize("params", [{}, {"kiosk": "1"}, {"lang": "en"}])
def test_verkehr_names_stay_text_and_short_in_charts_rows_and_cards(hostile_store, params):
    at = run("pages/verkehr.py", **params)
    assert not at.exception, at.exception
    figs = figures(at)
    assert len(figs) == (3 if params.get("kiosk") else 5)
    assert_text_only(figs)
    shown = [s for fig in figs for s in strings(fig)]
    assert any('&lt;a href="https://evil.example/' in s for s in shown)  # shown as written, as text
    for fig in figs:
        assert len(html.unescape(fig["layout"]["title"]["text"])) <= plain.TITLE + 40  # the name part is cut to plain.TITLE
        assert all(len(html.unescape(trace.get("name", ""))) <= plain.LEGEND for trace in fig["data"])
        ticks = fig["layout"].get("yaxis", {}).get("ticktext") or []
        assert all(len(html.unescape(tick)) <= plain.LEGEND for tick in ticks)
    markup = html_of(at)
    assert "X" * plain.CARD not in visible(markup) and "<a href" not in markup
    assert "&lt;a href=&quot;https://evil.example/v&quot;&gt;" in visible(markup)  # the counter's name, as written


def test_karte_places_and_layers_keep_feed_text_as_text(hostile_store):
    at = run("pages/karte.py")
    assert not at.exception, at.exception
    [chart] = at.get("deck_gl_json_chart")
    spec = json.loads(chart.proto.json)
    tips = [p["tooltip"] for layer in spec["layers"] if layer["id"].startswith("theme-") for p in layer["data"]]
    assert any('<a href="https://evil.example/o">Museum</a>' in tip for tip in tips)  # deck.gl's text mode shows it as written
    assert all(len(tip) < 4 * plain.TOOLTIP for tip in tips)  # 10,000 characters are cut to the tooltip's length
    assert all(max(len(line) for line in tip.split("\n")) <= 2 * plain.HOVER_LINE for tip in tips)  # and wrapped
    labels = list(at.pills(key="map_categories").options)
    assert not [label for label in labels if "](" in label and "\\]\\(" not in label], labels  # a markdown link stays text
    assert all(len(label) <= 3 * plain.OPTION for label in labels)
    places = at.dataframe[1].value
    assert all(len(v) <= plain.TABLE for column in ("Station", "Öffnungszeiten") for v in places[column].dropna())
