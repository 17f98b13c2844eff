"""Fixtures for page tests: a store filled once with the demo city, and an empty one."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest
import streamlit as st

from core import ingest
from core.config import DEFAULT_CONFIG, load_config
from core.store import open_store

ROOT = Path(__file__).resolve().parents[2]


class DemoStore:
    """The demo city backfilled once per worker, copied into each test's own data directory.

    The demo's values are stamped with the time of the backfill, and a page calls a series stale
    after three reporting intervals (30–45 min for the demo's sensors): a worker that has been
    running longer than that would show "no current value" where a test expects one. So a copy
    taken more than ``MAX_AGE_S`` after the backfill backfills anew (2–3 s).
    """

    MAX_AGE_S = 600.0

    def __init__(self, root: Path) -> None:
        self.root = root
        self.made = -1e9
        self.directory = root

    def copy(self, target: Path) -> Path:
        if time.monotonic() - self.made > self.MAX_AGE_S:
            self.directory = Path(tempfile.mkdtemp(prefix="demo-", dir=self.root))
            config = load_config(DEFAULT_CONFIG)
            ingest.run_once(config, open_store(self.directory, tz=config.timezone))
            self.made = time.monotonic()
        shutil.copytree(self.directory, target)
        return target


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> DemoStore:
    return DemoStore(tmp_path_factory.mktemp("demo-store"))


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
def demo_copy(demo_store, tmp_path) -> Path:
    return demo_store.copy(tmp_path / "store")
