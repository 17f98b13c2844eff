"""Workshop scenarios in the app: the banner on every page, start and stop by URL (with a key), and staff controls."""

from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from core.scenario import script as scripts
from core.scenario import state as runs
from data_sources import scenario as feed
from ui import access, data, plain, widgets
from ui.i18n import clock, t

BANNER_REFRESH_S = 10
TRUE = ("1", "true", "yes", "ja")


def _hours(seconds: float) -> str:
    """A span as "3:30 h", or "24 min" under an hour."""
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60}:{minutes % 60:02d} h"


def title(script: scripts.Script, language: str) -> str:
    return script.title[1 if language == "en" else 0]


def banner_html(run: runs.Run, script: scripts.Script, language: str, now: dt.datetime) -> str:
    """The banner as escaped HTML: what plays, that nothing is real, speed and progress (styled in ``ui.style``)."""
    e = html.escape
    progress = run.progress(now)
    detail = t(
        "scenario.banner.detail", language, speed=run.speed, played=_hours(progress * run.duration_s), duration=_hours(run.duration_s)
    )
    if run.loop:
        detail += f" · ⟳ {t('scenario.banner.loop', language)}"
    return (
        f'<div class="scs-scenario" role="status" data-scenario="{e(run.name)}">'
        f'<span class="scs-scenario-icon">▶</span><b>{e(t("scenario.banner", language, name=title(script, language)))}</b>'
        f'<span class="scs-scenario-detail">{e(detail)}</span>'
        f'<div class="scs-scenario-bar"><div style="width:{progress * 100:.1f}%"></div></div></div>'
    )


def banner(language: str) -> None:
    """On every page, kiosk included: a banner while a scenario runs, refreshed in place."""
    if not data.plays_scenarios():
        return

    @st.fragment(run_every=BANNER_REFRESH_S)
    def live() -> None:
        run = runs.active(data.writer())
        if run is None:
            return
        try:
            script = feed.script(run.name)
        except scripts.ScenarioError:
            return  # its file was removed: the fetch reports it in feed health
        st.html(banner_html(run, script, language, dt.datetime.now(dt.UTC)))

    live()


def _stop() -> None:
    runs.stop(data.writer())
    data.refresh()


def _start(name: str, speed: int, loop: bool) -> str | None:
    """Start a scenario; what went wrong (a broken script file), if anything."""
    try:
        feed.start(data.writer(), name, speed=speed, loop=loop)
        data.refresh()  # this very run shows the scenario
    except scripts.ScenarioError as exc:
        return str(exc)
    return None


def from_url() -> None:
    """``?scenario=starkregen&speed=60[&loop=1]`` starts, ``?scenario=stop`` stops; once per session.

    Idempotent: a kiosk that reloads the URL finds the same scenario running and leaves it be.
    A wrong address keeps saying what is wrong for as long as it is in the URL. Unless staff
    access is open, starting or stopping needs ``&key=`` (``ui.access``); the key leaves the
    address once it was used, and a reload that finds its scenario running needs none.
    """
    wanted = st.query_params.get("scenario")
    if not wanted:
        return
    key = st.query_params.get("key")
    request = (wanted, st.query_params.get("speed", "1"), st.query_params.get("loop", "0"), key is not None)
    handled = st.session_state.get("scenario_url")
    problem = handled[1] if handled and handled[0] == request else _handle(*request[:3], key)
    st.session_state.scenario_url = (request, problem)
    if key is not None and not problem:
        del st.query_params["key"]  # not left in the address bar, the browser history or a proxy's log
    if problem:
        text, params = problem
        st.warning(t(text, widgets.lang(), **quoted(params)), icon=":material/warning:")


def quoted(params: dict) -> dict:
    """URL parameters and error texts for a markdown notice: shortened, and text rather than links or icons."""
    return {
        key: plain.markdown(plain.short(str(value), plain.URL if key in ("name", "speed") else plain.TOOLTIP))
        for key, value in params.items()
    }


