"""Decoded device fields → canonical quantities and units: one declarative table per device model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from core.schema import is_number
from data_sources.lorawan import elsys

# Hydrostatic head of fresh water per bar of gauge pressure: 1e5 Pa / (1000 kg/m³ · 9.80665 m/s²) in cm.
CM_WATER_PER_BAR = 1e5 / (1000 * 9.80665) * 100


@dataclass(frozen=True)
class Field:
    """One decoded field that becomes a reading: ``value * scale`` in the quantity's canonical unit."""

    key: str
    quantity: str
    scale: float = 1.0
    # Distance sensors look down at the water surface: level = mount height − distance. Without a
    # ``mount_height_cm`` for the device there is no level, so nothing is reported.
    below_mount: bool = False


@dataclass(frozen=True)
class ModelMap:
    """The default theme of a device model and the fields that become readings.

    Only listed fields become readings; everything else a decoder returns (firmware versions,
    flags, uncalibrated raw values) is ignored rather than guessed at. At most one field per
    quantity, so one uplink gives at most one value per (station, quantity, time).
    """

    theme: str
    fields: tuple[Field, ...]


ELSYS = ModelMap("indoor_air", (
    Field("temperature", "temperature"),
    Field("humidity", "humidity"),
    Field("co2", "co2"),
    Field("light", "illuminance"),
    Field("pressure", "pressure"),  # hPa
    Field("soundAvg", "noise"),  # dB(A)
    Field("vdd", "battery", 0.001),  # mV → V
))
# Milesight reports the battery in percent, which is not a voltage: it is left out.
MILESIGHT_AMBIENCE = ModelMap("indoor_air", (
    Field("temperature", "temperature"),
    Field("humidity", "humidity"),
    Field("co2", "co2"),
    Field("pressure", "pressure"),  # hPa
    Field("pm2_5", "pm2_5"),
    Field("pm10", "pm10"),
))
MILESIGHT_LEVEL = ModelMap("water", (Field("distance", "water_level", 0.1, below_mount=True),))  # mm → cm
# The LHT65's external probe (TempC_DS) may sit anywhere (a fridge, a pipe): only the built-in SHT sensor counts.
DRAGINO_LHT65 = ModelMap("microclimate", (
    Field("TempC_SHT", "temperature"),
    Field("Hum_SHT", "humidity"),
    Field("ILL_lx", "illuminance"),
    Field("BatV", "battery"),
))
DRAGINO_LDDS75 = ModelMap("water", (Field("Distance", "water_level", 0.1, below_mount=True), Field("Bat", "battery")))
# water_SOIL is volumetric water content in %; soil temperature and conductivity have no quantity yet.
DRAGINO_LSE01 = ModelMap("soil", (Field("water_SOIL", "soil_moisture"), Field("Bat", "battery")))
DECENTLAB_MBX = ModelMap("water", (Field("distance", "water_level", 0.1, below_mount=True), Field("battery_voltage", "battery")))
# A submersible level sensor: gauge pressure in bar is the water column above the sensor.
DECENTLAB_PR26 = ModelMap("water", (Field("pressure", "water_level", CM_WATER_PER_BAR), Field("battery_voltage", "battery")))
# DL-SMTP soil moisture is an uncalibrated, unitless sensor value (it goes negative), not % volume.
DECENTLAB_SMTP = ModelMap("soil", (Field("battery_voltage", "battery"),))
# Parking sensors' temperature is measured inside the housing in the asphalt, not the air.
BOSCH_TPS110 = ModelMap("parking", (Field("occupied", "occupancy", 100.0),))  # occupied → 100 %
NWAVE_NPS405 = ModelMap("parking", (Field("occupied", "occupancy", 100.0), Field("battery_voltage", "battery")))

# For devices without a known model whose network server already decoded the payload: only
# names that are unambiguous in practice.
GENERIC = ModelMap("other", (Field("temperature", "temperature"), Field("humidity", "humidity"), Field("co2", "co2")))

MODELS: dict[str, ModelMap] = {
    **{f"elsys/{m}": ELSYS for m in elsys.MODELS},
    "milesight-iot/am103": MILESIGHT_AMBIENCE,
    "milesight-iot/am307": MILESIGHT_AMBIENCE,
    "milesight-iot/am319": MILESIGHT_AMBIENCE,
    "milesight-iot/em500-udl": MILESIGHT_LEVEL,
    "dragino/lht65": DRAGINO_LHT65,
    "dragino/ldds75": DRAGINO_LDDS75,
    "dragino/lse01": DRAGINO_LSE01,
    "decentlab/dl-mbx": DECENTLAB_MBX,
    "decentlab/dl-pr26": DECENTLAB_PR26,
    "decentlab/dl-pr26-0-1": DECENTLAB_PR26,
    "decentlab/dl-smtp": DECENTLAB_SMTP,
    "bosch/tps110": BOSCH_TPS110,
    "nwave/nps405": NWAVE_NPS405,
    "nwave/nps405fm": NWAVE_NPS405,
    "nwave/nps405sm": NWAVE_NPS405,
}


def model_map(model: str | None) -> ModelMap:
    """The table of a model; devices of unknown model fall back to the generic names."""
    return MODELS.get(model or "", GENERIC)


def number(value: Any) -> float | None:
    """A decoded value as a float: numbers, numeric strings ("24.1"), booleans, ``{"value": …}``."""
    if isinstance(value, Mapping):
        value = value.get("value")  # Decentlab style: {"displayName", "value", "unit"}
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None  # "No Sensor", "Invalid Reading" …
        return parsed if math.isfinite(parsed) else None
    return None


def measurements(model: str | None, decoded: Any, *, mount_height_cm: float | None = None) -> list[tuple[str, float]]:
    """(quantity, value) pairs in canonical units from one decoded payload.

    >>> measurements("decentlab/dl-mbx", {"distance": {"value": 1234, "unit": "mm"}}, mount_height_cm=300)
    [('water_level', 176.6)]
    """
    if not isinstance(decoded, Mapping):
        return []
    found = []
    for field in model_map(model).fields:
        value = number(decoded.get(field.key))
        if value is None:
            continue
        value *= field.scale
        if field.below_mount:
            if mount_height_cm is None:
                continue
            value = mount_height_cm - value
        found.append((field.quantity, round(value, 9)))  # 0.1 · 1234 is 123.4000…01 in binary
    return found
