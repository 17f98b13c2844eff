"""City configuration: one TOML file (``SHOWROOM_CONFIG``) describes a city and its sources."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.basemap import OutlineError, load_outline, tiles_problem
from core.energy import Building, BuildingError, check_buildings
from core.holidays import SchoolCalendar, free_days_of
from core.schema import QUANTITIES
from core.secrets import credentials_in, safe_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "menden.toml"
DEFAULT_DATA_DIR = "data"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEADER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")  # an HTTP header name as a proxy sets it
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
STAFF_MODES = ("open", "login", "proxy")
RATED = tuple(key for key, q in QUANTITIES.items() if q.scale)  # quantities whose band edges a city may set


class ConfigError(ValueError):
    """The city config cannot be used; the message is one sentence a city admin can act on."""


@dataclass(frozen=True)
class Access:
    """Who may use the staff-only parts (scenario start/stop, downloads, feed error details).

    ``staff``: "open" (everyone, the default), "login" (Streamlit's OIDC login) or "proxy" (a
    reverse proxy sets ``proxy_header`` for authenticated staff only). ``scenario_key_env``
    names the environment variable whose value a URL must carry as ``&key=`` to start or stop
    a scenario when staff access is not open; the key itself never stands in the file.
    """

    staff: str = "open"
    proxy_header: str = "X-Forwarded-User"
    scenario_key_env: str = "SHOWROOM_SCENARIO_KEY"


@dataclass(frozen=True)
class BaseMap:
    """What the maps draw under the stations (``[city] tiles``, ``attribution``, ``outline``).

    ``tiles``: an XYZ tile URL template the browser loads; ``outline``: a checked GeoJSON file
    (``core.basemap.load_outline`` reads it, cached); ``attribution``: the credit shown with the
    map, as plain text. All None: the maps draw their default background.
    """

    tiles: str | None = None
    attribution: str | None = None
    outline: Path | None = None


@dataclass(frozen=True)
class NoiseGuide:
    """Guideline values a street sensor's day and night levels are compared with (dB(A)).

    ``day`` (06–22) and ``night`` (22–06): TA Lärm Immissionsrichtwerte, by default those of a
    Mischgebiet (60/45); ``who_lden`` and ``who_lnight``: the WHO 2018 road-traffic guidance
    (Lden 53, Lnight 45), drawn as a reference line. A comparison, never an official measurement.
    """

    day: float = 60.0
    night: float = 45.0
    who_lden: float = 53.0
    who_lnight: float = 45.0

    def is_default(self) -> bool:
        return self == NoiseGuide()


@dataclass(frozen=True)
class Trees:
    """The street-tree register and the assumptions of the weather-only water balance (``core.trees``).

    ``register``: a CSV or GeoJSON file of the Baumkataster (id, species, planting year, place);
    ``columns`` maps its column names onto ours. Per tree the register may give ``pit_area_m2``,
    ``taw_mm`` and ``kc``; these are the defaults: a 4 m² open tree pit, 60 mm of water the roots
    can use (about 0.6 m of root zone × 100 mm/m usable field capacity of a structural tree
    substrate), crop coefficient 1.0 (the grass reference: conservative for a young tree); water
    when the depletion reaches ``depletion`` (FAO-56 p = 0.5) of that capacity. ``watering``: an
    optional CSV log (tree_id, date, litres). ``weather``: station ids to read weather from (None:
    the station reporting each quantity on most days, nearest to the trees). ``established_years``:
    trees planted longer ago than this reach deeper water and get no hint. See docs/trees.md.
    """

    register: Path
    columns: dict[str, str] = field(default_factory=dict)
    pit_area_m2: float = 4.0
    taw_mm: float = 60.0
    kc: float = 1.0
    depletion: float = 0.5
    elevation: float = 150.0
    without_radiation: str = "estimate"
    weather: tuple[str, ...] | None = None
    watering: Path | None = None
    established_years: int = 10
    days: int = 30


TREE_COLUMNS = ("id", "species", "planted", "lat", "lon", "species_de", "street", "district", "sensor", "pit_area_m2", "taw_mm", "kc")
TREE_RANGES = {  # plausible settings; outside them a value is a typo, not an assumption
    "pit_area_m2": (0.5, 100.0),
    "taw_mm": (5.0, 400.0),
    "kc": (0.1, 2.0),
    "depletion": (0.1, 0.9),
    "elevation": (-100.0, 4000.0),
    "established_years": (1, 100),
    "days": (7, 366),
}


NOISE_KEYS = ("day", "night", "who_lden", "who_lnight")
NOISE_RANGE = (20.0, 120.0)  # dB(A): quieter than a whisper or louder than a jet is a typo


@dataclass(frozen=True)
class CityConfig:
    """A city: where it is, which sources it polls and its threshold overrides."""

    name: str
    timezone: str
    center: tuple[float, float]
    zoom: float
    language: str
    sources: tuple[dict[str, Any], ...]
    thresholds: dict[str, Any] = field(default_factory=dict)
    base: BaseMap = BaseMap()
    path: Path = DEFAULT_CONFIG
    access: Access = Access()
    noise: NoiseGuide = NoiseGuide()
    store_url_env: str | None = None  # [store] url_env: the environment variable holding the database URL
    trees: Trees | None = None  # [trees]: the street-tree register and its water balance (None: no register)
    buildings: tuple[Building, ...] = ()  # [[buildings]]: municipal buildings and their meters (core.energy)
    free_days: dict[str, frozenset] = field(default_factory=dict)  # [schools."<name>"] free_days: a school's own free days

    @property
    def calendar(self) -> SchoolCalendar:
        """The NRW school calendar with the schools' own free days (core.holidays)."""
        return SchoolCalendar(free_days=self.free_days)

    def source(self, key: str) -> dict[str, Any]:
        for src in self.sources:
            if src["key"] == key:
                return src
        msg = f"{self.path}: no source with key {key!r}"
        raise ConfigError(msg)


