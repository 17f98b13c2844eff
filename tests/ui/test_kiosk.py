"""Kiosk playlist logic (the browser test checks the real rotation)."""

from ui.kiosk import next_page


def test_next_page_cycles_and_recovers():
    pages = ["heute", "karte", "pegel"]
    assert next_page("heute", pages) == "karte"
    assert next_page("pegel", pages) == "heute"
    assert next_page("daten", pages) == "heute"  # a page outside the playlist goes back to its start
    assert next_page("heute", ["heute"]) == "heute"
