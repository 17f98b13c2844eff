"""Texts of the Pegel page: gauges, levels, trend, margin and the level banner (German, English)."""

TEXTS: dict[str, tuple[str, str]] = {
    "pegel.title": ("Pegel", "Water levels"),
    "pegel.intro": (
        "Wasserstände der Flüsse und Bäche der Stadt mit den Warnstufen jedes Pegels.",
        "Water levels of the city's rivers and brooks with each gauge's warning levels.",
    ),
    "pegel.window": ("Zeitraum", "Period"),
    "pegel.window.24": ("24 Stunden", "24 hours"),
    "pegel.last": ("letzte {window}", "last {window}"),
    "pegel.window.48": ("48 Stunden", "48 hours"),
    "pegel.window.168": ("7 Tage", "7 days"),
    "pegel.window.720": ("30 Tage", "30 days"),
    "pegel.window.2160": ("90 Tage", "90 days"),
    "pegel.choose": ("Ganglinien für", "Hydrographs for"),
    "pegel.hydrographs": ("Ganglinien", "Hydrographs"),
    "pegel.resolution.15m": ("15-Minuten-Werte", "15-minute values"),
    "pegel.resolution.1h": ("Stundenmittel, Fläche: niedrigster bis höchster Wert", "hourly means, shaded: lowest to highest value"),
    "pegel.caption": ("{n} Pegel · {window} · {resolution}", "{n} gauges · {window} · {resolution}"),
    "pegel.time": ("Zeit", "Time"),
    "pegel.band": ("Spanne der Stunde", "range within the hour"),
    "pegel.no_series": ("Keine Messwerte in diesem Zeitraum.", "No readings in this period."),
    "pegel.no_gauges": ("Keine Pegel in den Daten dieser Stadt.", "No water gauges in this city's data."),
    # levels: Informationsstufen of NRW, characteristic values of PEGELONLINE (WSV)
    "pegel.level.info1": ("Informationsstufe 1", "Information level 1"),
    "pegel.level.info2": ("Informationsstufe 2", "Information level 2"),
    "pegel.level.info3": ("Informationsstufe 3", "Information level 3"),
    "pegel.level.MNW": ("MNW (mittleres Niedrigwasser)", "MNW (mean low water)"),
    "pegel.level.MW": ("MW (Mittelwasser)", "MW (mean water)"),
    "pegel.level.MHW": ("MHW (mittleres Hochwasser)", "MHW (mean high water)"),
    "pegel.band.low": ("Niedrigwasser (unter MNW)", "low water (below MNW)"),
    "pegel.band.normal": ("normal (zwischen MNW und MHW)", "normal (between MNW and MHW)"),
    "pegel.band.high": ("Hochwasser (über MHW)", "high water (above MHW)"),
    # card and banner
    "pegel.trend": ("{word} ({rate} cm/h)", "{word} ({rate} cm/h)"),
    "pegel.trend_unknown": ("Tendenz unbekannt", "trend unknown"),
    "pegel.margin": ("noch {margin} bis {level}", "{margin} below {level}"),
    "pegel.above_all": ("über der höchsten Stufe", "above the highest level"),
    "pegel.no_levels": ("keine Stufen hinterlegt", "no levels on record"),
    "pegel.alert": (
        "{name}: {level} erreicht – {value} (Marke {mark}), {trend}.",
        "{name}: {level} reached – {value} (mark {mark}), {trend}.",
    ),
    "pegel.glance": (
        "{n} von {total} Pegeln: die an einer Stufe und die mit dem geringsten Abstand zur nächsten.",
        "{n} of {total} gauges: those at a level and those closest to their next one.",
    ),
    # core.flood: a guarded straight-line projection, never a forecast
    "pegel.projection": (
        "Hochrechnung: {level} in etwa {time}, wenn der Anstieg anhält – keine Vorhersage.",
        "Projection: {level} in about {time} if the rise continues – not a forecast.",
    ),
    "pegel.projection.tile": ("{place} · {projection}", "{place} · {projection}"),
    "pegel.projection.note": (
        "Hochrechnungen verlängern den Anstieg der letzten Dreiviertelstunde geradlinig; sie erscheinen nur bei einem "
        "gleichmäßigen Anstieg und wenn die nächste Stufe in höchstens 6 Stunden erreicht wäre. Amtliche Vorhersagen: "
        "Hochwasserportal.NRW und „Meine Pegel“.",
        "Projections extend the rise of the last three quarters of an hour in a straight line; they appear only for a steady "
        "rise and when the next level would be reached within 6 hours. Official forecasts: Hochwasserportal.NRW and "
        "“Meine Pegel”.",
    ),
    "pegel.stage.info1": ("Stufe 1", "level 1"),
    "pegel.stage.info2": ("Stufe 2", "level 2"),
    "pegel.stage.info3": ("Stufe 3", "level 3"),
    "pegel.in.minutes": ("{n} Minuten", "{n} minutes"),
    "pegel.in.hour": ("1 Stunde", "1 hour"),
    "pegel.in.hours": ("{n} Stunden", "{n} hours"),
    "pegel.in.hours_half": ("{n},5 Stunden", "{n}.5 hours"),
    "pegel.all_normal": ("Alle {n} Pegel liegen unter ihrer ersten Warnstufe.", "All {n} gauges are below their first warning level."),
}
