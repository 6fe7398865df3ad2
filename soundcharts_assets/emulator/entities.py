"""The synthetic songs and artists, built once from the seed.

Popularity is a heavy-tailed number per artist and song; charts, audience and airplay all derive from it,
so the same hits show up everywhere, as on real charts. The reference's seed entities ("bad guy" by
Billie Eilish) come first with their documented ids.

``build_songs`` and ``build_artists`` are long on purpose: each draws every field of an entity in one fixed order
from one random stream, and that order is the catalogue's identity (splitting them would reorder the draws and
change every seeded value tests compare against).
"""

from __future__ import annotations

import random
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from soundcharts_assets.emulator.platforms import SOCIAL_PLATFORMS
from soundcharts_assets.emulator.randomness import token, unit

BILLIE_EILISH_UUID = "11e81bcc-9c1c-ce38-b96b-a0369fe50396"
BAD_GUY_UUID = "7d534228-5165-11e9-9375-549f35161576"
BAD_GUY_ISRC = "USUM71900764"
BAD_GUY_SPOTIFY_ID = "2Fxmhks0bxGSBdJ92vM42m"
_NAMESPACE = uuidlib.UUID("5b1c3f0e-2a7d-4c55-9a53-3f0f5d8e9b21")
APP = "https://app.soundcharts.com/app"
ASSETS = "https://assets.soundcharts.com"

# code, name, weight among artists, cities
COUNTRIES: list[tuple[str, str, float, tuple[str, ...]]] = [
    ("US", "United States", 30, ("Los Angeles", "New York", "Atlanta", "Nashville", "Houston")),
    ("GB", "United Kingdom", 10, ("London", "Manchester", "Bristol")),
    ("FR", "France", 7, ("Paris", "Marseille", "Lyon")),
    ("DE", "Germany", 7, ("Berlin", "Hamburg", "Munich")),
    ("BR", "Brazil", 8, ("Sao Paulo", "Rio de Janeiro")),
    ("MX", "Mexico", 6, ("Mexico City", "Guadalajara")),
    ("KR", "South Korea", 5, ("Seoul", "Busan")),
    ("CA", "Canada", 5, ("Toronto", "Montreal")),
    ("ES", "Spain", 4, ("Madrid", "Barcelona")),
    ("CO", "Colombia", 4, ("Medellin", "Bogota")),
    ("JP", "Japan", 4, ("Tokyo", "Osaka")),
    ("AU", "Australia", 3, ("Sydney", "Melbourne")),
    ("SE", "Sweden", 2, ("Stockholm",)),
    ("NG", "Nigeria", 3, ("Lagos",)),
    ("IT", "Italy", 2, ("Milan", "Rome")),
]
COUNTRY_NAMES = {code: name for code, name, _, _ in COUNTRIES}
GENRES: dict[str, tuple[str, ...]] = {
    "pop": ("electro pop", "dance pop", "indie pop", "k-pop", "alternative pop"),
    "hip hop": ("trap", "rap", "drill", "conscious hip hop"),
    "latin": ("reggaeton", "latin pop", "corridos"),
    "electronic": ("house", "techno", "edm"),
    "r&b": ("contemporary r&b", "neo soul"),
    "rock": ("indie rock", "alternative rock", "pop rock"),
    "country": ("contemporary country",),
    "african": ("afrobeats", "amapiano"),
}
LABELS = [
    ("Universal Music", "major"),
    ("Sony Music", "major"),
    ("Warner Music", "major"),
    ("Interscope", "major"),
    ("Atlantic", "major"),
    ("XL Recordings", "indie"),
    ("Domino", "indie"),
    ("Ninja Tune", "indie"),
    ("Self-released", "diy"),
    ("Because Music", "indie"),
]
_FIRST = [
    "Ava",
    "Leo",
    "Mia",
    "Noah",
    "Zoe",
    "Kai",
    "Luna",
    "Omar",
    "Ines",
    "Theo",
    "Nina",
    "Jude",
    "Ezra",
    "Lola",
    "Remi",
    "Sami",
    "Yara",
    "Milo",
    "Ada",
    "Cleo",
    "Rio",
    "Tate",
    "Maya",
    "Ivo",
    "Nico",
    "Lena",
    "Aria",
    "Enzo",
    "Iris",
    "Dev",
]
_LAST = [
    "Stone",
    "Rivers",
    "Vega",
    "Moreau",
    "Kim",
    "Okafor",
    "Silva",
    "Novak",
    "Hart",
    "Lane",
    "Cruz",
    "Berg",
    "Sato",
    "Diaz",
    "Quinn",
    "Roux",
    "Blake",
    "Frost",
    "Young",
    "Park",
    "Mendes",
    "Weiss",
    "Costa",
    "Reyes",
    "Wolfe",
    "Grey",
    "Lake",
    "Fox",
]
_GROUP = [
    "The",
    "Velvet",
    "Echo",
    "Neon",
    "Tides",
    "Paper",
    "Lions",
    "Static",
    "Bloom",
    "Golden",
    "Hour",
    "Night",
    "Drive",
    "Wild",
    "Coast",
    "Moon",
    "Club",
    "Glass",
    "Animals",
    "Sunset",
    "Riot",
    "Blue",
    "Arcade",
    "Silver",
    "Lungs",
]
_WORDS = [
    "love",
    "night",
    "fire",
    "heart",
    "city",
    "dream",
    "gold",
    "rain",
    "dance",
    "summer",
    "ghost",
    "light",
    "wild",
    "blue",
    "tears",
    "money",
    "crazy",
    "forever",
    "alone",
    "stars",
    "ocean",
    "midnight",
    "honey",
    "electric",
    "paradise",
    "bad",
    "good",
    "young",
    "sweet",
    "cold",
    "fever",
    "shadow",
    "kiss",
    "run",
    "river",
    "echo",
    "sky",
]
STAGES = ("undiscovered", "developing", "mid-level", "mainstream", "superstar")


