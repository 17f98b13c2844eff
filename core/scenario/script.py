"""Workshop scenario scripts: keyframes of quantities at demo stations over scenario time, applied as polars."""

from __future__ import annotations

import datetime as dt
import fnmatch
import itertools
from dataclasses import dataclass

import polars as pl

MODES = ("offset", "value")


class ScenarioError(ValueError):
    """A scenario script or request cannot be used; the message names what to fix."""


@dataclass(frozen=True)
class Target:
    """Keyframes (scenario hour, value) of one quantity at the demo stations matching ``stations``.

    ``offset`` adds to the simulated value, ``value`` replaces it. With a ``reference`` station a
    value is the reference's, and every other station keeps its simulated difference to it.
    """

    stations: tuple[str, ...]  # glob patterns of demo native ids, e.g. "pegel-hoenne-*"
    quantity: str
    mode: str
    keyframes: tuple[tuple[float, float], ...]
    reference: str | None = None


@dataclass(frozen=True)
class Script:
    """One scenario: which simulated moment it starts from, how long it lasts, what it changes."""

    key: str
    title: tuple[str, str]  # (German, English), as the i18n table
    about: tuple[str, str]
    duration_h: float
    anchor: dt.datetime  # the simulated instant that scenario time 0 plays on top of
    seed: int
    timezone: str
    targets: tuple[Target, ...]


def matching(patterns: tuple[str, ...], ids: list[str]) -> list[str]:
    return [i for i in ids if any(fnmatch.fnmatchcase(i, p) for p in patterns)]


def ramp(keyframes: tuple[tuple[float, float], ...], hours: pl.Expr) -> pl.Expr:
    """Linear interpolation between keyframes; the first value holds before, the last after."""
    expr = pl.lit(float(keyframes[0][1]))
    for (ta, va), (tb, vb) in itertools.pairwise(keyframes):
        segment = pl.lit(float(vb)) if tb == ta else va + (vb - va) * (hours - ta) / (tb - ta)
        expr = pl.when(hours >= ta).then(segment).otherwise(expr)
    return pl.when(hours >= keyframes[-1][0]).then(pl.lit(float(keyframes[-1][1]))).otherwise(expr)


def apply(script: Script, base: pl.DataFrame) -> pl.DataFrame:
    """The script's values from simulated ones (native_id, quantity, s in scenario seconds, value).

    Targets apply in file order. A ``value`` target also creates its quantity at stations that do
    not simulate it (ozone at the air stations on a hot day), on the station's reporting grid.
    """
    ids = sorted(base["native_id"].unique().to_list())
    frame = base.with_columns(simulated=pl.col("value"))
    hours = pl.col("s") / 3600.0
    for target in script.targets:
        who = matching(target.stations, ids)
        hit = pl.col("native_id").is_in(who) & (pl.col("quantity") == target.quantity)
        level = ramp(target.keyframes, hours)
        if target.mode == "value":
            have = frame.filter(hit).select("native_id").unique()
            grid = frame.filter(pl.col("native_id").is_in(who)).select("native_id", "s").unique().join(have, on="native_id", how="anti")
            frame = pl.concat(
                [
                    frame,
                    grid.select(
                        "native_id",
                        quantity=pl.lit(target.quantity),
                        s="s",
                        value=pl.lit(None, pl.Float64),
                        simulated=pl.lit(None, pl.Float64),
                    ),
                ]
            )
        if target.mode == "offset":
            new = pl.col("value") + level
        elif target.reference:
            ref = base.filter((pl.col("native_id") == target.reference) & (pl.col("quantity") == target.quantity)).select(
                "s", reference="value"
            )
            frame = frame.join(ref, on="s", how="left")
            new = level + (pl.col("simulated") - pl.col("reference")).fill_null(0.0)
        else:
            new = level
        frame = frame.with_columns(value=pl.when(hit).then(new).otherwise("value")).drop("reference", strict=False)
    return frame.filter(pl.col("value").is_not_null()).select("native_id", "quantity", "s", value=pl.col("value").round(2))
