"""The i18n table: complete in both languages, every used key exists, locale formatting."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from core.schema import QUANTITIES
from core.status import SCALES
from core.views.tiles import TILES
from ui.i18n import TEXTS, age, number, quantity_value, t

ROOT = Path(__file__).resolve().parents[2]


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_key_exists_in_both_languages_with_the_same_placeholders(key):
    de, en = TEXTS[key]
    assert de.strip() and en.strip(), f"{key} lacks a translation"
    assert fields(de) == fields(en), f"{key}: placeholders differ"


def used_keys() -> set[tuple[str, str]]:
    found = set()
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "t" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add((str(path.relative_to(ROOT)), arg.value))
    return found


def test_every_literal_key_used_in_the_ui_exists():
    missing = sorted((where, key) for where, key in used_keys() if key not in TEXTS)
    assert not missing


def test_dynamic_keys_exist():
    for spec in TILES:
        assert f"tile.{spec.key}" in TEXTS and f"tile.{spec.key}.detail" in TEXTS
    for quantity in QUANTITIES:
        assert f"quantity.{quantity}" in TEXTS
    for theme in ("microclimate", "indoor_air", "water", "air_quality", "parking", "soil", "energy", "other"):
        assert f"theme.{theme}" in TEXTS
    tones = {level.tone for scale in SCALES.values() for level in scale.levels}
    assert all(f"legend.{tone}" in TEXTS for tone in tones | {"unknown"})


@pytest.mark.parametrize(
    ("value", "decimals", "de", "en"),
    [
        (1234.5, 1, "1.234,5", "1,234.5"),
        (21.44, 1, "21,4", "21.4"),
        (-3.0, 0, "-3", "-3"),
        (None, 1, "–", "–"),
        (1_000_000.0, 0, "1.000.000", "1,000,000"),
    ],
)
def test_numbers_use_the_locale(value, decimals, de, en):
    assert number(value, decimals, "de") == de and number(value, decimals, "en") == en


def test_values_carry_units():
    assert quantity_value(21.44, "temperature", "de") == "21,4 °C"
    assert quantity_value(1250.0, "co2", "de") == "1.250 ppm"
    assert quantity_value(1250.0, "co2", "en") == "1,250 ppm"
    assert quantity_value(48.0, "humidity", "de") == "48 %"


def test_ages_and_missing_keys():
    assert age(125, "de") == "vor 2 min" and age(7200, "en") == "2 h ago"
    with pytest.raises(KeyError):
        t("no.such.key")
