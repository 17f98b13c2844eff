"""docs/extending.md stays true: every feed kind has its row, example config and documented section."""

from __future__ import annotations

import re
from pathlib import Path

from core.store import BACKENDS
from data_sources import KINDS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "extending.md"
ROW = re.compile(r"^\| `(\w+)` \| (.+?) \| (.+?) \|$", re.MULTILINE)
LINK = re.compile(r"\[[^\]]+\]\(([^)#]+)(?:#([^)]+))?\)")


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def rows() -> dict[str, tuple[str, str]]:
    """The feed-kind table: kind -> (example cell, documented-in cell)."""
    return {kind: (example, docs) for kind, example, docs in ROW.findall(DOC.read_text(encoding="utf-8"))}


def test_every_feed_kind_has_a_row_and_nothing_else_does():
    assert set(rows()) == set(KINDS)


def test_every_row_links_an_existing_example_and_a_section_that_exists():
    for kind, (example, docs) in rows().items():
        links = LINK.findall(example)
        if kind != "scenario":  # the workshop feed is started by the controls, never configured
            assert links == [(f"../config/examples/{kind}.toml", "")], (kind, example)
            assert (DOC.parent / links[0][0]).resolve() == ROOT / "config" / "examples" / f"{kind}.toml"
            assert (ROOT / "config" / "examples" / f"{kind}.toml").is_file(), kind
        [(target, anchor)] = LINK.findall(docs)
        path = (DOC.parent / target).resolve()
        assert path.is_file(), (kind, target)
        assert anchor in anchors(path), (kind, target, anchor)


def test_every_store_backend_is_listed():
    text = DOC.read_text(encoding="utf-8")
    for scheme in BACKENDS:
        assert f"| `{scheme}`" in text, scheme
