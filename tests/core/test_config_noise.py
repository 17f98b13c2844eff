"""The [noise] table of a city TOML: guideline values for the day and night levels, checked like every other key."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import DEFAULT_CONFIG, ConfigError, NoiseGuide, load_config

GOOD = """
[city]
name = "Teststadt"
timezone = "Europe/Berlin"
center = [51.4, 7.7]
zoom = 12

[[sources]]
key = "demo"
kind = "demo"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_noise_table_the_defaults_are_ta_laerm_mischgebiet_and_who_2018():
    guide = load_config(DEFAULT_CONFIG).noise  # the bundled Menden file has no [noise] table
    assert guide == NoiseGuide(day=60.0, night=45.0, who_lden=53.0, who_lnight=45.0) and guide.is_default()


def test_the_city_sets_its_guideline_values(tmp_path):
    guide = load_config(write(tmp_path, GOOD + "\n[noise]\nday = 55\nnight = 40.5\n")).noise
    assert (guide.day, guide.night, guide.who_lden, guide.who_lnight) == (55.0, 40.5, 53.0, 45.0)
    assert not guide.is_default()


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("[noise]\nday = 'laut'", ["[noise] key 'day'", "a level in dB(A) between 20 and 120", "'laut'"]),
        ("[noise]\nnight = true", ["[noise] key 'night'", "a level in dB(A)"]),
        ("[noise]\nday = 600", ["[noise] key 'day'", "between 20 and 120", "600"]),
        ("[noise]\nwho_lden = -3", ["[noise] key 'who_lden'", "-3"]),
        ("[noise]\ntag = 55", ["[noise] key 'tag'", "one of day, night, who_lden, who_lnight"]),
        ("[noise.day]\nvalue = 55", ["[noise] key 'day'", "a level in dB(A)"]),
    ],
)
def test_a_bad_noise_table_is_one_sentence_naming_the_key(tmp_path, table, words):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, GOOD + "\n" + table + "\n"))
    message = str(caught.value)
    assert str(tmp_path / "city.toml") in message and "\n" not in message
    for word in words:
        assert word in message, (word, message)


def test_a_noise_key_that_is_not_a_table(tmp_path):
    with pytest.raises(ConfigError, match=r"\[noise\]: expected a table"):
        load_config(write(tmp_path, 'noise = "TA Lärm"\n' + GOOD))