def _handle(wanted: str, speed_text: str, loop_text: str, key: str | None) -> tuple[str, dict] | None:
    """Act on a URL request; the text key and parameters of what is wrong with it, if anything."""
    if not data.plays_scenarios():
        return "scenario.no_demo", {}
    if wanted == "stop":
        if runs.active(data.writer()) is None:
            return None  # nothing to stop: nothing to allow
        if not access.scenario_key_ok(key):
            return "scenario.needs_key", {}
        _stop()
        return None
    known = feed.scripts()
    if wanted not in known:
        return "scenario.unknown", {"name": wanted, "known": ", ".join(known)}
    speeds = {str(s): s for s in runs.SPEEDS}
    if speed_text not in speeds:
        return "scenario.bad_speed", {"speed": speed_text, "speeds": ", ".join(speeds)}
    speed, loop = speeds[speed_text], loop_text.lower() in TRUE
    run = runs.active(data.writer())
    if run is not None and (run.name, run.speed, run.loop) == (wanted, speed, loop):
        return None
    if not access.scenario_key_ok(key):
        return "scenario.needs_key", {}
    error = _start(wanted, speed, loop)
    return ("scenario.broken", {"error": error}) if error else None


def _start_chosen() -> None:
    state = st.session_state
    error = _start(state.scenario_name, state.get("scenario_speed") or runs.SPEEDS[-1], bool(state.get("scenario_loop")))
    if error:
        state.scenario_error = error


def controls(language: str) -> None:
    """Start, stop, speed and loop (the Daten page shows them in an expander, to staff only: ``ui.access``)."""
    if not data.plays_scenarios():
        st.info(t("scenario.no_demo", language), icon=":material/science:")
        return
    known = feed.scripts()
    run = runs.active(data.writer())
    st.caption(t("scenario.intro", language))
    names = list(known)
    if run is not None and run.name in known and "scenario_name" not in st.session_state:
        st.session_state.scenario_name = run.name
    name = st.selectbox(t("scenario.choose", language), names, format_func=lambda key: title(known[key], language), key="scenario_name")
    chosen = known[name]
    st.caption(chosen.about[1 if language == "en" else 0])
    speed = (
        st.segmented_control(
            t("scenario.speed", language),
            runs.SPEEDS,
            default=runs.SPEEDS[-1],
            format_func=lambda s: f"{s}×",
            key="scenario_speed",
            help=t("scenario.speed.help", language),
        )
        or runs.SPEEDS[-1]
    )
    duration = chosen.duration_h * 3600
    st.caption(t("scenario.duration", language, duration=_hours(duration), speed=speed, wall=_hours(duration / speed)))
    loop = st.checkbox(t("scenario.loop", language), key="scenario_loop")
    left, right = st.columns(2)
    left.button(t("scenario.start", language), on_click=_start_chosen, type="primary", icon=":material/play_arrow:", width="stretch")
    right.button(t("scenario.stop", language), on_click=_stop, disabled=run is None, icon=":material/stop:", width="stretch")
    if error := st.session_state.pop("scenario_error", None):
        st.error(t("scenario.broken", language, **quoted({"error": error})), icon=":material/error:")
    if run is None:
        st.info(t("scenario.idle", language), icon=":material/science:")
    else:
        started = clock(run.started_at, data.city().timezone, language)
        st.success(
            t(
                "scenario.running",
                language,
                name=title(known[run.name], language) if run.name in known else run.name,
                speed=run.speed,
                time=started,
            ),
            icon=":material/play_circle:",
        )
    key = "" if data.city().access.staff == "open" else "&key=…"  # the workshop key, never shown (ui.access)
    st.caption(t("scenario.url", language, url=f"/heute?kiosk=1&scenario={name}&speed={speed}{'&loop=1' if loop else ''}{key}"))
