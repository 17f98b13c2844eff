"""The inbox: atomic append, every event handed out at least twice, nothing lost when the reader dies."""

import os
import threading
import time
from pathlib import Path

import pytest

from data_sources import inbox
from data_sources.errors import FeedFormatError


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_append_is_atomic_and_durable(tmp_path):
    path = inbox.append(tmp_path, b'{"a": 1}')
    assert path.parent == tmp_path / "new"
    assert path.read_bytes() == b'{"a": 1}'
    assert names(tmp_path / "tmp") == []  # nothing half-written is left behind
    assert inbox.pending(tmp_path) == 1


def test_names_sort_in_arrival_order_even_from_many_threads(tmp_path):
    def write(i: int) -> None:
        for j in range(20):
            inbox.append(tmp_path, f'{{"n": {i * 100 + j}}}'.encode())

    threads = [threading.Thread(target=write, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = inbox.claim(tmp_path)
    assert len(events) == 100 == len({e.name for e in events})
    arrivals = [e.arrived for e in events]
    assert arrivals == sorted(arrivals)


def test_every_event_is_handed_out_at_least_twice_then_dropped_after_keep(tmp_path):
    inbox.append(tmp_path, b'{"a": 1}')
    now = time.time()
    first = inbox.claim(tmp_path, keep_s=0, now=now, stored_through=now)
    assert [e.first for e in first] == [True]
    second = inbox.claim(tmp_path, keep_s=0, now=now + 1, stored_through=now + 1)
    assert [e.first for e in second] == [False]  # keep is over, but it was handed out only once
    assert second[0].body == first[0].body
    assert inbox.claim(tmp_path, keep_s=0, now=now + 2, stored_through=now + 2) == []
    assert names(tmp_path / "kept") == []


def test_events_are_re_read_within_keep(tmp_path):
    inbox.append(tmp_path, b'{"a": 1}')
    now = time.time()
    for round_ in range(5):
        assert len(inbox.claim(tmp_path, keep_s=600, now=now + round_ * 60, stored_through=now + round_ * 60)) == 1
    assert inbox.claim(tmp_path, keep_s=600, now=now + 601, stored_through=now + 601) == []


def test_an_event_is_forgotten_only_once_a_later_poll_was_stored(tmp_path):
    # a full disk for hours: every poll fails to store, nothing the receiver acknowledged may go
    inbox.append(tmp_path, b'{"a": 1}')
    now = time.time()
    for hours in range(1, 6):
        assert len(inbox.claim(tmp_path, keep_s=600, now=now + 3600 * hours)) == 1  # no stored poll yet
    stored_before = now - 5  # a poll that began before the event arrived did not carry it
    assert len(inbox.claim(tmp_path, keep_s=600, now=now + 7 * 3600, stored_through=stored_before)) == 1
    assert inbox.claim(tmp_path, keep_s=600, now=now + 8 * 3600, stored_through=now + 7 * 3600) == []


def test_a_reader_that_dies_after_claiming_loses_nothing(tmp_path):
    for i in range(3):
        inbox.append(tmp_path, f'{{"n": {i}}}'.encode())
    claimed = inbox.claim(tmp_path, keep_s=600)
    assert len(claimed) == 3
    # ... the process dies here, before the batch reached the store. A new process:
    again = inbox.claim(tmp_path, keep_s=600)
    assert [e.body for e in again] == [e.body for e in claimed]


def test_new_events_during_consumption_wait_for_the_next_round(tmp_path):
    inbox.append(tmp_path, b'{"n": 1}')
    assert len(inbox.claim(tmp_path)) == 1
    inbox.append(tmp_path, b'{"n": 2}')
    events = inbox.claim(tmp_path)
    assert [(e.body, e.first) for e in events] == [(b'{"n": 1}', False), (b'{"n": 2}', True)]


def test_quarantine_moves_a_bad_event_aside(tmp_path):
    inbox.append(tmp_path, b"not json")
    event = inbox.claim(tmp_path)[0]
    inbox.quarantine(tmp_path, event.name)
    assert names(tmp_path / "bad") == [event.name]
    assert inbox.claim(tmp_path) == []


def test_half_written_temp_files_are_never_read_and_stale_ones_removed(tmp_path):
    (tmp_path / "tmp").mkdir(parents=True)
    fresh, stale = tmp_path / "tmp" / "fresh.json", tmp_path / "tmp" / "stale.json"
    fresh.write_bytes(b'{"half')
    stale.write_bytes(b'{"half')
    old = time.time() - 2 * inbox.STALE_TMP_S
    os.utime(stale, (old, old))
    assert inbox.claim(tmp_path) == []
    assert names(tmp_path / "tmp") == ["fresh.json"]


def test_files_dropped_in_by_hand_use_their_mtime(tmp_path):
    (tmp_path / "new").mkdir(parents=True)
    (tmp_path / "new" / "manual.json").write_bytes(b"{}")
    event = inbox.claim(tmp_path)[0]
    assert abs(event.arrived.timestamp() - time.time()) < 60


def test_directory_and_keep_from_the_source_config(tmp_path):
    assert inbox.directory({"key": "x"}) is None
    assert inbox.directory({"inbox": "in/ttn", "config_dir": str(tmp_path)}) == tmp_path / "in" / "ttn"
    assert inbox.directory({"inbox": str(tmp_path / "abs"), "config_dir": "/elsewhere"}) == tmp_path / "abs"
    assert inbox.keep_seconds({"poll_s": 60}) == 600
    assert inbox.keep_seconds({"poll_s": 900}) == 2700
    assert inbox.keep_seconds({"inbox_keep": "30m"}) == 1800
    assert inbox.keep_seconds({"inbox_keep": 90}) == 90
    with pytest.raises(FeedFormatError, match="inbox_keep"):
        inbox.keep_seconds({"key": "x", "inbox_keep": "soon"})
