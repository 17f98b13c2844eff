"""Texts of the Raumluft Schulen page: CO₂ traffic lights, airing hints, lesson-time shares (German, English)."""

TEXTS: dict[str, tuple[str, str]] = {
    "schulen.title": ("Raumluft in Schulen", "Classroom air in schools"),
    "schulen.no_rooms": ("Keine CO₂-Ampeln in Klassenräumen.", "No CO₂ monitors in classrooms."),
    "schulen.pick": ("Schule", "School"),
    "schulen.all": ("Alle Schulen (Übersicht)", "All schools (overview)"),
    "schulen.unassigned": ("Ohne Zuordnung", "Unassigned"),
    "schulen.summary.none": ("In allen {total} Räumen ist die Luft gut.", "The air is good in all {total} rooms."),
    "schulen.summary.some": (
        "In {n} von {total} Räumen sollte jetzt gelüftet werden.",
        "{n} of {total} rooms should open their windows now.",
    ),
    "schulen.hint.good": ("Luft ist gut", "Air is fine"),
    "schulen.hint.moderate": ("Fenster auf – lüften!", "Open the windows!"),
    "schulen.hint.bad": ("Sofort stoßlüften!", "Air the room right now!"),
    "schulen.hint.unknown": ("Keine Daten", "No data"),
    "schulen.hint.unrated": ("Ohne Bewertung", "Not rated"),
    "schulen.rooms_now": ("Räume jetzt", "Rooms now"),
    # overview
    "schulen.tile.rooms": ("{n} Räume", "{n} rooms"),
    "schulen.tile.to_air": ("{n} von {total} Räumen lüften", "{n} of {total} rooms should air"),
    "schulen.tile.all_good": ("alle {total} Räume gut", "all {total} rooms fine"),
    "schulen.tile.worst": ("höchster Wert: {room} ({value})", "highest: {room} ({value})"),
    "schulen.tile.week": ("Diese Woche {share} der Unterrichtszeit über {value}", "This week {share} of lesson time above {value}"),
    "schulen.col.school": ("Schule", "School"),
    "schulen.col.rooms": ("Räume", "Rooms"),
    "schulen.col.to_air": ("Lüften", "To air"),
    "schulen.col.max": ("Höchster Wert", "Highest value"),
    # day curve
    "schulen.curve": ("Verlauf heute", "Today's curve"),
    "schulen.curve_title": ("CO₂ heute – {school}", "CO₂ today – {school}"),
    "schulen.time": ("Uhrzeit (Ortszeit)", "Time (local)"),
    "schulen.band.moderate": ("{value}: lüften", "{value}: open windows"),
    "schulen.band.bad": ("{value}: inakzeptabel", "{value}: unacceptable"),
    "schulen.no_curve": ("Heute noch keine Messwerte.", "No readings today yet."),
    # lesson-time shares
    "schulen.share": ("Unterrichtszeit mit schlechter Luft", "Lesson time with poor air"),
    "schulen.week": ("Woche", "Week"),
    "schulen.week.0": ("diese Woche", "this week"),
    "schulen.week.1": ("letzte Woche", "last week"),
    "schulen.share_title": (
        "Anteil der Unterrichtszeit über {moderate} und über {bad}, {start} bis {end}",
        "Share of lesson time above {moderate} and above {bad}, {start} to {end}",
    ),
    "schulen.over": ("über {value}", "above {value}"),
    "schulen.share_axis": ("Anteil der Unterrichtszeit (%)", "Share of lesson time (%)"),
    "schulen.room": ("Raum", "Room"),
    "schulen.share_note": (
        "Unterrichtszeit: {days} {start}–{end} Uhr. Gezählt in 15-Minuten-Abschnitten, jeder gleich gewichtet: "
        "ein Abschnitt zählt, wenn sein Mittelwert die Grenze erreicht. Abschnitte ohne Messwert zählen nicht; "
        "Ferien und Feiertage kennt die Seite nicht.",
        "Lesson time: {days} {start}–{end}. Counted in 15-minute buckets, each weighted the same: "
        "a bucket counts when its mean reaches the limit. Buckets without readings do not count; "
        "the page does not know school holidays.",
    ),
    # ISO weekdays, for the lesson-time note (built from core.schools.LESSONS)
    "schulen.day.1": ("Mo", "Mon"),
    "schulen.day.2": ("Di", "Tue"),
    "schulen.day.3": ("Mi", "Wed"),
    "schulen.day.4": ("Do", "Thu"),
    "schulen.day.5": ("Fr", "Fri"),
    "schulen.day.6": ("Sa", "Sat"),
    "schulen.day.7": ("So", "Sun"),
    "schulen.no_lessons": ("In dieser Woche noch keine Unterrichtszeit mit Messwerten.", "No lesson time with readings in this week yet."),
    "schulen.col.room": ("Raum", "Room"),
    "schulen.col.hours": ("Unterrichtsstunden mit Daten (h)", "Lesson hours with data (h)"),
}
