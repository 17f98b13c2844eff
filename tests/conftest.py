"""Fixtures shared by every test folder."""

from tests.mqttbroker import mqtt_broker  # noqa: F401 - fixture, found by name
from tests.pgserver import pg_server, pg_url  # noqa: F401 - fixtures, found by name
