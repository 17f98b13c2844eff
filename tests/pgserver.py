"""A throwaway PostgreSQL server for the tests: Debian's binaries, ``initdb`` + ``pg_ctl`` in a temp dir.

The server listens on 127.0.0.1 only, with trust authentication for its one superuser, and
without fsync (a test database survives nothing and needs to). One server per test process
(xdist worker), started on first use and stopped at the end of the session; every test gets
its own schema in it (``pg_url``), so tests never see each other's rows.

``SHOWROOM_TEST_DATABASE_URL`` points the tests at an existing server instead. Where no server
can be started the PostgreSQL tests skip with the reason, except under ``CI``, where they fail:
CI installs Debian's ``postgresql`` (``.ci/run``) so they really run there.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

USER = "showroom"


def binaries() -> Path | None:
    """The newest PostgreSQL ``bin`` directory of Debian's packages (or the one on PATH)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """One PostgreSQL cluster in a temp dir, owned by ``postgres`` when the tests run as root."""

    def __init__(self) -> None:
        self.bin = binaries()
        if self.bin is None:
            msg = "no PostgreSQL binaries (Debian: apt-get install postgresql)"
            raise RuntimeError(msg)
        self.root = Path(tempfile.mkdtemp(prefix="showroom-pg-"))
        self.port = _free_port()
        self.owner = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
        if self.owner:
            entry = pwd.getpwnam(self.owner)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode:
            msg = f"{args[0]} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}"
            raise RuntimeError(msg)

    def start(self) -> Server:
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "64MB",
            "log_min_messages": "warning",
        }
        with (data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self._run("pg_ctl", "-D", str(data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        return self

    def halt(self) -> None:
        """Stop the server but keep its data (a restart test)."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop", timeout=30)

    def resume(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop", timeout=30)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="session")
def pg_server():
    """The libpq URL of a PostgreSQL server for this test process (started here unless given)."""
    given = os.environ.get("SHOWROOM_TEST_DATABASE_URL")
    if given:
        yield given
        return
    try:
        server = Server().start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL server could be started here: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A store location of its own for one test: the server's URL with a fresh schema."""
    return f"{pg_server}?schema=t_{uuid.uuid4().hex[:12]}"
