"""The markets of the fleet catalogue: the default catalogue's 15 countries plus 47 more Spotify markets.

The default catalogue draws its artists from ``entities.COUNTRIES`` only (changing that list would change
every default entity). A fleet catalogue (the ``charts`` knob) draws them from :data:`WORLD`, so every
country chart has local acts next to the global hits, as real country charts do.
"""

from __future__ import annotations

from soundcharts_assets.emulator.entities import COUNTRIES

Country = tuple[str, str, float, tuple[str, ...]]
"""code, name, weight among artists (roughly the market's size), cities."""

MORE_COUNTRIES: list[Country] = [
    ("AR", "Argentina", 3, ("Buenos Aires", "Cordoba")),
    ("CL", "Chile", 2, ("Santiago",)),
    ("PE", "Peru", 1.5, ("Lima",)),
    ("EC", "Ecuador", 1, ("Quito", "Guayaquil")),
    ("NL", "Netherlands", 2, ("Amsterdam", "Rotterdam")),
    ("BE", "Belgium", 1.2, ("Brussels", "Antwerp")),
    ("CH", "Switzerland", 1, ("Zurich", "Geneva")),
    ("AT", "Austria", 1, ("Vienna",)),
    ("PL", "Poland", 2, ("Warsaw", "Krakow")),
    ("CZ", "Czechia", 1, ("Prague",)),
    ("SK", "Slovakia", 0.5, ("Bratislava",)),
    ("HU", "Hungary", 0.8, ("Budapest",)),
    ("RO", "Romania", 1, ("Bucharest",)),
    ("BG", "Bulgaria", 0.5, ("Sofia",)),
    ("GR", "Greece", 0.8, ("Athens",)),
    ("PT", "Portugal", 1, ("Lisbon", "Porto")),
    ("IE", "Ireland", 1, ("Dublin",)),
    ("DK", "Denmark", 1, ("Copenhagen",)),
    ("NO", "Norway", 1, ("Oslo",)),
    ("FI", "Finland", 1, ("Helsinki",)),
    ("IS", "Iceland", 0.3, ("Reykjavik",)),
    ("EE", "Estonia", 0.3, ("Tallinn",)),
    ("LV", "Latvia", 0.3, ("Riga",)),
    ("LT", "Lithuania", 0.3, ("Vilnius",)),
    ("TR", "Turkey", 2, ("Istanbul", "Ankara")),
    ("IL", "Israel", 0.8, ("Tel Aviv",)),
    ("AE", "United Arab Emirates", 0.8, ("Dubai",)),
    ("SA", "Saudi Arabia", 1, ("Riyadh",)),
    ("EG", "Egypt", 1.2, ("Cairo",)),
    ("MA", "Morocco", 1, ("Casablanca",)),
    ("ZA", "South Africa", 2, ("Johannesburg", "Cape Town")),
    ("KE", "Kenya", 0.8, ("Nairobi",)),
    ("IN", "India", 4, ("Mumbai", "Delhi")),
    ("PK", "Pakistan", 1, ("Karachi",)),
    ("ID", "Indonesia", 3, ("Jakarta",)),
    ("MY", "Malaysia", 1, ("Kuala Lumpur",)),
    ("SG", "Singapore", 0.6, ("Singapore",)),
    ("PH", "Philippines", 2.5, ("Manila",)),
    ("TH", "Thailand", 1.5, ("Bangkok",)),
    ("VN", "Vietnam", 1.5, ("Hanoi", "Ho Chi Minh City")),
    ("TW", "Taiwan", 1.2, ("Taipei",)),
    ("HK", "Hong Kong", 0.6, ("Hong Kong",)),
    ("NZ", "New Zealand", 0.8, ("Auckland",)),
    ("UA", "Ukraine", 1, ("Kyiv",)),
    ("DO", "Dominican Republic", 1, ("Santo Domingo",)),
    ("GT", "Guatemala", 0.6, ("Guatemala City",)),
    ("UY", "Uruguay", 0.5, ("Montevideo",)),
]
WORLD: list[Country] = [*COUNTRIES, *MORE_COUNTRIES]
"""Every market of the fleet catalogue, the default catalogue's first (by weight within each list)."""
WORLD_NAMES: dict[str, str] = {code: name for code, name, _, _ in WORLD}