@dataclass(frozen=True, eq=False)
class ArtistRecord:
    uuid: str
    slug: str
    name: str
    country_code: str
    popularity: float
    growth: float
    object: dict[str, Any]
    platforms: frozenset[str]
    """Social platforms the artist has an account on."""
    account_scale: dict[str, float] = field(default_factory=dict)
    """Size of an account relative to the artist's audience, per platform (missing = 1.0). Only the fleet
    catalogue has small secondary accounts (a big act with a tiny TikTok), which are crawled less often."""


@dataclass(frozen=True, eq=False)
class SongRecord:
    uuid: str
    name: str
    credit_name: str
    artist_uuids: tuple[str, ...]
    country_code: str
    popularity: float
    release_date: date
    object: dict[str, Any]
    identifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Platform ids per platform; a platform missing here means the song is not on it."""


def artist_ref(artist: ArtistRecord) -> dict[str, Any]:
    """The short artist object songs and collections embed."""
    return artist_ref_fields(artist.uuid, artist.slug, artist.name)


def _root_genre(artist: ArtistRecord) -> str:
    first = artist.object["genres"][0]
    return str(first["root"] if isinstance(first, dict) else first)


def iso_day(day: date, offset: str = "+00:00") -> str:
    return f"{day.isoformat()}T00:00:00{offset}"


def _slugify(name: str, taken: set[str]) -> str:
    base = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _genres(rng: random.Random, root: str | None = None) -> list[dict[str, Any]]:
    root = root or rng.choice(list(GENRES))
    return [{"root": root, "sub": rng.sample(GENRES[root], k=min(2, len(GENRES[root])))}]


def build_artists(
    seed: int, count: int, countries: list[Any] | None = None, small_accounts: bool = False
) -> list[ArtistRecord]:
    """``countries`` (code, name, weight, cities) defaults to :data:`COUNTRIES`; ``small_accounts`` gives
    some secondary accounts a fraction of the artist's audience (fleet catalogues only)."""
    countries = countries or COUNTRIES
    rng = random.Random(f"artists:{seed}")
    taken: set[str] = set()
    artists: list[ArtistRecord] = []
    weights = [w for _, _, w, _ in countries]
    for i in range(count):
        seeded = i == 0
        country = "US" if seeded else rng.choices(countries, weights)[0][0]
        group = not seeded and rng.random() < 0.2
        name = (
            "Billie Eilish"
            if seeded
            else (
                f"{rng.choice(_GROUP)} {rng.choice(_GROUP)}" if group else f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            )
        )
        slug = _slugify(name, taken)
        uuid = BILLIE_EILISH_UUID if seeded else str(uuidlib.uuid5(_NAMESPACE, f"{seed}:artist:{i}"))
        popularity = 50.0 if seeded else min(50.0, rng.paretovariate(1.3))
        stage = STAGES[min(4, int(popularity**0.6) - 1)] if popularity >= 1 else STAGES[0]
        cities = next(c for code, _, _, c in countries if code == country)
        birth = date(2001, 12, 18) if seeded else date(1970, 1, 1) + timedelta(days=rng.randrange(365 * 35))
        genres: list[Any] = _genres(rng, "pop" if seeded else None)
        if not seeded and rng.random() < 0.05:
            genres = [genres[0]["root"]]  # the documented str[] variant
        obj = {
            **artist_ref_fields(uuid, slug, name),
            "webUrl": f"https://www.{slug.replace('-', '')}.com",
            "countryCode": country,
            "genres": genres,
            "biography": f"{name} is a {'group' if group else 'singer'} from {cities[0]}.",
            "isni": None if group else f"0000000{rng.randrange(10**8, 10**9)}",
            "ipi": None,
            "gender": None if group else ("female" if seeded else rng.choice(("female", "male"))),
            "type": "group" if group else "person",
            "birthDate": None if group else iso_day(birth),
            "careerStage": stage,
            "growthLevel": rng.choice(("decline", "steady", "growth", "explosive")),
            "cityName": "Los Angeles" if seeded else rng.choice(cities),
        }
        if seeded:  # the reference's documented values
            obj.update(
                genres=[{"root": "pop", "sub": ["electro pop", "alternative pop"]}],
                isni="0000000460483372",
                ipi="00745847617",
                growthLevel="steady",
            )
        platforms = {
            p
            for p, social in SOCIAL_PLATFORMS.items()
            if seeded or social.account_share >= 1.0 or unit(seed, uuid, p, "account") < social.account_share
        }
        artists.append(
            ArtistRecord(
                uuid,
                slug,
                name,
                country,
                popularity,
                rng.uniform(0.05, 0.6),
                obj,
                frozenset(platforms),
                _account_scale(seed, uuid, platforms) if small_accounts and not seeded else {},
            )
        )
    return artists


