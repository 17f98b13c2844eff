"""Texts of the region: the city switch and the Region page (German, English)."""

TEXTS = {
    "sidebar.city": ("Stadt", "City"),
    "nav.region": ("Region", "Region"),
    "region.title": ("Wie geht es {region} heute?", "How is {region} today?"),
    "region.intro": (
        "Jede Stadt mit ihren eigenen Sensoren und Schwellen, nebeneinander. Ein Klick auf eine Stadt öffnet ihr Heute.",
        "Each city with its own sensors and thresholds, side by side. Click a city to open its Today page.",
    ),
    "region.single": (
        "Diese Installation zeigt eine Stadt. Eine Regionsdatei (docs/region.md) stellt mehrere nebeneinander.",
        "This deployment shows one city. A region file (docs/region.md) puts several side by side.",
    ),
    "region.none": ("keine Messung", "not measured"),
    "region.stations": ("{n} Stationen", "{n} stations"),
    "region.owners": ("Wer kümmert sich?", "Who owns what?"),
    "region.owners_note": (
        "Eine Stadt ist „Kümmerer“ eines Anwendungsfalls, die anderen übernehmen ihn.",
        "One city owns a use case (the “Kümmerer”); the others adopt it.",
    ),
    "region.usecase": ("Anwendungsfall", "Use case"),
    "region.owner": ("Kümmerer", "Owner"),
    "region.adopters": ("übernehmen", "adopted by"),
    "region.open": ("Heute in {city}", "Today in {city}"),
    "usecase.stadtklima": ("Stadtklima", "Urban climate"),
    "usecase.schulen": ("CO₂-Ampeln in Schulen", "Classroom CO₂ lights"),
    "usecase.pegel": ("Pegel", "Water levels"),
    "usecase.luft": ("Luftqualität", "Air quality"),
    "usecase.verkehr": ("Verkehr", "Traffic"),
    "usecase.energie": ("Energie kommunaler Gebäude", "Energy of municipal buildings"),
    "usecase.baumkataster": ("Baumkataster und Bewässerung", "Tree register and watering"),
    "usecase.parken": ("Parken", "Parking"),
    "usecase.laerm": ("Lärm", "Noise"),
}
