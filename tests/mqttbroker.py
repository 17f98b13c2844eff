"""A throwaway MQTT broker for the tests: Debian's ``mosquitto`` on 127.0.0.1, a free port, a temp config.

The broker persists its sessions into the temp dir (``persistence true``), so a test can stop and
start it (``restart``) and see that nothing a client acknowledged, nor anything queued for a
persistent session, is lost. Anonymous clients are allowed: it listens on loopback only.

Where no mosquitto can be started the MQTT tests skip with the reason, except under ``CI``, where
they fail: CI installs Debian's ``mosquitto`` (``.ci/run``) so they really run there.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def binary() -> str | None:
    return shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto",) if Path(p).exists()), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """One mosquitto process with its config, persistence and log in a temp dir."""

    def __init__(self, *, tls: bool = False) -> None:
        self.bin = binary()
        if self.bin is None:
            msg = "no mosquitto binary (Debian: apt-get install mosquitto)"
            raise RuntimeError(msg)
        self.root = Path(tempfile.mkdtemp(prefix="showroom-mqtt-"))
        self.port = _free_port()
        self.process: subprocess.Popen | None = None
        settings = {
            "listener": f"{self.port} 127.0.0.1",
            "allow_anonymous": "true",
            "persistence": "true",
            "persistence_location": f"{self.root}/",
            "autosave_interval": "1",
            "max_queued_messages": "100000",
            "log_dest": f"file {self.root}/mosquitto.log",
            "log_type": "error",
        }
        if os.geteuid() == 0:
            settings["user"] = "root"  # mosquitto drops root for "mosquitto", who may not write the temp dir
        self.tls = tls
        if tls:
            self._certificates()
            settings |= {"cafile": str(self.ca_file), "certfile": str(self.root / "server.pem"), "keyfile": str(self.root / "server.key")}
        (self.root / "mosquitto.conf").write_text("".join(f"{k} {v}\n" for k, v in settings.items()), encoding="utf-8")

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.root / "ca.pem"

    def _certificates(self) -> None:
        """A throwaway CA and a server certificate for 127.0.0.1 (an IP SAN, so hostname checks pass)."""
        (self.root / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
        steps = [
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=showroom-test-ca",
            ],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext".split(),
        ]
        openssl = shutil.which("openssl")
        if openssl is None:
            msg = "no openssl binary to make a test certificate"
            raise RuntimeError(msg)
        for step in steps:
            done = subprocess.run([openssl, *step], cwd=self.root, capture_output=True, text=True, timeout=60, check=False)
            if done.returncode:
                msg = f"openssl {step[0]} failed: {done.stderr.strip()[-300:]}"
                raise RuntimeError(msg)

    def start(self) -> Broker:
        self.process = subprocess.Popen(
            [self.bin, "-c", str(self.root / "mosquitto.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                msg = f"mosquitto exited {self.process.returncode}: {self.process.stderr.read().decode(errors='replace')[-500:]}"
                raise RuntimeError(msg)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        msg = "mosquitto did not listen within 20 s"
        raise RuntimeError(msg)

    def halt(self) -> None:
        """Stop the broker and keep its persisted sessions (a restart test); SIGTERM saves them."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)

    def restart(self) -> None:
        self.halt()
        self.start()

    def stop(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def mqtt_broker():
    """A running broker of its own for one test (restarts must not disturb other tests)."""
    try:
        broker = Broker().start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no MQTT broker could be started here: {exc}")
    try:
        yield broker
    finally:
        broker.stop()