SMALL_ACCOUNT_SHARE = 0.3
"""Share of an artist's secondary accounts (youtube, instagram, tiktok) that are small in a fleet catalogue."""


def _account_scale(seed: int, uuid: str, platforms: set[str]) -> dict[str, float]:
    """Deterministic per (artist, platform), not drawn from the builder's generator (which would shift every
    later artist); 0.0005 to 0.25 of the audience on a log scale, so some accounts have a few hundred fans."""
    scale = {}
    for platform in sorted(p for p in platforms if SOCIAL_PLATFORMS[p].account_share < 1.0):
        if unit(seed, uuid, platform, "small-account") < SMALL_ACCOUNT_SHARE:
            scale[platform] = 0.0005 * 500 ** unit(seed, uuid, platform, "account-size")
    return scale


def artist_ref_fields(uuid: str, slug: str, name: str) -> dict[str, Any]:
    return {
        "uuid": uuid,
        "slug": slug,
        "name": name,
        "appUrl": f"{APP}/artist/{slug}/overview",
        "imageUrl": f"{ASSETS}/artist/{slug}.jpg",
    }


def _song_identifiers(seed: int, uuid: str, seeded: bool) -> dict[str, tuple[str, ...]]:
    spotify = [BAD_GUY_SPOTIFY_ID if seeded else token(22, seed, uuid, "spotify", 0)]
    if seeded or unit(seed, uuid, "spotify", "second") < 0.2:
        spotify.append(token(22, seed, uuid, "spotify", 1))
    ids: dict[str, tuple[str, ...]] = {"spotify": tuple(spotify)}
    if seeded or unit(seed, uuid, "youtube", "id") < 0.8:
        ids["youtube"] = (token(11, seed, uuid, "youtube"),)
    if seeded or unit(seed, uuid, "shazam", "id") < 0.95:
        ids["shazam"] = (str(100_000_000 + int(unit(seed, uuid, "shazam") * 9e8)),)
    return ids


