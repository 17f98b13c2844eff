"""Daily reference evapotranspiration ET0 (mm/day) after FAO-56 (Allen et al. 1998), as polars expressions.

FAO-56 Penman–Monteith (eq. 6) for a grass reference surface from daily minimum and maximum
temperature, relative humidity, wind speed and solar radiation; the missing-data rules of
FAO-56 chapter 3 where a value is not measured; Hargreaves (eq. 52) where wind is missing.

Per day the ``method`` column says which one was used:

- ``penman_monteith``: radiation, humidity and wind measured;
- ``penman_monteith_estimated``: wind measured, solar radiation estimated from the temperature
  range (eq. 50, Hargreaves' radiation formula, ``krs`` 0.16 for interior locations) and/or the
  vapour pressure from the minimum temperature (eq. 48, dew point ≈ Tmin). FAO-56 recommends
  this over an alternative ET0 equation ("somewhat more accurate estimates", §3 "Missing
  data"); the DWD values the cockpit reads carry no radiation, so this is the usual case;
- ``hargreaves``: no wind (or ``without_radiation="hargreaves"`` and no radiation): eq. 52,
  ET0 = 0.0023 (Tmean + 17.8) √(Tmax − Tmin) · 0.408 Ra.

Air pressure comes from the elevation (eq. 7): DWD and Bright Sky report pressure reduced to
sea level, which is not the pressure the psychrometric constant needs. Soil heat flux G is 0
for daily steps (eq. 42). Inputs in the cockpit's canonical units: °C, %, m/s at 10 m (the DWD
measuring height; eq. 47 brings it to 2 m), MJ/m²/day.
"""

from __future__ import annotations

import math

import polars as pl

SOLAR_CONSTANT = 0.0820  # MJ m⁻² min⁻¹
STEFAN_BOLTZMANN = 4.903e-9  # MJ K⁻⁴ m⁻² day⁻¹
ALBEDO = 0.23  # the grass reference crop
KRS_INTERIOR = 0.16  # eq. 50, land mass dominates (Sauerland); 0.19 on a coast
WIND_HEIGHT_M = 10.0  # DWD anemometers
WITHOUT_RADIATION = ("estimate", "hargreaves")
METHODS = ("penman_monteith", "penman_monteith_estimated", "hargreaves")

# Columns :func:`daily` reads; all but the date and the temperatures may be null (or absent).
COLUMNS = ("date", "tmin", "tmax", "rh_min", "rh_max", "rh_mean", "wind", "rs")


def pressure_kpa(elevation_m: float) -> float:
    """Atmospheric pressure from elevation (eq. 7).

    >>> round(pressure_kpa(1800), 1)
    81.8
    """
    return 101.3 * ((293.0 - 0.0065 * elevation_m) / 293.0) ** 5.26


def wind_at_2m(wind: pl.Expr, height_m: float = WIND_HEIGHT_M) -> pl.Expr:
    """Wind speed at 2 m from a measurement at ``height_m`` (eq. 47): × 0.748 from 10 m."""
    return wind * (4.87 / math.log(67.8 * height_m - 5.42))


def saturation(t: pl.Expr) -> pl.Expr:
    """Saturation vapour pressure e°(T) in kPa (eq. 11)."""
    return 0.6108 * (17.27 * t / (t + 237.3)).exp()


def extraterrestrial(doy: pl.Expr, lat_deg: float) -> pl.Expr:
    """Daily extraterrestrial radiation Ra in MJ m⁻² day⁻¹ (eqs. 21–25)."""
    phi = math.radians(lat_deg)
    angle = 2 * math.pi * doy / 365
    dr = 1 + 0.033 * angle.cos()
    delta = 0.409 * (angle - 1.39).sin()
    ws = (-math.tan(phi) * delta.tan()).clip(-1.0, 1.0).arccos()
    return 24 * 60 / math.pi * SOLAR_CONSTANT * dr * (ws * math.sin(phi) * delta.sin() + math.cos(phi) * delta.cos() * ws.sin())


def _col(frame: pl.LazyFrame, name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Float64) if name in frame.collect_schema().names() else pl.lit(None, pl.Float64)


