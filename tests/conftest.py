"""Fixtures shared by every test folder."""

from tests.pgserver import pg_server, pg_url  # noqa: F401 - fixtures, found by name