def build_songs(
    seed: int, count: int, artists: list[ArtistRecord], today: date, country_names: dict[str, str] | None = None
) -> list[SongRecord]:
    country_names = country_names or COUNTRY_NAMES
    rng = random.Random(f"songs:{seed}")
    weights = [a.popularity for a in artists]
    songs: list[SongRecord] = []
    for i in range(count):
        seeded = i == 0
        if seeded:
            credited = [artists[0]]
            name, popularity, release = "bad guy", 400.0, date(2019, 3, 29)
        else:
            credited = list(dict.fromkeys(rng.choices(artists, weights, k=rng.choice((1, 1, 1, 2, 2, 3)))))
            name = " ".join(rng.sample(_WORDS, k=rng.choice((1, 2, 2, 3)))).title()
            popularity = credited[0].popularity * rng.lognormvariate(0, 0.5)
            age = int(rng.expovariate(1 / 400)) if rng.random() < 0.85 else rng.randrange(400, 9000)
            release = today - timedelta(days=age)
        uuid = BAD_GUY_UUID if seeded else str(uuidlib.uuid5(_NAMESPACE, f"{seed}:song:{i}"))
        main = credited[0]
        featured = " & ".join(a.name for a in credited[1:])
        credit = f"{main.name} feat. {featured}" if featured else main.name
        isrc_value = (
            BAD_GUY_ISRC
            if seeded
            else f"{main.country_code}{token(3, seed, uuid, 'reg').upper()}"
            f"{release.year % 100:02d}{rng.randrange(10**5):05d}"
        )
        isrc: Any = {
            "value": isrc_value,
            "countryCode": main.country_code,
            "countryName": country_names[main.country_code],
        }
        if not seeded and rng.random() < 0.1:
            isrc = isrc_value  # the older plain-string form, which clients must also accept
        label_name, label_type = ("Interscope", "major") if seeded else rng.choice(LABELS)
        slug = main.slug
        obj = {
            "uuid": uuid,
            "name": name,
            "isrc": isrc,
            "iswcs": [f"T-{rng.randrange(10**9):09d}-{i % 10}"],
            "creditName": credit,
            "artists": [artist_ref(a) for a in credited],
            "releaseDate": iso_day(release),
            "copyright": f"(P) {release.year} {label_name}",
            "appUrl": f"{APP}/song/{uuid}/overview",
            "imageUrl": f"{ASSETS}/song/{uuid}.jpg",
            "duration": 194 if seeded else rng.randrange(110, 300),
            "explicit": rng.random() < 0.3,
            "genres": _genres(rng, _root_genre(main)),
            "composers": [f"{a.name} ({slug})" for a in credited[:2]],
            "producers": [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"],
            "labels": [{"name": label_name, "type": label_type}],
            "audio": {
                "acousticness": round(rng.random(), 2),
                "danceability": round(rng.random(), 2),
                "energy": round(rng.random(), 2),
                "instrumentalness": round(rng.random() / 4, 2),
                "key": rng.randrange(12),
                "liveness": round(rng.random() / 3, 2),
                "loudness": round(rng.uniform(-14, -3), 1),
                "mode": rng.randrange(2),
                "speechiness": round(rng.random() / 2, 2),
                "tempo": round(rng.uniform(70, 170), 1),
                "timeSignature": 4,
                "valence": round(rng.random(), 2),
            },
            "languageCode": "en" if main.country_code in ("US", "GB", "CA", "AU", "NG") else main.country_code.lower(),
        }
        if seeded:  # the reference's documented values
            obj.update(
                genres=[{"root": "pop", "sub": ["electro pop"]}],
                explicit=False,
                composers=["Billie Eilish O'Connell", "Finneas O'Connell"],
                producers=["Finneas O'Connell"],
                copyright="(P) 2019 Darkroom/Interscope Records",
                languageCode="en",
            )
        songs.append(
            SongRecord(
                uuid,
                name,
                credit,
                tuple(a.uuid for a in credited),
                main.country_code,
                popularity,
                release,
                obj,
                _song_identifiers(seed, uuid, seeded),
            )
        )
    return songs