def daily(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    lat: float,
    elevation: float,
    krs: float = KRS_INTERIOR,
    without_radiation: str = "estimate",
) -> pl.LazyFrame:
    """ET0 per row of daily weather: adds ra, rs, rso, rn, ea, es, delta, gamma, u2, et0 and method.

    ``frame``: :data:`COLUMNS` (``date`` a ``pl.Date``; humidity as ``rh_min``/``rh_max`` or
    ``rh_mean``; ``wind`` at 10 m in m/s; ``rs`` solar radiation in MJ m⁻² day⁻¹); extra
    columns (a station id) pass through. Rows without ``tmin`` and ``tmax`` get a null ET0.
    """
    if without_radiation not in WITHOUT_RADIATION:
        msg = f"without_radiation must be one of {WITHOUT_RADIATION}, got {without_radiation!r}"
        raise ValueError(msg)
    lazy = frame.lazy()
    tmin, tmax = _col(lazy, "tmin"), _col(lazy, "tmax")
    rh_min, rh_max, rh_mean = _col(lazy, "rh_min"), _col(lazy, "rh_max"), _col(lazy, "rh_mean")
    tmean = (tmin + tmax) / 2
    gamma = 0.665e-3 * pressure_kpa(elevation)
    es = (saturation(tmax) + saturation(tmin)) / 2
    measured_ea = pl.coalesce(
        (saturation(tmin) * rh_max / 100 + saturation(tmax) * rh_min / 100) / 2,  # eq. 17
        rh_mean / 100 * es,  # eq. 19
    )
    ra = extraterrestrial(pl.col("date").dt.ordinal_day().cast(pl.Float64), lat)
    rso = (0.75 + 2e-5 * elevation) * ra  # eq. 37
    estimated_rs = pl.min_horizontal(krs * (tmax - tmin).clip(lower_bound=0.0).sqrt() * ra, rso)  # eq. 50, never above clear sky
    measured_rs = _col(lazy, "rs")
    u2 = wind_at_2m(_col(lazy, "wind"))
    with_all = lazy.with_columns(
        _tmean=tmean,
        ea=pl.coalesce(measured_ea, saturation(tmin)),  # eq. 48: dew point ≈ Tmin
        es=es,
        delta=4098 * saturation(tmean) / (tmean + 237.3) ** 2,  # eq. 13
        gamma=pl.lit(gamma),
        ra=ra,
        rso=rso,
        rs=pl.coalesce(measured_rs, estimated_rs),
        u2=u2,
        _measured=measured_rs.is_not_null() & measured_ea.is_not_null(),
        _rs_missing=measured_rs.is_null(),
    )
    kelvin4 = ((pl.col("tmax_k") ** 4) + (pl.col("tmin_k") ** 4)) / 2
    relative = (pl.col("rs") / pl.col("rso")).clip(upper_bound=1.0)
    rnl = STEFAN_BOLTZMANN * kelvin4 * (0.34 - 0.14 * pl.col("ea").sqrt()) * (1.35 * relative - 0.35)  # eq. 39
    with_rn = with_all.with_columns(tmax_k=tmax + 273.16, tmin_k=tmin + 273.16).with_columns(rnl=rnl, rn=(1 - ALBEDO) * pl.col("rs") - rnl)
    penman = (
        0.408 * pl.col("delta") * pl.col("rn")
        + pl.col("gamma") * 900 / (pl.col("_tmean") + 273) * pl.col("u2") * (pl.col("es") - pl.col("ea"))
    ) / (pl.col("delta") + pl.col("gamma") * (1 + 0.34 * pl.col("u2")))
    hargreaves = 0.0023 * (pl.col("_tmean") + 17.8) * (tmax - tmin).clip(lower_bound=0.0).sqrt() * 0.408 * pl.col("ra")
    use_hargreaves = pl.col("u2").is_null() | (pl.col("_rs_missing") & pl.lit(without_radiation == "hargreaves"))
    known = tmin.is_not_null() & tmax.is_not_null()
    method = (
        pl.when(~known)
        .then(None)
        .when(use_hargreaves)
        .then(pl.lit("hargreaves"))
        .when(pl.col("_measured"))
        .then(pl.lit("penman_monteith"))
        .otherwise(pl.lit("penman_monteith_estimated"))
    )
    et0 = pl.when(~known).then(None).when(use_hargreaves).then(hargreaves).otherwise(penman).clip(lower_bound=0.0)
    return with_rn.with_columns(et0=et0, method=method).drop("_tmean", "_measured", "_rs_missing", "tmax_k", "tmin_k")