def parse_duration(text: str) -> float:
    """Seconds of a duration string such as ``"30s"``, ``"15m"``, ``"1h"``.

    >>> parse_duration("15m")
    900.0
    """
    match = _DURATION.match(str(text))
    if not match:
        msg = f"expected a duration like '30s', '15m' or '1h', got {text!r}"
        raise ValueError(msg)
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def config_path() -> Path:
    return Path(os.environ.get("SHOWROOM_CONFIG") or DEFAULT_CONFIG)


def data_dir() -> Path:
    return Path(os.environ.get("SHOWROOM_DATA_DIR") or DEFAULT_DATA_DIR)


def store_location(config: CityConfig | None = None) -> str | Path:
    """Where the store is: ``SHOWROOM_DATABASE_URL`` (a server database) when set, else the variable
    the city file names in ``[store] url_env``, else the data directory (the embedded store).

    A city file that names a variable which is not set is an error, not a silent switch to a
    local folder: the servers of one deployment must never split their data.
    """
    given = os.environ.get("SHOWROOM_DATABASE_URL")
    if given:
        return given
    name = config.store_url_env if config else None
    if name:
        url = os.environ.get(name)
        if not url:
            msg = f"{config.path}: [store] url_env names {name}, which is not set (export {name}=postgresql://user@host/db)"
            raise ConfigError(msg)
        return url
    return data_dir()


def load_config(path: str | Path | None = None, *, kinds: Iterable[str] | None = None) -> CityConfig:
    """Read and check a city config; raise ``ConfigError`` naming file, key and expectation.

    A region file (``[region]``, see ``core.region``) gives the deployment's config: its default
    city with every city's sources (what one poller and one receiver serve).

    ``kinds`` are the known source kinds (the data_sources registry); when given, an unknown
    ``kind`` is an error here rather than at the first poll.
    """
    path = Path(path) if path else config_path()
    raw = read_toml(path)
    if "region" in raw:  # a region file (core.region): the deployment's config holds every city's sources
        from core.region import load_region

        return load_region(path, raw, kinds=kinds).combined()
    return _check(raw, path, None if kinds is None else tuple(kinds))


