"""A real disk that fills up: a small tmpfs when the tests run as root, else a directory made read-only.

As root (CI), permission bits do not stop writes: a tmpfs of a few MB is filled to the last
byte (ENOSPC), or when mounting is not allowed the directory is made immutable (chattr +i).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


class Disk:
    """A place for a store whose writes can be made to fail and to work again, for real."""

    def __init__(self, root: Path, *, how: str) -> None:
        self.root, self.how = root, how  # how: "tmpfs", "chattr" or "chmod"
        self._filler = root / "filler.bin"

    def break_(self) -> None:
        """No more writes: fill the tmpfs to the last byte, or make the directory unwritable."""
        if self.how == "tmpfs":
            with open(self._filler, "wb") as out, contextlib.suppress(OSError):  # ENOSPC: full, as intended
                while True:
                    out.write(b"\0" * (1 << 16))
                    out.flush()
        elif self.how == "chattr":
            subprocess.run(["chattr", "-R", "+i", str(self.root)], check=True, capture_output=True)
        else:
            for path in [self.root, *self.root.rglob("*")]:
                path.chmod(path.stat().st_mode & ~0o222)

    def mend(self) -> None:
        if self.how == "tmpfs":
            self._filler.unlink(missing_ok=True)
        elif self.how == "chattr":
            subprocess.run(["chattr", "-R", "-i", str(self.root)], check=True, capture_output=True)
        else:
            for path in [self.root, *self.root.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)


@contextlib.contextmanager
def small_disk(tmp_path: Path, megabytes: int = 8) -> Iterator[Disk]:
    """A disk of ``megabytes`` (tmpfs, as root) or a plain directory (read-only when broken)."""
    root = tmp_path / "disk"
    root.mkdir()
    how = "chmod"
    if os.geteuid() == 0:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(root)], capture_output=True, check=False)
        how = "tmpfs" if done.returncode == 0 else "chattr" if shutil.which("chattr") else ""
        if not how:
            pytest.skip("as root without mount or chattr no write can be made to fail")
    disk = Disk(root, how=how)
    try:
        yield disk
    finally:
        if how == "tmpfs":
            subprocess.run(["umount", "-l", str(root)], capture_output=True, check=False)
        else:
            disk.mend()
