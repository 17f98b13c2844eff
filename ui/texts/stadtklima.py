"""Texts of the Stadtklima page: temperatures now, day curves, heat days, young trees (German, English)."""

TEXTS: dict[str, tuple[str, str]] = {
    "stadtklima.title": ("Stadtklima", "Microclimate"),
    "stadtklima.no_stations": ("Keine Stadtklima-Stationen mit Temperatur.", "No microclimate stations with a temperature."),
    "stadtklima.summary": (
        "Im Mittel {mean}. Am wärmsten: {hot_place} ({hot}), am kühlsten: {cool_place} ({cool}).",
        "On average {mean}. Warmest: {hot_place} ({hot}), coolest: {cool_place} ({cool}).",
    ),
    "stadtklima.stress.none": ("Keine Hitzebelastung.", "No heat stress."),
    "stadtklima.stress.some": ("{status}: gefühlt {felt} ({place}).", "{status}: feels like {felt} ({place})."),
    "stadtklima.stale_n": ("{n} Stationen ohne aktuelle Werte", "{n} stations without current values"),
    "stadtklima.hottest": ("Am wärmsten", "Warmest"),
    "stadtklima.coolest": ("Am kühlsten", "Coolest"),
    "stadtklima.felt": ("gefühlt {value}", "feels like {value}"),
    "stadtklima.map_legend": (
        "Farbe von blau (kühler, {low}) bis rot (wärmer, {high}); die Zahl am Punkt ist die Temperatur in °C.",
        "Colour from blue (cooler, {low}) to red (warmer, {high}); the number at each point is the temperature in °C.",
    ),
    "stadtklima.tooltip": (
        "{name}\nTemperatur: {value}\n{felt} · {status}\n{age}",
        "{name}\nTemperature: {value}\n{felt} · {status}\n{age}",
    ),
    # day curves
    "stadtklima.curves": ("Tagesgang", "Day curve"),
    "stadtklima.place": ("Ort", "Place"),
    "stadtklima.city_mean": ("Stadtmittel", "City mean"),
    "stadtklima.curves_title": ("Temperatur heute und an den Vortagen – {place}", "Temperature today and on the days before – {place}"),
    "stadtklima.time_of_day": ("Uhrzeit (Ortszeit)", "Time of day (local)"),
    "stadtklima.today": ("heute", "today"),
    "stadtklima.curves_note": (
        "Heute in 15-Minuten-Mitteln, die Vortage in Stundenmitteln. Stadtmittel: Mittel der Stationen, die gemeldet haben.",
        "Today in 15-minute means, the days before in hourly means. City mean: mean of the stations that reported.",
    ),
    "stadtklima.no_curves": ("Noch keine Temperaturverläufe.", "No temperature curves yet."),
    # heat and frost days
    "stadtklima.days": ("Hitze- und Frosttage {year}, stadtweit", "Heat and frost days {year}, city-wide"),
    "stadtklima.count.summer": ("Sommertage", "Summer days"),
    "stadtklima.count.hot": ("Heiße Tage", "Hot days"),
    "stadtklima.count.tropical": ("Tropennächte", "Tropical nights"),
    "stadtklima.count.frost": ("Frosttage", "Frost days"),
    "stadtklima.rule.summer": ("Höchstwert mindestens 25 °C", "Maximum at least 25 °C"),
    "stadtklima.rule.hot": ("Höchstwert mindestens 30 °C", "Maximum at least 30 °C"),
    "stadtklima.rule.tropical": (
        "Tiefstwert mindestens 20 °C (Tagesminimum als Näherung des Nachtminimums)",
        "Minimum at least 20 °C (the day's minimum approximates the night's)",
    ),
    "stadtklima.rule.frost": ("Tiefstwert unter 0 °C", "Minimum below 0 °C"),
    "stadtklima.days_note": (
        "Stadtweit: Tage seit {since}, an denen mindestens eine Station die Schwelle erreichte (Begriffe des DWD). "
        "Der heutige Tag zählt, sobald er feststeht; Tropennächte erst am Tagesende. Messwerte an {n} Tagen seit {first}.",
        "City-wide: days since {since} on which at least one station reached the threshold (DWD terms). "
        "Today counts once it is certain; tropical nights only when the day is over. Readings on {n} days since {first}.",
    ),
    "stadtklima.per_station": ("Je Station", "Per station"),
    "stadtklima.col.station": ("Station", "Station"),
    "stadtklima.col.district": ("Ortsteil", "District"),
    "stadtklima.col.days": ("Tage mit Daten", "Days with data"),
    "stadtklima.col.max": ("Höchstwert (°C)", "Maximum (°C)"),
    "stadtklima.col.min": ("Tiefstwert (°C)", "Minimum (°C)"),
    # young trees
    "stadtklima.trees": ("Junge Bäume", "Young trees"),
    "stadtklima.trees.none": ("Alle {total} Bäume mit Sensor haben genug Wasser.", "All {total} trees with sensors have enough water."),
    "stadtklima.trees.some": ("{n} von {total} Bäumen brauchen Wasser.", "{n} of {total} trees need water."),
    "stadtklima.hint.moist": ("Kein Gießen nötig", "No watering needed"),
    "stadtklima.hint.drying": ("Bald gießen", "Water soon"),
    "stadtklima.hint.dry": ("Jetzt gießen!", "Water now!"),
    "stadtklima.hint.unknown": ("Keine Daten", "No data"),
    "stadtklima.hint.unrated": ("Ohne Bewertung", "Not rated"),
    "stadtklima.no_trees": ("Keine Bodensensoren an Bäumen.", "No soil sensors at trees."),
    "stadtklima.tree_pick": ("Bäume im Verlauf", "Trees in the chart"),
    "stadtklima.tree_title": ("Boden der jungen Bäume, letzte {days} Tage", "Soil of the young trees, last {days} days"),
    "stadtklima.tree_time": ("Datum", "Date"),
    "stadtklima.band.drying": ("bald gießen", "water soon"),
    "stadtklima.band.dry": ("gießen", "water now"),
    "stadtklima.tree_note": (
        "Stundenmittel. Linien: stadtweite Schwellen; ein Sensor kann eigene Schwellen haben (die Ampel nutzt sie).",
        "Hourly means. Lines: city-wide thresholds; a sensor may have its own (the traffic light uses them).",
    ),
}