def read_toml(path: Path) -> dict[str, Any]:
    """A config file's TOML, or ``ConfigError`` in one sentence."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: config file not found (set SHOWROOM_CONFIG to a city TOML file)"
        raise ConfigError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: config file cannot be read ({exc})"
        raise ConfigError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc})"
        raise ConfigError(msg) from None


def _fail(path: Path, where: str, expected: str, got: Any = None) -> ConfigError:
    tail = "" if got is None else f", got {got!r}"
    return ConfigError(f"{path}: {where}: expected {expected}{tail}")


def _check(raw: dict[str, Any], path: Path, kinds: tuple[str, ...] | None) -> CityConfig:
    city = raw.get("city")
    if not isinstance(city, dict):
        raise _fail(path, "[city]", "a [city] table with name, timezone, center and zoom")
    for key in ("name", "timezone", "center", "zoom"):
        if key not in city:
            raise _fail(path, f"[city] key {key!r}", "a value (it is missing)")
    if not isinstance(city["name"], str) or not city["name"].strip():
        raise _fail(path, "[city] key 'name'", "a non-empty string", city["name"])
    try:
        ZoneInfo(str(city["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(path, "[city] key 'timezone'", "an IANA time zone such as 'Europe/Berlin'", city["timezone"]) from None
    center = city["center"]
    if not (
        isinstance(center, list)
        and len(center) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in center)
        and -90 <= center[0] <= 90
        and -180 <= center[1] <= 180
    ):
        raise _fail(path, "[city] key 'center'", "[lat, lon] in degrees", center)
    zoom = city["zoom"]
    if not isinstance(zoom, (int, float)) or isinstance(zoom, bool) or not 0 <= zoom <= 22:
        raise _fail(path, "[city] key 'zoom'", "a number between 0 and 22", zoom)
    language = city.get("language", "de")
    if language not in ("de", "en"):
        raise _fail(path, "[city] key 'language'", "'de' or 'en'", language)
    base = _check_base(city, path)

    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources:
        raise _fail(path, "[[sources]]", "at least one [[sources]] table")
    checked, seen = [], set()
    for i, src in enumerate(sources, start=1):
        where = f"[[sources]] #{i}"
        if not isinstance(src, dict):
            raise _fail(path, where, "a table")
        for key in ("key", "kind"):
            if not isinstance(src.get(key), str):
                raise _fail(path, f"{where} key {key!r}", "a string (it is missing)" if key not in src else "a string", src.get(key))
        where = f"[[sources]] {src['key']!r}"
        if not _KEY.match(src["key"]):
            raise _fail(path, f"{where} key 'key'", "lower-case letters, digits, '-' or '_'", src["key"])
        if src["key"] in seen:
            raise _fail(path, f"{where} key 'key'", "a key used by one source only (it is repeated)")
        seen.add(src["key"])
        if kinds is not None and src["kind"] not in kinds:
            raise _fail(path, f"{where} key 'kind'", f"one of {', '.join(kinds)}", src["kind"])
        try:
            poll_s = parse_duration(src.get("poll", "5m"))
        except ValueError:
            raise _fail(path, f"{where} key 'poll'", "a duration like '30s', '15m' or '1h'", src.get("poll")) from None
        if "api_key" in src or "token" in src:
            raise _fail(path, f"{where}", "no secrets in the file: name an environment variable with api_key_env")
        for name, value in src.items():
            found = credentials_in(value) if isinstance(value, str) and "://" in value else None
            if found:
                raise _fail(
                    path,
                    f"{where} key {name!r}",
                    f"a URL without credentials (it has {found}): name an environment variable with api_key_env",
                )
        for name in ("licence", "attribution"):  # data_sources.licences resolves them (defaults per kind)
            value = src.get(name)
            if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > ATTRIBUTION_MAX or "\n" in value):
                raise _fail(path, f"{where} key {name!r}", f"one line of 1 to {ATTRIBUTION_MAX} characters", value)
        checked.append({**src, "poll_s": poll_s, "config_dir": str(path.parent)})

    thresholds = raw.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise _fail(path, "[thresholds]", "a table")
    _check_thresholds(thresholds, path)
    access = _check_access(raw.get("access", {}), path)
    noise = _check_noise(raw.get("noise", {}), path)
    store_url_env = _check_store(raw.get("store", {}), path)
    trees = _check_trees(raw.get("trees"), path)
    try:
        buildings = check_buildings(raw.get("buildings"))
    except BuildingError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    free_days = _check_schools(raw.get("schools", {}), path)
    return CityConfig(
        name=city["name"],
        timezone=str(city["timezone"]),
        center=(float(center[0]), float(center[1])),
        zoom=float(zoom),
        language=language,
        sources=tuple(checked),
        thresholds=thresholds,
        base=base,
        path=path,
        access=access,
        noise=noise,
        store_url_env=store_url_env,
        trees=trees,
        buildings=buildings,
        free_days=free_days,
    )


def _check_schools(schools: Any, path: Path) -> dict[str, frozenset]:
    """``[schools."<name>"] free_days = [2026-02-16, …]``: TOML dates (or "YYYY-MM-DD" strings) per school."""
    if not isinstance(schools, dict):
        raise _fail(path, "[schools]", "a table of school names")
    table = {}
    for school, entry in schools.items():
        where = f"[schools.{school!r}]"
        if not isinstance(entry, dict) or set(entry) - {"free_days"}:
            raise _fail(path, where, "a table with free_days = [dates]", entry)
        days = []
        for value in entry.get("free_days", []):
            if isinstance(value, str):
                try:
                    value = dt.date.fromisoformat(value)
                except ValueError:
                    raise _fail(path, f"{where} key 'free_days'", "dates like 2026-02-16", value) from None
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise _fail(path, f"{where} key 'free_days'", "dates like 2026-02-16", value)
            days.append(value)
        table[school] = days
    return free_days_of(table)


def _check_trees(trees: Any, path: Path) -> Trees | None:
    """``[trees]``: keys, types and ranges; ``core.trees`` reads the register (a broken one costs the tree section only)."""
    if trees is None:
        return None
    if not isinstance(trees, dict):
        raise _fail(path, "[trees]", "a table")
    known = ("register", "columns", "watering", "weather", "without_radiation", *TREE_RANGES)
    for key in trees:
        if key not in known:  # a misspelt key would silently keep a default
            raise _fail(path, f"[trees] key {key!r}", f"one of {', '.join(known)}")
    register = trees.get("register")
    if not isinstance(register, str) or not register.strip().lower().endswith((".csv", ".geojson", ".json")):
        raise _fail(path, "[trees] key 'register'", "the path of a .csv or .geojson tree register, relative to the config file", register)
    columns = trees.get("columns", {})
    if not isinstance(columns, dict) or any(k not in TREE_COLUMNS or not isinstance(v, str) for k, v in columns.items()):
        raise _fail(
            path, "[trees] key 'columns'", f"a table of ours = the register's column name, ours one of {', '.join(TREE_COLUMNS)}", columns
        )
    values: dict[str, Any] = {}
    for key, (low, high) in TREE_RANGES.items():
        if key in trees:
            value, whole = trees[key], key in ("established_years", "days")
            if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)) or not low <= value <= high:
                raise _fail(path, f"[trees] key {key!r}", f"{'a whole number' if whole else 'a number'} from {low:g} to {high:g}", value)
            values[key] = value if whole else float(value)
    choice = trees.get("without_radiation", "estimate")
    if choice not in ("estimate", "hargreaves"):
        raise _fail(
            path,
            "[trees] key 'without_radiation'",
            "'estimate' (Penman-Monteith, radiation from the temperature range) or 'hargreaves'",
            choice,
        )
    weather = trees.get("weather")
    if weather is not None and not (isinstance(weather, list) and weather and all(isinstance(w, str) and w for w in weather)):
        raise _fail(path, "[trees] key 'weather'", 'a list of station ids such as ["dwd:10424"]', weather)
    watering = trees.get("watering")
    if watering is not None and (not isinstance(watering, str) or not watering.strip().lower().endswith(".csv")):
        raise _fail(path, "[trees] key 'watering'", "the path of a .csv watering log (tree_id, date, litres)", watering)
    return Trees(
        register=(path.parent / register.strip()).resolve(),
        columns=dict(columns),
        without_radiation=choice,
        weather=tuple(weather) if weather else None,
        watering=(path.parent / watering.strip()).resolve() if watering else None,
        **values,
    )


def _check_store(store: Any, path: Path) -> str | None:
    if not isinstance(store, dict):
        raise _fail(path, "[store]", "a table")
    for key in store:
        if key in ("url", "password", "dsn"):
            raise _fail(path, f"[store] key {key!r}", "no connection strings in the file: name an environment variable with url_env")
        if key != "url_env":
            raise _fail(path, f"[store] key {key!r}", "url_env")
    name = store.get("url_env")
    if name is not None and (not isinstance(name, str) or not _ENV_NAME.match(name)):
        raise _fail(path, "[store] key 'url_env'", "the name of an environment variable such as 'SHOWROOM_DATABASE_URL'", name)
    return name


ATTRIBUTION_MAX = 200  # characters: a credit line, not a paragraph


def _check_base(city: dict[str, Any], path: Path) -> BaseMap:
    """``[city] tiles`` (with its ``attribution``) and ``outline`` (relative to the file), checked and the outline read once."""
    tiles, attribution, outline = city.get("tiles"), city.get("attribution"), city.get("outline")
    if tiles is not None:
        if not isinstance(tiles, str) or not tiles.strip():
            raise _fail(path, "[city] key 'tiles'", "a tile URL template such as 'https://tile.openstreetmap.org/{z}/{x}/{y}.png'", tiles)
        problem = tiles_problem(tiles.strip())
        if problem:
            raise _fail(path, "[city] key 'tiles'", problem, safe_url(tiles))  # never a key in the message
        if attribution is None:
            raise _fail(
                path,
                "[city] key 'attribution'",
                "the credit the tile provider asks for, e.g. '© OpenStreetMap contributors' (it is missing)",
            )
    if attribution is not None:
        if not isinstance(attribution, str) or not attribution.strip() or len(attribution) > ATTRIBUTION_MAX:
            raise _fail(path, "[city] key 'attribution'", f"a credit line of 1 to {ATTRIBUTION_MAX} characters", attribution)
        if tiles is None and outline is None:
            raise _fail(path, "[city] key 'attribution'", "a 'tiles' or 'outline' key beside it (there is no base map to credit)")
    outline_path = None
    if outline is not None:
        if not isinstance(outline, str) or not outline.strip():
            raise _fail(path, "[city] key 'outline'", "the path of a GeoJSON file, relative to the config file", outline)
        outline_path = (path.parent / outline.strip()).resolve()
        try:
            load_outline(outline_path)
        except OutlineError as exc:
            raise _fail(path, f"[city] key 'outline' ({outline_path})", str(exc)) from None
    return BaseMap(
        tiles=tiles.strip() if tiles else None,
        attribution=" ".join(attribution.split()) if attribution else None,
        outline=outline_path,
    )


def _check_access(access: Any, path: Path) -> Access:
    if not isinstance(access, dict):
        raise _fail(path, "[access]", "a table")
    known = ("staff", "proxy_header", "scenario_key_env")
    for key in access:
        if key in ("scenario_key", "key", "secret", "password", "token"):
            raise _fail(path, f"[access] key {key!r}", "no secrets in the file: name an environment variable with scenario_key_env")
        if key not in known:  # a misspelt key must not leave the staff parts open unnoticed
            raise _fail(path, f"[access] key {key!r}", f"one of {', '.join(known)}")
    staff = access.get("staff", "open")
    if staff not in STAFF_MODES:
        raise _fail(path, "[access] key 'staff'", "'open', 'login' or 'proxy'", staff)
    header = access.get("proxy_header", Access.proxy_header)
    if not isinstance(header, str) or not _HEADER.match(header):
        raise _fail(path, "[access] key 'proxy_header'", "an HTTP header name such as 'X-Forwarded-User'", header)
    key_env = access.get("scenario_key_env", Access.scenario_key_env)
    if not isinstance(key_env, str) or not _ENV_NAME.match(key_env):
        raise _fail(path, "[access] key 'scenario_key_env'", "the name of an environment variable such as 'SHOWROOM_SCENARIO_KEY'", key_env)
    return Access(staff=staff, proxy_header=header, scenario_key_env=key_env)


def _check_noise(noise: Any, path: Path) -> NoiseGuide:
    if not isinstance(noise, dict):
        raise _fail(path, "[noise]", "a table")
    for key in noise:
        if key not in NOISE_KEYS:  # a misspelt key would silently compare with the default
            raise _fail(path, f"[noise] key {key!r}", f"one of {', '.join(NOISE_KEYS)}")
    low, high = NOISE_RANGE
    for key, value in noise.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
            raise _fail(path, f"[noise] key {key!r}", f"a level in dB(A) between {low:g} and {high:g}", value)
    return NoiseGuide(**{key: float(value) for key, value in noise.items()})


def _check_bounds(bounds: Any, path: Path, where: str) -> None:
    ok = isinstance(bounds, list) and 1 <= len(bounds) <= 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bounds)
    if not ok:
        raise _fail(path, where, "a list of 1 to 4 numbers (band edges)", bounds)


def _check_rated(quantity: str, path: Path, where: str) -> None:
    if quantity not in RATED:
        hint = " (heat stress is rated by 'felt_temperature')" if quantity == "temperature" else ""
        raise _fail(path, where, f"a rated quantity: one of {', '.join(RATED)}{hint}", quantity)


def _check_thresholds(thresholds: dict[str, Any], path: Path) -> None:
    for key, value in thresholds.items():
        if key == "stations":
            if not isinstance(value, dict):
                raise _fail(path, "[thresholds.stations]", "a table of station ids")
            for station_id, per_station in value.items():
                if not isinstance(per_station, dict):
                    raise _fail(path, f"[thresholds.stations.{station_id!r}]", "a table of quantity = [levels]")
                for quantity, bounds in per_station.items():
                    _check_rated(quantity, path, f"[thresholds.stations.{station_id!r}] key {quantity!r}")
                    _check_bounds(bounds, path, f"[thresholds.stations.{station_id!r}] key {quantity!r}")
        else:
            _check_rated(key, path, f"[thresholds] key {key!r}")
            _check_bounds(value, path, f"[thresholds] key {key!r}")
