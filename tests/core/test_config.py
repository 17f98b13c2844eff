"""City config: the bundled demo loads; every bad config stops with one sentence naming file and key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import DEFAULT_CONFIG, Access, ConfigError, load_config, parse_duration
from data_sources import KINDS

ROOT = Path(__file__).resolve().parents[2]
GOOD = """
[city]
name = "Teststadt"
timezone = "Europe/Berlin"
center = [51.4, 7.7]
zoom = 12

[[sources]]
key = "demo"
kind = "demo"
poll = "1m"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_menden_config_loads():
    cfg = load_config(DEFAULT_CONFIG, kinds=KINDS)
    assert cfg.name == "Menden (Sauerland)"
    assert cfg.timezone == "Europe/Berlin"
    assert cfg.sources[0]["kind"] == "demo"
    assert cfg.sources[0]["poll_s"] == 60
    assert cfg.thresholds["stations"]["demo:pegel-hoenne-mitte"]["water_level"] == [184, 234, 294]


def test_env_var_selects_the_config(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOWROOM_CONFIG", str(write(tmp_path, GOOD)))
    cfg = load_config()
    assert cfg.name == "Teststadt"
    assert cfg.sources[0]["config_dir"] == str(tmp_path)
    assert cfg.language == "de"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s.replace('name = "Teststadt"\n', ""), ["[city] key 'name'", "missing"]),
        (lambda s: s.replace('kind = "demo"', 'kind = "ftp"'), ["'kind'", "one of", "'ftp'"]),
        (lambda s: s.replace('poll = "1m"', 'poll = "often"'), ["'poll'", "duration", "'often'"]),
        (lambda s: s.replace('"Europe/Berlin"', '"Europe/Menden"'), ["'timezone'", "IANA"]),
        (lambda s: s.replace("[51.4, 7.7]", "[7.7]"), ["'center'", "[lat, lon]"]),
        (lambda s: s.replace("zoom = 12", "zoom = 99"), ["'zoom'", "between 0 and 22"]),
        (lambda s: s.split("[[sources]]")[0], ["[[sources]]", "at least one"]),
        (lambda s: s + '\n[[sources]]\nkey = "demo"\nkind = "demo"\n', ["repeated"]),
        (lambda s: s + '\n[[sources]]\nkey = "Bad Key"\nkind = "demo"\n', ["lower-case"]),
        (lambda s: s.replace('poll = "1m"', 'poll = "1m"\napi_key = "abc"'), ["no secrets", "api_key_env"]),
        (
            lambda s: s + '\n[[sources]]\nkey = "up"\nkind = "csv_file"\nurl = "https://x.example/r.csv?apikey=SECRET"\n',
            ["'up'", "key 'url'", "query parameter 'apikey'", "api_key_env"],
        ),
        (
            lambda s: s + '\n[[sources]]\nkey = "qs"\nkind = "quantumleap"\nbase_url = "https://admin:pw@ql.example"\n',
            ["'qs'", "key 'base_url'", "user:password@", "api_key_env"],
        ),
        (lambda s: s + '\n[thresholds]\nco2 = "high"\n', ["[thresholds] key 'co2'", "band edges"]),
        (lambda s: s + '\n[thresholds.stations]\n"demo:x" = { water_level = [] }\n', ["demo:x", "1 to 4 numbers"]),
        (
            lambda s: s + "\n[thresholds]\ntemperature = [30, 35]\n",
            ["[thresholds] key 'temperature'", "rated quantity", "felt_temperature"],
        ),
        (lambda s: s + '\n[thresholds.stations]\n"demo:x" = { humidity = [50] }\n', ["demo:x", "'humidity'", "rated quantity"]),
        (lambda s: s.replace("[city]", "[city"), ["not valid TOML"]),
    ],
)
def test_bad_config_names_file_key_and_expectation(tmp_path, change, words):
    path = write(tmp_path, change(GOOD))
    with pytest.raises(ConfigError) as info:
        load_config(path, kinds=KINDS)
    message = str(info.value)
    assert "SECRET" not in message and "admin:pw" not in message  # the refusal does not repeat the secret
    assert message.startswith(str(path))
    assert "\n" not in message
    for word in words:
        assert word in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_ingest_cli_reports_a_bad_config_without_traceback(tmp_path):
    path = write(tmp_path, GOOD.replace('kind = "demo"', 'kind = "ftp"'))
    proc = subprocess.run(
        [sys.executable, "-m", "core.ingest", "--once", "--config", str(path), "--data-dir", str(tmp_path / "d")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and "'kind'" in proc.stderr


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("1h", 3600), ("1.5h", 5400), ("2d", 172800)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_access_defaults_keep_the_staff_parts_open(tmp_path):
    access = load_config(write(tmp_path, GOOD)).access
    assert access == Access() and access.staff == "open"
    assert (access.proxy_header, access.scenario_key_env) == ("X-Forwarded-User", "SHOWROOM_SCENARIO_KEY")


def test_access_table_is_read(tmp_path):
    text = GOOD + '\n[access]\nstaff = "proxy"\nproxy_header = "X-Auth-Request-Email"\nscenario_key_env = "MENDEN_WORKSHOP_KEY"\n'
    assert load_config(write(tmp_path, text)).access == Access("proxy", "X-Auth-Request-Email", "MENDEN_WORKSHOP_KEY")
    assert load_config(write(tmp_path, GOOD + '\n[access]\nstaff = "login"\n')).access.staff == "login"


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("access = 'login'", ["[access]", "a table"]),
        ('[access]\nstaff = "closed"', ["[access] key 'staff'", "'open', 'login' or 'proxy'", "'closed'"]),
        ('[access]\nstaf = "login"', ["[access] key 'staf'", "one of staff, proxy_header, scenario_key_env"]),
        ('[access]\nstaff = "proxy"\nproxy_header = "X Forwarded User"', ["'proxy_header'", "HTTP header name"]),
        ('[access]\nscenario_key_env = "my key"', ["'scenario_key_env'", "environment variable"]),
        ('[access]\nstaff = "login"\nscenario_key = "geheim"', ["[access] key 'scenario_key'", "no secrets", "scenario_key_env"]),
    ],
)
def test_bad_access_table_is_one_sentence(tmp_path, table, words):
    path = write(tmp_path, GOOD + "\n" + table + "\n")
    if table == "access = 'login'":  # a plain key, not a table: it must stand before the first table
        path = write(tmp_path, table + "\n" + GOOD)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    for word in words:
        assert word in message
