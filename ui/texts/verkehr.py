"""Texts of the Verkehr & Lärm page: counters against the usual, modal split, V85, noise levels, car parks and charging (German, English)."""

TEXTS: dict[str, tuple[str, str]] = {
    "nav.traffic": ("Verkehr & Lärm", "Traffic & noise"),
    "verkehr.title": ("Verkehr & Lärm", "Traffic & noise"),
    # traffic
    "verkehr.traffic": ("Verkehr heute", "Traffic today"),
    "verkehr.no_counters": ("Keine Verkehrszähler.", "No traffic counters."),
    "verkehr.counter_usual": ("Üblich {weekday} um {hour} Uhr: {value}", "Usual {weekday} at {hour}:00: {value}"),
    "verkehr.counter_no_usual": ("Noch kein üblicher Wert für diese Stunde", "No usual value for this hour yet"),
    "verkehr.counted": ("Heute bisher {n} Autos (üblich bis jetzt: {usual})", "{n} cars so far today (usually by now: {usual})"),
    "verkehr.counted_alone": ("Heute bisher {n} Autos", "{n} cars so far today"),
    "verkehr.modes": ("{heavy} · {bike} · {pedestrian}", "{heavy} · {bike} · {pedestrian}"),
    "verkehr.v85": ("V85: {value}", "V85: {value}"),
    "verkehr.v85_note": (
        "V85 ist die Geschwindigkeit, die 85 % der Autos nicht überschreiten. Die Geschwindigkeiten der Zähler sind indikativ "
        "(Telraam: Abweichung etwa 10 %), keine Verkehrsüberwachung.",
        "V85 is the speed that 85 % of cars do not exceed. The counters' speeds are indicative "
        "(Telraam: off by about 10 %), not speed enforcement.",
    ),
    "verkehr.usual_note": (
        "Üblich: der Median derselben Stunde {weekday} in den letzten {weeks} Wochen (so weit gemessen); das graue Band reicht "
        "vom 10. bis zum 90. Perzentil.",
        "Usual: the median of the same hour {weekday} over the last {weeks} weeks (as far as measured); the grey band spans "
        "the 10th to the 90th percentile.",
    ),
    "verkehr.day_title": ("{name}: {quantity} heute und üblich", "{name}: {quantity} today and usually"),
    "verkehr.today": ("heute", "today"),
    "verkehr.usual_line": ("üblich {weekday}", "usual {weekday}"),
    "verkehr.band": ("übliche Spanne", "usual range"),
    "verkehr.time_of_day": ("Uhrzeit (Ortszeit)", "Time of day (local)"),
    "verkehr.rate_axis": ("{quantity} pro Stunde", "{quantity} per hour"),
    "verkehr.split_title": ("Modal Split heute: wer an den Zählstellen unterwegs war", "Modal split today: who passed the counters"),
    "verkehr.share_axis": ("Anteil der heute Gezählten", "Share of today's count"),
    "verkehr.kiosk_counter": ("üblich {usual} · V85 {v85}", "usual {usual} · V85 {v85}"),
    # the kiosk's short words for traffic against the usual (core.views.traffic.COMPARISONS)
    "verkehr.short.much_less": ("viel weniger", "far less"),
    "verkehr.short.less": ("weniger", "less"),
    "verkehr.short.usual": ("wie üblich", "as usual"),
    "verkehr.short.more": ("mehr", "more"),
    "verkehr.short.much_more": ("viel mehr", "far more"),
    # noise
    "verkehr.noise": ("Lärm", "Noise"),
    "verkehr.no_noise": ("Keine Lärmmessstellen.", "No sound meters."),
    "verkehr.not_official": (
        "Richtwert-Vergleich, keine amtliche Messung.",
        "A comparison with guideline values, not an official measurement.",
    ),
    "verkehr.noise_day": ("Tag {value}", "Day {value}"),
    "verkehr.noise_day_running": ("Tag bisher {value}", "Day so far {value}"),
    "verkehr.noise_night": ("letzte Nacht {value}", "last night {value}"),
    "verkehr.noise_now": ("jetzt {value}, Spitze {peak}", "now {value}, peak {peak}"),
    "verkehr.hours_above": ("{n} von {total} Stunden über {value}", "{n} of {total} hours above {value}"),
    "verkehr.kiosk_noise": ("Nacht {night} · {n} h über {value}", "night {night} · {n} h above {value}"),
    "verkehr.kiosk_noise_lead": (
        "Tagpegel 06–22 Uhr in dB(A) · Richtwert-Vergleich, keine amtliche Messung.",
        "Day level 06–22 in dB(A) · a comparison with guideline values, not an official measurement.",
    ),
    "verkehr.short.below": ("unter Richtwert", "below guideline"),
    "verkehr.short.above": ("über Richtwert", "above guideline"),
    "verkehr.short.none": ("noch offen", "not yet"),
    "verkehr.rating.below": ("unter dem Richtwert", "below the guideline"),
    "verkehr.rating.above": ("über dem Richtwert", "above the guideline"),
    "verkehr.rating.none": ("noch kein Tageswert", "no day level yet"),
    "verkehr.noise_title": ("Die letzten 24 Stunden: Stundenpegel LAeq", "The last 24 hours: hourly LAeq"),
    "verkehr.guide.day": ("Richtwert Tag {value}", "Day guideline {value}"),
    "verkehr.guide.night": ("Richtwert Nacht {value}", "Night guideline {value}"),
    "verkehr.guide.who_lden": ("WHO Lden {value}", "WHO Lden {value}"),
    "verkehr.guide.who_lnight": ("WHO Lnight {value}", "WHO Lnight {value}"),
    "verkehr.noise_note": (
        "Tagpegel 06–22 Uhr, Nachtpegel 22–06 Uhr (Ortszeit), energetisch gemittelt aus LAeq. Richtwerte {basis}: Tag {day} dB(A), "
        "Nacht {night} dB(A). Referenzlinien: WHO 2018 Straßenverkehr Lden {lden} dB, Lnight {lnight} dB (Jahreswerte, hier nur zur "
        "Orientierung).",
        "Day level 06–22, night level 22–06 (local time), energetic means of LAeq. Guideline values {basis}: day {day} dB(A), "
        "night {night} dB(A). Reference lines: WHO 2018 road traffic Lden {lden} dB, Lnight {lnight} dB (yearly values, shown for "
        "orientation only).",
    ),
    "verkehr.basis.default": ("TA Lärm, Mischgebiet", "TA Lärm, mixed area"),
    "verkehr.basis.city": ("der Stadt", "set by the city"),
    # car parks and charging
    "verkehr.sites": ("Parken & Laden", "Parking & charging"),
    "verkehr.no_sites": ("Keine Parkhäuser oder Ladestationen.", "No car parks or charging sites."),
    "verkehr.parking_value": ("{free} frei", "{free} free"),
    "verkehr.parking_sub": ("Parken · {occupancy} belegt · {age}", "Parking · {occupancy} occupied · {age}"),
    "verkehr.kiosk_parking": ("{occupancy} belegt", "{occupancy} occupied"),
    "verkehr.charging_value": ("{free} von {total} frei", "{free} of {total} free"),
    "verkehr.charging_sub": ("Ladestation · {broken} · {age}", "Charging site · {broken} · {age}"),
    "verkehr.charging_ok": ("alle in Betrieb", "all in operation"),
    "verkehr.charging_broken": ("{n} außer Betrieb", "{n} out of service"),
    "verkehr.sites_note": (
        "Ladepunkte: frei von denen in Betrieb; außer Betrieb zählt nie als belegt. Alter: seit der letzten Meldung.",
        "Charge points: free of those in operation; out of service never counts as taken. Age: since the last update.",
    ),
}
