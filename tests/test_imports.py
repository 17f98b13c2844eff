"""The one-way dependencies of DESIGN.md, checked on the source: a violation fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTTP_CLIENTS = {"requests", "httpx", "urllib3", "aiohttp"}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def files(*folders: str) -> list[Path]:
    out = []
    for folder in folders:
        target = ROOT / folder
        out += [target] if target.is_file() else sorted(target.rglob("*.py"))
    return out


@pytest.mark.parametrize("path", files("core", "data_sources"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_and_data_sources_never_import_streamlit_or_the_ui(path):
    assert not imported(path) & {"streamlit", "ui", "pages", "pydeck", "plotly"}


@pytest.mark.parametrize("path", files("core"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_imports_no_feed_code_except_the_ingest_runner(path):
    names = imported(path)
    if path.name != "ingest.py":
        assert "data_sources" not in names
    assert not names & HTTP_CLIENTS


@pytest.mark.parametrize("path", files("core", "data_sources"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pandas_in_core_or_adapters(path):
    if path.name == "bench.py":  # the benchmark compares against pandas on purpose
        return
    assert "pandas" not in imported(path)


@pytest.mark.parametrize("path", files("pages", "ui", "app.py"), ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_and_ui_never_import_an_http_client(path):
    assert not imported(path) & HTTP_CLIENTS


@pytest.mark.parametrize("path", files("pages", "ui", "app.py"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_unsafe_html_in_the_ui(path):
    assert "unsafe_allow_html" not in path.read_text(encoding="utf-8")


def test_the_rule_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nfrom requests import Session\n")
    assert {"streamlit", "requests"} <= imported(bad)
