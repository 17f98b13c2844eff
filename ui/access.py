"""Staff-only parts: who counts as staff (``[access]`` in the city TOML) and what everyone else sees instead.

Scenario start and stop, the Daten downloads and the Quellen details (error texts, per-source
counters) are for city staff; kiosk and citizen pages stay open. ``staff = "open"`` (the
default) lets everyone in, ``"login"`` asks Streamlit's OIDC login (``st.login``, configured
under ``[auth]`` in ``.streamlit/secrets.toml``), ``"proxy"`` trusts a header that a reverse
proxy sets for authenticated staff only. When staff access is not open, an address starts or
stops a scenario only with ``&key=`` and the key from the env var ``scenario_key_env`` names.
See docs/security.md.
"""

from __future__ import annotations

import hmac
import importlib.util
import os
from collections.abc import Mapping

import streamlit as st

from core.config import Access
from ui import data, plain
from ui.i18n import t


def decide(access: Access, *, logged_in: bool, headers: Mapping[str, str]) -> bool:
    """True when a viewer may use the staff-only parts.

    ``logged_in``: Streamlit's ``st.user.is_logged_in``; ``headers``: the request's headers
    (case-insensitive, as ``st.context.headers``). A proxy header counts when it is not blank.
    """
    if access.staff == "open":
        return True
    if access.staff == "login":
        return logged_in
    value = headers.get(access.proxy_header) or headers.get(access.proxy_header.lower()) or ""
    return bool(value.strip())


def request_headers() -> Mapping[str, str]:
    """The headers of the browser's request (behind a proxy: what the proxy sent on)."""
    return st.context.headers


def logged_in() -> bool:
    # st.user has no is_logged_in at all while no [auth] section is configured
    return bool(st.user.get("is_logged_in", False))


def is_staff() -> bool:
    """Whether the current viewer may use the staff-only parts (see :func:`decide`)."""
    return decide(data.city().access, logged_in=logged_in(), headers=request_headers())


def login_ready() -> bool:
    """Whether ``st.login`` can work: Authlib installed and an ``[auth]`` section in the secrets."""
    if importlib.util.find_spec("authlib") is None:
        return False
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def staff_only(what: str, language: str) -> bool:
    """True for staff; for everyone else a plain notice in place of ``what`` (with the login button).

    ``what`` is the part's text key under ``access.what.``: downloads, scenario, feed_details.
    """
    if is_staff():
        return True
    mode = data.city().access.staff
    st.info(t("access.staff_only", language, what=t(f"access.what.{what}", language)), icon=":material/lock:")
    if mode == "login" and login_ready():
        if st.button(t("access.login", language), icon=":material/login:", key=f"access_login_{what}"):
            st.login()
    elif mode == "login":
        st.caption(t("access.login_not_set_up", language))
    else:
        st.caption(t("access.proxy_hint", language))
    return False


def account(language: str) -> None:
    """In the sidebar, with a staff login: who is logged in, and the logout button."""
    if data.city().access.staff != "login" or not logged_in():
        return
    who = st.user.get("name") or st.user.get("email") or ""  # the identity provider's text: markdown-safe
    st.caption(t("access.logged_in", language, user=plain.markdown(plain.short(str(who), plain.OPTION))))
    if st.button(t("access.logout", language), icon=":material/logout:", key="access_logout"):
        st.logout()


def scenario_key() -> str:
    """The workshop key from the env var ``scenario_key_env`` names (or ``st.secrets``), "" when unset."""
    name = data.city().access.scenario_key_env
    if os.environ.get(name):
        return os.environ[name]
    try:
        return str(st.secrets.get(name) or "")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return ""


def scenario_key_ok(given: str | None) -> bool:
    """Whether an address may start or stop a scenario: always with open staff access, else with the key."""
    if data.city().access.staff == "open":
        return True
    expected = scenario_key()
    # no key configured: no address can start one (the Daten page still can, for staff)
    return bool(expected and given) and hmac.compare_digest(given.encode(), expected.encode())
