"""Fixtures for page tests: a store filled once with the demo city, and an empty one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st

from core import ingest
from core.config import DEFAULT_CONFIG, load_config
from core.store import open_store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_store_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("demo-store")
    config = load_config(DEFAULT_CONFIG)
    ingest.run_once(config, open_store(directory, tz=config.timezone))
    return directory


@pytest.fixture
def app_env(monkeypatch):
    """Point the app at a store and keep its own ingest thread off (the test controls data)."""

    def use(directory: Path) -> None:
        monkeypatch.setenv("SHOWROOM_DATA_DIR", str(directory))
        monkeypatch.setenv("SHOWROOM_INGEST", "off")
        monkeypatch.delenv("SHOWROOM_CONFIG", raising=False)
        st.cache_resource.clear()
        st.cache_data.clear()

    yield use
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def demo_copy(demo_store_dir, tmp_path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(demo_store_dir, target)
    return target
