"""The look of the app in one place: status colours and icons, and every stylesheet.

``widgets.sidebar`` injects :data:`CSS` (and :data:`KIOSK_CSS` in kiosk mode) on every page
run; a ``st.html`` that holds only ``<style>`` takes no room on the page. Class prefixes:
``scs-`` tiles, badges, gauge cards and the scenario banner; ``scl-`` the smaller cards,
chips and ranked rows of Stadtklima and Raumluft Schulen.
"""

from __future__ import annotations

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies, and always
# paired with an icon and a word. Black text on each keeps contrast ≥ 4.5:1.
TONES: dict[str, tuple[str, str]] = {
    "good": ("#009E73", "✔"),
    "fair": ("#56B4E9", "✔"),
    "moderate": ("#F0E442", "!"),
    "poor": ("#E69F00", "▲"),
    "bad": ("#D55E00", "✖"),
    "severe": ("#CC79A7", "✖"),
    "unknown": ("#BBBBBB", "?"),
}
TREND_ARROWS = {"common.trend_up": "↑", "common.trend_down": "↓", "common.trend_flat": "→"}


def colour(tone: str) -> str:
    """The colour of a status tone (grey for a tone nobody declared)."""
    return TONES.get(tone, TONES["unknown"])[0]


def icon(tone: str) -> str:
    """The icon that goes with a tone's colour, so no status is told by colour alone."""
    return TONES.get(tone, TONES["unknown"])[1]


# Tiles (Heute), their badges and small print; the demo label
_TILES = """
.scs-tile{border-radius:12px;padding:1rem 1.2rem;background:rgba(128,128,128,.08);border-left:10px solid var(--tone);height:100%}
.scs-title{font-size:1.05rem;font-weight:600;opacity:.85}
.scs-value{font-size:2.4rem;font-weight:700;line-height:1.2;margin:.2rem 0}
.scs-value .scs-arrow{font-size:1.8rem;margin-left:.4rem;opacity:.8}
.scs-badge{display:inline-block;border-radius:999px;padding:.1rem .7rem;background:var(--tone);color:#000;font-weight:600}
.scs-sentence{margin-top:.5rem;font-size:1.05rem}
.scs-usual{margin-top:.35rem;font-size:.95rem;opacity:.85}
.scs-foot{margin-top:.5rem;font-size:.85rem;opacity:.75}
.scs-stale{display:inline-block;border:1px dashed currentColor;border-radius:6px;padding:0 .4rem;margin-left:.4rem;font-weight:600}
.scs-demo{display:inline-block;border-radius:6px;padding:.1rem .5rem;background:#F0E442;color:#000;font-weight:600}
.scs-demo-corner{position:fixed;top:.8rem;right:1.2rem;z-index:1000}
"""

# Feed text may be one endless word: boxes wrap it at any character instead of growing wider
# than their column (names are shortened too, see ui.plain; this holds for everything else).
_WRAP = ".scs-tile,.scl-card,.scl-row,.scl-lead,.scl-head,.scs-foot,.scs-scenario{overflow-wrap:anywhere}.scl-row .scl-name{min-width:0}"

# Pegel: the district beside a gauge's name, a second badge, the kiosk's compact gauge cards
_GAUGES = (
    ".scs-place{font-weight:400;opacity:.75}.scs-tile .scs-badge+.scs-badge{margin-left:.3rem}"
    ".scs-gauge{padding:.4rem 1rem .5rem}.scs-gauge .scs-title{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}"
    ".scs-gauge .scs-value{margin:0;font-size:2.1rem}.scs-gauge .scs-badge{font-size:.95rem}"
    ".scs-gauge .scs-sentence{margin-top:.25rem;font-size:.85rem;line-height:1.3}"
)

