"""Helpers to run a page of the app through Streamlit's AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui import navigation

APP = str(navigation.PAGES_DIR.parent / "app.py")


def run(page: str, lang: str | None = None, *, user: dict | None = None, **params: str) -> AppTest:
    """Run app.py, then switch to ``page`` ("pages/pegel.py"), with query parameters.

    ``user``: what the run reads as ``st.user`` (``{"is_logged_in": True, …}`` for a staff login).
    """
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.user = user
    if lang:
        at.query_params["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page != "pages/heute.py":
        at.switch_page(page)
        at.run()
    return at


def page_text(at: AppTest) -> str:
    """Visible text of titles, markdown, notices, captions and st.html bodies."""
    parts = [e.value for e in at.title] + [e.value for e in at.header] + [e.value for e in at.subheader]
    parts += [e.value for e in at.markdown] + [e.value for e in at.info] + [e.value for e in at.warning]
    parts += [e.value for e in at.error] + [e.value for e in at.success] + [e.value for e in at.caption]
    parts += [e.proto.body for e in at.get("html")]
    return "\n".join(str(p) for p in parts)
