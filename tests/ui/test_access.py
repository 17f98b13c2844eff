"""ui.access.decide: who counts as staff in each [access] mode (the pages' part is in tests/pages/test_access_pages.py)."""

from __future__ import annotations

import pytest

from core.config import ROOT, Access
from ui import access

PROXY = Access(staff="proxy", proxy_header="X-Auth-Request-Email")


@pytest.mark.parametrize("logged_in", [False, True])
def test_open_lets_everyone_in(logged_in):
    assert access.decide(Access(), logged_in=logged_in, headers={})


def test_login_needs_a_logged_in_user_and_ignores_headers():
    login = Access(staff="login")
    assert access.decide(login, logged_in=True, headers={})
    assert not access.decide(login, logged_in=False, headers={"X-Forwarded-User": "anna"})  # a header anyone can send


@pytest.mark.parametrize(
    ("headers", "staff"),
    [
        ({"X-Auth-Request-Email": "anna@menden.de"}, True),
        ({"x-auth-request-email": "anna@menden.de"}, True),  # header names are case-insensitive
        ({"X-Auth-Request-Email": "  "}, False),
        ({"X-Forwarded-User": "anna"}, False),  # not the configured header
        ({}, False),
    ],
)
def test_proxy_trusts_only_its_configured_header(headers, staff):
    assert access.decide(PROXY, logged_in=True, headers=headers) is staff


def test_st_login_has_what_it_needs():
    # st.login needs Authlib (Streamlit's "auth" extra): pinned in requirements.txt, so a city only adds [auth] secrets
    import importlib.util

    assert importlib.util.find_spec("authlib") is not None
    assert any(line.startswith("Authlib==") for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines())
