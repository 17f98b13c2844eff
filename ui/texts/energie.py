"""Texts of the Energie page and the Heute tile of the city's buildings (German, English)."""

TEXTS: dict[str, tuple[str, str]] = {
    "nav.energy": ("Energie", "Energy"),
    "energie.title": ("Energie der städtischen Gebäude", "Energy of the city's buildings"),
    "energie.no_buildings": (
        "Keine Gebäude eingetragen: die Stadt nennt sie in der Konfiguration unter [[buildings]] (docs/energy.md).",
        "No buildings configured: the city lists them under [[buildings]] in its configuration (docs/energy.md).",
    ),
    "energie.no_data": ("Noch keine Zählerstände der Gebäude.", "No meter readings of the buildings yet."),
    "energie.today": ("Heute im Vergleich", "Today compared"),
    "energie.total_el": ("Strom heute bis {hour} Uhr", "Electricity today until {hour}:00"),
    "energie.total_heat": ("Wärme heute bis {hour} Uhr", "Heat today until {hour}:00"),
    "energie.total_flagged": ("Gebäude mit hoher Grundlast nachts", "Buildings with a high night baseload"),
    "energie.versus.last_year": ("{value} am selben Wochentag vor einem Jahr", "{value} on the same weekday a year ago"),
    "energie.versus.four_weeks": (
        "{value} im Mittel derselben Wochentage der letzten 4 Wochen",
        "{value} on average on the same weekday of the last 4 weeks",
    ),
    "energie.versus.none": ("noch kein Vergleichstag", "no day to compare with yet"),
    "energie.row_today": ("Strom {el} · Wärme {heat}", "Electricity {el} · heat {heat}"),
    "energie.change.less": ("weniger", "less"),
    "energie.change.same": ("wie damals", "the same"),
    "energie.change.more": ("mehr", "more"),
    "energie.change.unknown": ("kein Vergleich", "no comparison"),
    "energie.per_m2": ("Verbrauch je m² und Jahr (VDI 3807)", "Consumption per m² and year (VDI 3807)"),
    "energie.per_m2_el": ("Strom, kWh/(m²·a)", "Electricity, kWh/(m²·a)"),
    "energie.per_m2_heat": ("Wärme, kWh/(m²·a), nicht witterungsbereinigt", "Heat, kWh/(m²·a), not weather-corrected"),
    "energie.limit": ("Grenzwert", "limit value"),
    "energie.target": ("Zielwert", "target value"),
    "energie.measured": ("gemessen (letzte 365 Tage)", "measured (last 365 days)"),
    "energie.rating.good": ("unter dem Zielwert", "below the target"),
    "energie.rating.medium": ("zwischen Ziel- und Grenzwert", "between target and limit"),
    "energie.rating.high": ("über dem Grenzwert", "above the limit"),
    "energie.rating.unknown": ("kein Vergleichswert", "no benchmark"),
    "energie.per_m2_note": (
        "Vergleichswerte: VDI 3807, Grenz- und Zielwerte in kWh je m² Nettogrundfläche und Jahr (Schulen Wärme 154/90, Strom 14/6; "
        "Verwaltung 128/72, 30/10; Sporthallen 187/92, 22/6; Bürgerhäuser 161/72, 22/5; Feuerwehrgerätehäuser 149/56, 13/4). "
        "Hallenbäder haben hier keinen Vergleichswert. Ein Jahreswert braucht 360 Tage Messung.",
        "Benchmarks: VDI 3807 limit and target values in kWh per m² of net floor area and year (schools heat 154/90, electricity 14/6; "
        "administration 128/72, 30/10; sports halls 187/92, 22/6; community halls 161/72, 22/5; fire stations 149/56, 13/4). "
        "Indoor pools have no benchmark here. A yearly value needs 360 days of readings.",
    ),
    "energie.category.school": ("Schule", "School"),
    "energie.category.administration": ("Verwaltung", "Administration"),
    "energie.category.sports_hall": ("Sporthalle", "Sports hall"),
    "energie.category.community_hall": ("Bürgerhaus", "Community hall"),
    "energie.category.fire_station": ("Feuerwehr", "Fire station"),
    "energie.category.pool": ("Hallenbad", "Indoor pool"),
    "energie.category.other": ("Gebäude", "Building"),
    "energie.night": ("Grundlast nachts (00–04 Uhr)", "Night baseload (00:00–04:00)"),
    "energie.night_row": ("{kw} nachts · Anteil am Tagesmittel", "{kw} at night · share of the daily mean"),
    "energie.night.high": ("zu hoch", "too high"),
    "energie.night.ok": ("unauffällig", "unremarkable"),
    "energie.night.none": ("keine Daten", "no data"),
    "energie.night_note": (
        "Mittlere Leistung von 00 bis 04 Uhr geteilt durch die mittlere Leistung des ganzen Tages (Median der letzten 7 Tage). "
        "Über 50 % in einer Schule heißt: nachts läuft, was tagsüber gebraucht wird (Lüftung, Licht, Geräte).",
        "Mean power from 00:00 to 04:00 divided by the mean power of the whole day (median of the last 7 days). "
        "Above 50 % in a school means that what the day needs keeps running at night (ventilation, lights, devices).",
    ),
    "energie.days": ("Schultage, Ferien und Wochenenden", "School days, holidays and weekends"),
    "energie.days_axis": ("Strom je Tag, kWh (Mittel der letzten 365 Tage)", "Electricity per day, kWh (mean of the last 365 days)"),
    "energie.day.school_day": ("Schultag", "School day"),
    "energie.day.holiday": ("Ferien, Feiertag", "Holiday"),
    "energie.day.weekend": ("Wochenende", "Weekend"),
    "energie.day.unknown": ("unbekannt", "unknown"),
    "energie.days_note": (
        "Schulferien und Feiertage in NRW aus dem Paket holidays (Daten der KMK), dazu die beweglichen Ferientage der Schulen aus der "
        "Konfiguration. Für {n} Tage kennt der Kalender die Ferien nicht: diese Tage sind „unbekannt“ und zählen nicht mit.",
        "NRW school and public holidays from the holidays package (KMK data), plus each school's own free days from the "
        "configuration. For {n} days the calendar does not know the holidays: these days are “unknown” and not counted.",
    ),
    "energie.days_note_known": (
        "Schulferien und Feiertage in NRW aus dem Paket holidays (Daten der KMK), dazu die beweglichen Ferientage der Schulen aus der "
        "Konfiguration.",
        "NRW school and public holidays from the holidays package (KMK data), plus each school's own free days from the configuration.",
    ),
    "energie.heat": ("Wärme witterungsbereinigt", "Heat, weather-corrected"),
    "energie.heat_row": ("letzte 14 Tage {now} · vor einem Jahr {last}", "last 14 days {now} · a year ago {last}"),
    "energie.heat_note": (
        "Gradtagzahl G20/15 (VDI 3807, VDI 4710): Summe von 20 °C minus Tagesmitteltemperatur über die Tage unter 15 °C, aus den "
        "Außentemperaturen der Stadt. Die Wärme der letzten 14 Tage wird mit derselben Zeit vor einem Jahr verglichen, diese mit dem "
        "Verhältnis der Gradtagzahlen umgerechnet: jetzt {now} Kd, damals {last} Kd.",
        "Heating degree days G20/15 (VDI 3807, VDI 4710): the sum of 20 °C minus the daily mean temperature over the days below 15 °C, "
        "from the city's outdoor temperatures. The heat of the last 14 days is compared with the same days a year ago, scaled by the "
        "ratio of their degree days: now {now} Kd, then {last} Kd.",
    ),
    "energie.heat_none": (
        "Keine Bereinigung möglich: es fehlt ein Jahr Außentemperatur oder Wärme, oder es ist kaum Heizzeit (unter 10 Kd).",
        "No correction possible: a year of outdoor temperature or heat is missing, or it is hardly heating season (below 10 Kd).",
    ),
    "energie.corrected": ("{change} bereinigt", "{change} corrected"),
    "energie.building": ("Gebäude", "Building"),
    "energie.daily_title": ("{name}: Verbrauch je Tag, heute vor einem Jahr gestrichelt", "{name}: consumption per day, a year ago dashed"),
    "energie.electricity": ("Strom", "Electricity"),
    "energie.heat_carrier": ("Wärme", "Heat"),
    "energie.last_year": ("vor einem Jahr (gleicher Wochentag)", "a year ago (same weekday)"),
    "energie.kwh_axis": ("kWh je Tag", "kWh per day"),
    "energie.date_axis": ("Tag", "Day"),
    # the Heute tile of the city's buildings
    "tile.energy": ("Städtische Gebäude", "City buildings"),
    "tile.energy.detail": ("{n} Gebäude, Strom heute bisher", "{n} buildings, electricity so far today"),
    "tile.energy.usual": ("Vorjahr bis {hour} Uhr: {value} ({delta})", "Last year until {hour}:00: {value} ({delta})"),
    "sentence.energy.none": ("Die städtischen Gebäude verbrauchen nachts wenig.", "The city's buildings use little at night."),
    "sentence.energy.some": (
        "In {n} von {total} städtischen Gebäuden läuft nachts zu viel Strom.",
        "In {n} of {total} city buildings too much electricity runs at night.",
    ),
}
