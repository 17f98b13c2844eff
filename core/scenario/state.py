"""The running workshop scenario: what was started, when, how fast — shared through the store's run state."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from core.scenario.script import ScenarioError, Script
from core.store import Store, StoreReader

SOURCE = "scenario"  # scenario readings are stored as "scenario:<demo native id>", never under a real source
KEY = "scenario"  # the store's run-state key
SPEEDS = (1, 10, 60)
UTC = dt.UTC


@dataclass(frozen=True)
class Run:
    """A started scenario as the store's run state records it (shared by app and ingest processes)."""

    name: str
    speed: int
    started_at: dt.datetime
    loop: bool
    duration_s: float  # scenario seconds of one pass
    stations: tuple[str, ...]  # demo native ids whose readings the scenario replaces

    def elapsed(self, now: dt.datetime) -> float:
        """Scenario seconds since the start: wall seconds × speed."""
        return max(0.0, (now - self.started_at).total_seconds()) * self.speed

    def progress(self, now: dt.datetime) -> float:
        """Share of the current pass that has played, 0–1."""
        elapsed = self.elapsed(now)
        return (elapsed % self.duration_s if self.loop else min(elapsed, self.duration_s)) / self.duration_s

    @property
    def token(self) -> int:  # unique per start: the start instant in microseconds
        return round(self.started_at.timestamp() * 1e6)

    def to_state(self) -> dict[str, Any]:
        """Plain JSON data, as the store keeps it and the ingest runner hands it to the scenario feed."""
        return {**asdict(self), "stations": list(self.stations), "started_at": self.started_at.isoformat()}

    @classmethod
    def from_state(cls, state: Any) -> Run | None:
        """The run of :meth:`to_state` data; None for data of another version or edited by hand."""
        try:
            started = dt.datetime.fromisoformat(state["started_at"]).astimezone(UTC)
            return cls(
                str(state["name"]), int(state["speed"]), started, bool(state["loop"]), float(state["duration_s"]), tuple(state["stations"])
            )
        except (ValueError, KeyError, TypeError):
            return None


def start(
    store: Store, script: Script, *, speed: int, loop: bool = False, stations: tuple[str, ...], now: dt.datetime | None = None
) -> Run:
    """Start ``script`` now (replacing any running scenario), published through the store to every process."""
    if speed not in SPEEDS:
        msg = f"speed must be one of {', '.join(map(str, SPEEDS))}, got {speed!r}"
        raise ScenarioError(msg)
    now = dt.datetime.now(UTC) if now is None else now.astimezone(UTC)
    run = Run(script.key, speed, now, bool(loop), script.duration_h * 3600.0, tuple(stations))
    store.set_state(KEY, run.to_state())
    return run


def stop(store: Store) -> None:
    store.set_state(KEY, None)


def read(store: StoreReader) -> Run | None:
    """The started scenario (also one that has ended), or None."""
    state = store.state(KEY)
    return None if state is None else Run.from_state(state)


def active(store: StoreReader, now: dt.datetime | None = None) -> Run | None:
    """The running scenario: started, not stopped, and not past its end unless it loops."""
    run = read(store)
    if run is None or (not run.loop and run.elapsed(now or dt.datetime.now(UTC)) > run.duration_s):
        return None
    return run
