"""Texts of the workshop scenarios: banner, controls and URL messages (German, English)."""

TEXTS: dict[str, tuple[str, str]] = {
    "scenario.banner": ("Szenario: {name} – keine echten Messwerte", "Scenario: {name} – not real readings"),
    "scenario.banner.detail": (
        "{speed}× Zeitraffer · {played} von {duration} gespielt",
        "{speed}× time-lapse · {played} of {duration} played",
    ),
    "scenario.banner.loop": ("läuft in Schleife", "looping"),
    "scenario.title": ("Workshop-Szenario", "Workshop scenario"),
    "scenario.intro": (
        "Ein Szenario spielt ein Ereignis im Zeitraffer auf der Demo-Stadt ab. Alle Seiten zeigen dann ein Banner; "
        "die Werte werden unter der Quelle „scenario“ gespeichert, nie bei echten Quellen.",
        "A scenario plays an event at speed on top of the demo city. Every page then shows a banner; the readings "
        "are stored under the source “scenario”, never with real sources.",
    ),
    "scenario.choose": ("Szenario", "Scenario"),
    "scenario.speed": ("Geschwindigkeit", "Speed"),
    "scenario.speed.help": ("60× spielt eine Stunde in einer Minute.", "60× plays an hour in a minute."),
    "scenario.loop": ("In Schleife wiederholen", "Repeat in a loop"),
    "scenario.start": ("Szenario starten", "Start scenario"),
    "scenario.stop": ("Szenario beenden", "Stop scenario"),
    "scenario.duration": ("Dauer: {duration} Szenariozeit, bei {speed}× {wall}", "Duration: {duration} scenario time, {wall} at {speed}×"),
    "scenario.running": ("Läuft: {name}, {speed}×, gestartet um {time}.", "Running: {name}, {speed}×, started at {time}."),
    "scenario.idle": (
        "Kein Szenario aktiv: die Demo-Stadt zeigt ihre normalen simulierten Werte.",
        "No scenario running: the demo city shows its usual simulated values.",
    ),
    "scenario.url": ("Für einen Kiosk ohne Bedienung: {url}", "For an unattended kiosk: {url}"),
    "scenario.no_demo": (
        "Szenarien spielen auf der Demo-Stadt; diese Stadt-Konfiguration hat keine Demo-Quelle.",
        "Scenarios play on the demo city; this city configuration has no demo source.",
    ),
    "scenario.unknown": (
        "Unbekanntes Szenario „{name}“ in der Adresse; bekannt sind: {known}.",
        "Unknown scenario “{name}” in the address; known ones: {known}.",
    ),
    "scenario.bad_speed": (
        "Geschwindigkeit „{speed}“ gibt es nicht; möglich sind {speeds}.",
        "There is no speed “{speed}”; possible are {speeds}.",
    ),
    "scenario.broken": ("Das Szenario kann nicht gestartet werden: {error}", "The scenario cannot be started: {error}"),
    "scenario.needs_key": (
        "Ein Szenario per Adresse zu starten oder zu beenden braucht den Workshop-Schlüssel in der Adresse (key=…).",
        "Starting or stopping a scenario by address needs the workshop key in the address (key=…).",
    ),
}
