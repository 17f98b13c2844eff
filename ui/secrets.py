"""Secrets from ``st.secrets`` handed to the adapters the one way they read them: environment variables."""

from __future__ import annotations

import os

import streamlit as st

from core.config import CityConfig


def export_secrets(config: CityConfig) -> None:
    """Make ``st.secrets`` entries named by ``api_key_env`` visible to the adapters (env only)."""
    try:
        secrets = dict(st.secrets)
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return
    for src in config.sources:
        name = src.get("api_key_env")
        if name and name in secrets and name not in os.environ:
            os.environ[name] = str(secrets[name])
