"""The i18n table, one module per area (one writer per file): each defines ``TEXTS = {key: (de, en)}``."""

from __future__ import annotations

import importlib
import pkgutil


def merged() -> dict[str, tuple[str, str]]:
    """All areas' texts in one dict; a key defined twice is a bug and fails at import."""
    table: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, value in module.TEXTS.items():
            if key in table:
                msg = f"text key {key!r} is defined twice (ui/texts/{info.name}.py and another area)"
                raise ValueError(msg)
            table[key] = value
    return table
