"""Texts of the staff-only parts: what needs a staff login, login and logout (German, English)."""

TEXTS: dict[str, tuple[str, str]] = {
    "access.staff_only": (
        "Nur für Mitarbeitende der Stadt: {what} braucht eine Anmeldung.",
        "For city staff only: {what} needs a staff login.",
    ),
    "access.what.downloads": ("der Download der Daten", "downloading the data"),
    "access.what.scenario": ("das Starten und Beenden von Workshop-Szenarien", "starting and stopping workshop scenarios"),
    "access.what.feed_details": ("die Fehlermeldungen und Details der Quellen", "the error messages and details of the sources"),
    "access.login": ("Anmelden", "Log in"),
    "access.logout": ("Abmelden", "Log out"),
    "access.logged_in": ("Angemeldet: {user}", "Logged in: {user}"),
    "access.login_not_set_up": (
        "Die Anmeldung ist auf diesem Server noch nicht eingerichtet (siehe docs/security.md).",
        "Login is not set up on this server yet (see docs/security.md).",
    ),
    "access.proxy_hint": (
        "Mitarbeitende öffnen die App über den Mitarbeiter-Zugang der Stadt.",
        "Staff open the app through the city's staff access.",
    ),
}
