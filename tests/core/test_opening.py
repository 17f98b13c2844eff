"""Opening hours: the OSM/schema.org subset, days replaced by later rules, ranges past midnight, unknown syntax."""

from __future__ import annotations

import datetime as dt

import pytest

from core import opening

TUESDAY = dt.date(2026, 12, 1)


def at(day_offset: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(TUESDAY + dt.timedelta(days=day_offset), dt.time(hh, mm))


@pytest.mark.parametrize(
    ("spec", "when", "expected"),
    [
        ("Mo-Fr 08:00-18:00", at(0, 8), True),
        ("Mo-Fr 08:00-18:00", at(0, 18), False),  # the end is exclusive
        ("Mo-Fr 08:00-18:00", at(4, 12), False),  # Saturday
        ("Mo-Fr 08:00-18:00; Sa 09:00-13:00", at(4, 12), True),
        ("Mo-Fr 08:00-12:00,14:00-18:00", at(0, 13), False),
        ("Mo-Fr 08:00-12:00,14:00-18:00", at(0, 15), True),
        ("Mo-Su 08:00-18:00; Tu off", at(0, 10), False),  # a later rule replaces the day
        ("Tu-Su 10:00-17:00; Mo closed", at(-1, 11), False),
        ("Fr 22:00-02:00", at(4, 1), True),  # Saturday 01:00 belongs to Friday night
        ("Fr 22:00-02:00", at(4, 3), False),
        ("Su-Mo 10:00-11:00", at(-1, 10, 30), True),  # a day range across the week's end
        ("24/7", at(2, 3), True),
        ("10:00-20:00", at(5, 19, 59), True),  # no day selector: every day
        ("Mo-Fr 08:00-24:00", at(0, 23, 59), True),
    ],
)
def test_is_open(spec, when, expected):
    assert opening.is_open(spec, when) is expected


@pytest.mark.parametrize(
    "spec", ["Jan-Mar Mo 10:00-12:00", "Mo-Fr sunrise-sunset", "PH off", "Mo 25:00-26:00", "Mo 10-12", "<b>Mo</b>", "x" * 600, ""]
)
def test_what_is_not_understood_is_unknown_not_closed(spec):
    assert opening.is_open(spec, at(0, 10)) is None
    if spec:
        with pytest.raises(opening.OpeningHoursError):
            opening.parse(spec)


def test_none_is_unknown():
    assert opening.is_open(None, at(0, 10)) is None


def test_schema_org_specification_becomes_text_and_keeps_split_days():
    spec = [
        {"dayOfWeek": ["https://schema.org/Monday", "Tuesday"], "opens": "10:00:00", "closes": "12:00:00"},
        {"dayOfWeek": "http://schema.org/Monday", "opens": "14:00", "closes": "18:00:00"},
        {"dayOfWeek": "Sunday", "opens": "11:00:00", "closes": "16:00:00"},
    ]
    text = opening.from_specification(spec)
    assert text == "Mo 10:00-12:00,14:00-18:00; Tu 10:00-12:00; Su 11:00-16:00"
    assert opening.is_open(text, at(-1, 15)) is True  # Monday afternoon is kept


@pytest.mark.parametrize(
    "spec",
    [[{"dayOfWeek": "Caturday", "opens": "10:00", "closes": "11:00"}], [{"dayOfWeek": "Monday", "opens": "late"}], ["Mo 10:00-12:00"]],
)
def test_bad_specification_raises_typed(spec):
    with pytest.raises(opening.OpeningHoursError):
        opening.from_specification(spec)