# Stadtklima and Raumluft Schulen: lead sentence, ranked rows, card grids, room chips
_CLIMATE = """
.scl-lead{font-size:1.3rem;margin:.1rem 0 .5rem} .scl-list{display:flex;flex-direction:column;gap:.35rem;margin-bottom:.8rem}
.scl-head{font-weight:700;font-size:1.05rem;margin:.2rem 0}
.scl-row{display:flex;align-items:center;gap:.7rem;padding:.3rem .7rem;border-radius:8px;background:rgba(128,128,128,.08);border-left:8px solid var(--tone)}
.scl-row .scl-name{flex:1;font-weight:600;line-height:1.2} .scl-sub{font-size:.85rem;opacity:.8;font-weight:400}
.scl-row .scl-num{font-size:1.45rem;font-weight:700;white-space:nowrap}
.scl-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(var(--w,12.5rem),100%),1fr));gap:.6rem;margin-bottom:.6rem}
.scl-card{border-radius:10px;padding:.55rem .8rem;background:rgba(128,128,128,.08);border-left:10px solid var(--tone)}
.scl-card .scl-title{font-weight:600;line-height:1.2}
.scl-card .scl-num{font-size:1.7rem;font-weight:700;line-height:1.3}
.scl-card.scl-compact .scl-num{font-size:1.05rem} .scl-compact .scl-chip{min-width:1.1rem;font-size:.7rem;padding:0 .1rem}
.scl-chips{display:flex;flex-wrap:wrap;gap:.2rem;margin:.35rem 0 .2rem}
.scl-chip{display:inline-block;min-width:1.5rem;text-align:center;border-radius:5px;padding:0 .2rem;color:#000;font-weight:700;font-size:.9rem;background:var(--tone)}
"""

# The workshop scenario banner (dark, so it never passes for a status tile)
_SCENARIO = """
.scs-scenario{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem 1rem;border-radius:10px;padding:.6rem 1rem;
  background:#1F2A44;color:#fff;border-left:12px solid #E69F00;margin-bottom:.4rem}
.scs-scenario b{font-size:1.25rem}
.scs-scenario .scs-scenario-icon{font-size:1.3rem;color:#E69F00}
.scs-scenario .scs-scenario-detail{font-size:.95rem;opacity:.9}
.scs-scenario .scs-scenario-bar{flex-basis:100%;height:6px;border-radius:3px;background:rgba(255,255,255,.25)}
.scs-scenario .scs-scenario-bar div{height:6px;border-radius:3px;background:#E69F00}
"""

# Streamlit's own widgets where its theme falls short of WCAG AA contrast (4.5:1), checked by
# tests/pages/test_axe.py: a selected segmented-control or pill button writes the primary colour on
# a 10 % tint of it, 4.1:1 on the sidebar's grey; captions are text at 60 % opacity, 4.4:1 there.
# The selected button keeps its tint and border and takes the text colour, bold (also while hovered:
# !important beats Streamlit's state selectors); captions 72 %.
_CONTRAST = (
    '[data-testid="stButtonGroup"] button[data-selected]:not([data-disabled]){color:inherit!important;font-weight:600}'
    '[data-testid="stCaptionContainer"]{color:inherit;opacity:.72}'
)

CSS = f"<style>{_TILES}{_WRAP}{_GAUGES}{_CLIMATE}{_SCENARIO}{_CONTRAST}</style>"

# Kiosk: no sidebar, header or menu; large type for a screen seen from a few metres
KIOSK_CSS = """<style>
[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],header[data-testid="stHeader"],
[data-testid="stToolbar"],[data-testid="stDecoration"],[data-testid="stStatusWidget"],footer{display:none!important}
.block-container,[data-testid="stMainBlockContainer"]{padding-top:1.2rem!important;max-width:100%!important}
html{font-size:22px}
.scs-value{font-size:3.2rem}
</style>"""

# Pegel kiosk only: eight gauges with their curves and a banner must fit one 1080-pixel screen.
PEGEL_KIOSK_CSS = '<style>[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"]{gap:.5rem}</style>'
