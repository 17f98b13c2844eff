"""Texts of the watering section (Stadtklima): young trees' water balance without sensors (German, English)."""

TEXTS: dict[str, tuple[str, str]] = {
    "trees.title": ("Gießen ohne Sensor: Wasserbilanz der Jungbäume", "Watering without sensors: young trees' water balance"),
    # the kiosk's one sentence for the register's trees, beside the sensor trees' lead
    "trees.kiosk.some": (
        "Ohne Sensor (Modell): {water} von {total} gießen, {soon} bald.",
        "Without sensors (model): {water} of {total} to water, {soon} soon.",
    ),
    "trees.kiosk.soon": (
        "Ohne Sensor (Modell): {soon} von {total} bald gießen.",
        "Without sensors (model): {soon} of {total} to water soon.",
    ),
    "trees.kiosk.none": ("Ohne Sensor (Modell): alle {total} gut versorgt.", "Without sensors (model): all {total} have enough water."),
    "trees.lead.some": (
        "{water} von {total} Bäumen sollten gegossen werden, {soon} bald.",
        "{water} of {total} trees should be watered, {soon} soon.",
    ),
    "trees.lead.soon": (
        "Kein Baum muss jetzt gegossen werden; {soon} von {total} bald.",
        "No tree needs water now; {soon} of {total} soon.",
    ),
    "trees.lead.none": ("Alle {total} Bäume sind ausreichend mit Wasser versorgt.", "All {total} trees have enough water."),
    "trees.model": (
        "Modell ohne Sensor, {days} Tage: Regen {rain}, Verdunstung {et} (FAO-56 ET₀ × Kc), je Baumscheibe begrenzt auf das, was sie hält.",
        "Model without sensors, {days} days: rain {rain}, evaporation {et} (FAO-56 ET₀ × Kc), per tree pit bounded by what it holds.",
    ),
    "trees.weather": ("Wetter: {stations} · Verfahren: {method}", "Weather: {stations} · method: {method}"),
    "trees.missing": ("{n} Tage ohne vollständige Wetterdaten", "{n} days without complete weather data"),
    "trees.skipped": ("{n} Einträge des Baumkatasters übersprungen (z. B. {example})", "{n} register entries skipped (e.g. {example})"),
    "trees.error": ("Baumkataster nicht lesbar: {error}", "Tree register cannot be read: {error}"),
    "trees.no_register": ("Kein Baumkataster in der Stadtkonfiguration ([trees]).", "No tree register in the city config ([trees])."),
    "trees.empty": ("Das Baumkataster enthält keine lesbaren Bäume.", "The tree register holds no readable trees."),
    "trees.method.penman_monteith": ("Penman-Monteith", "Penman-Monteith"),
    "trees.method.penman_monteith_estimated": (
        "Penman-Monteith, Strahlung aus der Temperaturspanne geschätzt",
        "Penman-Monteith, radiation estimated from the temperature range",
    ),
    "trees.method.hargreaves": ("Hargreaves (ohne Wind)", "Hargreaves (no wind)"),
    "trees.hint.water": ("gießen", "water now"),
    "trees.hint.soon": ("bald gießen", "water soon"),
    "trees.hint.ok": ("gut versorgt", "enough water"),
    "trees.hint.established": ("eingewachsen", "established"),
    "trees.hint.unknown": ("keine Wetterdaten", "no weather data"),
    "trees.deficit": ("Defizit {value}", "deficit {value}"),
    "trees.litres": ("etwa {n} l", "about {n} l"),
    "trees.planted": ("gepflanzt {year}", "planted {year}"),
    "trees.urgent": ("Zuerst gießen", "Water first"),
    "trees.all_ok": ("Kein Baum braucht jetzt Wasser.", "No tree needs water now."),
    "trees.map_legend": (
        "Jeder Punkt ein Baum: rot gießen, gelb bald, grün gut versorgt; Wort und Werte im Tooltip und in der Liste.",
        "Each dot a tree: red water now, yellow soon, green enough water; the word and values in the tooltip and the list.",
    ),
    "trees.tooltip": ("{name}\n{hint} · Defizit {deficit}\n{sensor}", "{name}\n{hint} · deficit {deficit}\n{sensor}"),
    "trees.sensor_line": ("Sensor: {value} ({status})", "sensor: {value} ({status})"),
    "trees.no_sensor": ("ohne Sensor", "no sensor"),
    "trees.side_by_side": ("Modell und Sensor nebeneinander", "Model and sensor side by side"),
    "trees.side_note": (
        "Wo ein Bodenfeuchtesensor steht, zeigt die Tabelle beide: das Modell rechnet nur mit dem Wetter, der Sensor misst den Boden. "
        "Weichen sie ab, gilt der Sensor – und das Modell braucht vielleicht eine andere Baumscheibe oder einen anderen Kc.",
        "Where a soil-moisture sensor stands, the table shows both: the model knows only the weather, the sensor measures the soil. "
        "Where they differ, trust the sensor – and the model may need another pit size or Kc.",
    ),
    "trees.all": ("Alle Bäume", "All trees"),
    "trees.col.id": ("Nr.", "No."),
    "trees.col.tree": ("Baum", "Tree"),
    "trees.col.street": ("Standort", "Place"),
    "trees.col.planted": ("Pflanzjahr", "Planted"),
    "trees.col.hint": ("Hinweis", "Hint"),
    "trees.col.deficit": ("Defizit (mm)", "Deficit (mm)"),
    "trees.col.raw": ("gießen ab (mm)", "water from (mm)"),
    "trees.col.litres": ("Wassermenge (l)", "Water (l)"),
    "trees.col.model": ("Modell", "Model"),
    "trees.col.sensor": ("Sensor", "Sensor"),
    "trees.col.sensor_status": ("Sensor sagt", "Sensor says"),
    "trees.chart_tree": ("Verlauf für", "History for"),
    "trees.chart_title": ("Wasserbilanz {days} Tage – {tree}", "Water balance over {days} days – {tree}"),
    "trees.rain": ("Regen (mm/Tag)", "Rain (mm/day)"),
    "trees.et": ("Verdunstung Kc·ET₀ (mm/Tag)", "Evaporation Kc·ET₀ (mm/day)"),
    "trees.deficit_line": ("Defizit der Baumscheibe (mm)", "Deficit of the tree pit (mm)"),
    "trees.raw_line": ("gießen ab", "water from"),
    "trees.day": ("Tag", "Day"),
    "trees.mm": ("mm", "mm"),
    "trees.note": (
        "Annahmen: Die Baumscheibe ist zu Beginn des Zeitraums voll; Regen füllt sie bis zu ihrer nutzbaren Wassermenge, "
        "der Rest versickert; Wasser von versiegelten Flächen, Kronentraufe und tiefere Wurzeln zählen nicht; eingetragenes "
        "Gießen zählt als Liter je m² Baumscheibe. Eine Hochrechnung aus dem Wetter, keine Messung.",
        "Assumptions: the tree pit is full at the start of the period; rain fills it up to the water it can hold, the rest "
        "drains; runoff from paving, the crown's drip and deeper roots do not count; logged watering counts as litres per m² of "
        "pit. An estimate from the weather, not a measurement.",
    ),
}
