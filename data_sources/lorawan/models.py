"""The one table of LoRaWAN device models (codec, fields that become readings, theme) and ``measurements`` read through it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.schema import QUANTITIES
from data_sources._kit import number
from data_sources.lorawan import bosch, decentlab, dragino, elsys, kamstrup, milesight, nwave, yobiiq

Decoder = Callable[[str, int, bytes], dict]
Encoder = Callable[[str, Mapping[str, float]], tuple[int, bytes]]

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
    # Pulse counters count whatever is wired to them: the device's config says what one pulse is
    # worth (``pulse_factor`` in the register's unit, e.g. 0.01 m³) and may name another counter
    # quantity than ``quantity`` (``meter = "water_meter"``). Without a factor there is no reading.
    per_device: bool = False


@dataclass(frozen=True)
class DeviceModel:
    """A device model: its payload decoder, the fields that become readings, its default theme, a demo encoder.

    Only listed fields become readings; everything else a decoder returns (firmware versions,
    flags, uncalibrated raw values) is ignored rather than guessed at. At most one field per
    quantity, so one uplink gives at most one value per (station, quantity, time).
    """

    decode: Decoder | None  # None only for GENERIC: the network server decoded, we only map
    fields: tuple[Field, ...]
    theme: str
    encode: Encoder | None = None


# The fields of each family that become readings (at most one per quantity).
ELSYS = (
    Field("temperature", "temperature"),
    Field("humidity", "humidity"),
    Field("co2", "co2"),
    Field("light", "illuminance"),
    Field("pressure", "pressure"),  # hPa
    Field("soundAvg", "noise"),  # dB(A)
    Field("vdd", "battery", 0.001),  # mV → V
)
# ERS Sound and ERS2 Sound (device-repository id elsys/ers-sound) hang in classrooms: an indoor_air
# station like the ERS CO2, with the room's average and peak sound level (dB) as extra quantities.
ELSYS_SOUND = (
    Field("temperature", "temperature"),
    Field("humidity", "humidity"),
    Field("light", "illuminance"),
    Field("soundAvg", "noise"),  # average level of the reporting interval
    Field("soundPeak", "noise_max"),  # its peak
    Field("vdd", "battery", 0.001),  # mV → V
)
# Milesight reports the battery in percent, which is not a voltage: it is left out.
MILESIGHT_AMBIENCE = (
    Field("temperature", "temperature"),
    Field("humidity", "humidity"),
    Field("co2", "co2"),
    Field("pressure", "pressure"),  # hPa
    Field("pm2_5", "pm2_5"),
    Field("pm10", "pm10"),
)
MILESIGHT_LEVEL = (Field("distance", "water_level", 0.1, below_mount=True),)  # mm → cm
# WS302 sound level meter (A weighting, fast): the interval's LAeq and LAFmax. LAF, the level at the
# moment of sending, is no interval value; other modes name their levels LCeq, LAmax … and stay out.
MILESIGHT_SOUND = (Field("LAeq", "noise"), Field("LAFmax", "noise_max"))
# The LHT65's external probe (TempC_DS) may sit anywhere (a fridge, a pipe): only the built-in SHT sensor counts.
DRAGINO_LHT65 = (Field("TempC_SHT", "temperature"), Field("Hum_SHT", "humidity"), Field("ILL_lx", "illuminance"), Field("BatV", "battery"))
DRAGINO_LDDS75 = (Field("Distance", "water_level", 0.1, below_mount=True), Field("Bat", "battery"))
# water_SOIL is volumetric water content in %; soil temperature and conductivity have no quantity yet.
DRAGINO_LSE01 = (Field("water_SOIL", "soil_moisture"), Field("Bat", "battery"))
DECENTLAB_MBX = (Field("distance", "water_level", 0.1, below_mount=True), Field("battery_voltage", "battery"))
# A submersible level sensor: gauge pressure in bar is the water column above the sensor.
DECENTLAB_PR26 = (Field("pressure", "water_level", CM_WATER_PER_BAR), Field("battery_voltage", "battery"))
# DL-SMTP soil moisture is an uncalibrated, unitless sensor value (it goes negative), not % volume.
DECENTLAB_SMTP = (Field("battery_voltage", "battery"),)
# Parking sensors' temperature is measured inside the housing in the asphalt, not the air.
BOSCH_TPS110 = (Field("occupied", "occupancy", 100.0),)  # occupied → 100 %
NWAVE_NPS405 = (Field("occupied", "occupancy", 100.0), Field("battery_voltage", "battery"))
# Meter readers: cumulative registers. The EM300-DI's temperature is its housing's in a meter room.
MILESIGHT_PULSE = (Field("pulse", "gas_meter", per_device=True),)  # a gas meter's reed contact unless the device says otherwise
YOBIIQ_METER = (Field("activeEnergyImport", "electricity_meter", 0.001),)  # T1 + T2 in Wh → kWh
KAMSTRUP_HEAT = (Field("energy", "heat_meter"),)  # kWh; the module's volume is the heating water's, no consumption
KAMSTRUP_WATER = (Field("volume", "water_meter"),)  # m³

# For devices without a known model whose network server already decoded the payload: only
# names that are unambiguous in practice.
GENERIC = DeviceModel(None, (Field("temperature", "temperature"), Field("humidity", "humidity"), Field("co2", "co2")), "other")

# One line per model id; aliases are the ids The Things Stack puts into ``version_ids`` for the
# same hardware (e.g. Nwave's mount variants). A new device: its family module decodes it, one line here.
MODELS: dict[str, DeviceModel] = {
    **{f"elsys/{m}": DeviceModel(elsys.decode, ELSYS, "indoor_air", elsys.encode if m in elsys.ENCODED else None) for m in elsys.MODELS},
    "elsys/ers-sound": DeviceModel(elsys.decode, ELSYS_SOUND, "indoor_air"),
    "milesight-iot/am103": DeviceModel(milesight.decode, MILESIGHT_AMBIENCE, "indoor_air"),
    "milesight-iot/am307": DeviceModel(milesight.decode, MILESIGHT_AMBIENCE, "indoor_air"),
    "milesight-iot/am319": DeviceModel(milesight.decode, MILESIGHT_AMBIENCE, "indoor_air"),
    "milesight-iot/em500-udl": DeviceModel(milesight.decode, MILESIGHT_LEVEL, "water"),
    "milesight-iot/ws302": DeviceModel(milesight.decode, MILESIGHT_SOUND, "noise", milesight.encode_ws302),
    "dragino/lht65": DeviceModel(dragino.lht65, DRAGINO_LHT65, "microclimate"),
    "dragino/ldds75": DeviceModel(dragino.ldds75, DRAGINO_LDDS75, "water"),
    "dragino/lse01": DeviceModel(dragino.lse01, DRAGINO_LSE01, "soil"),
    "decentlab/dl-mbx": DeviceModel(decentlab.decode, DECENTLAB_MBX, "water", decentlab.encode_mbx),
    "decentlab/dl-pr26": DeviceModel(decentlab.decode, DECENTLAB_PR26, "water"),
    "decentlab/dl-pr26-0-1": DeviceModel(decentlab.decode, DECENTLAB_PR26, "water"),
    "decentlab/dl-smtp": DeviceModel(decentlab.decode, DECENTLAB_SMTP, "soil"),
    "bosch/tps110": DeviceModel(bosch.decode, BOSCH_TPS110, "parking"),
    "nwave/nps405": DeviceModel(nwave.decode, NWAVE_NPS405, "parking"),
    "nwave/nps405fm": DeviceModel(nwave.decode, NWAVE_NPS405, "parking"),
    "nwave/nps405sm": DeviceModel(nwave.decode, NWAVE_NPS405, "parking"),
    "milesight-iot/em300-di": DeviceModel(milesight.decode, MILESIGHT_PULSE, "energy"),
    "yobiiq/em2101": DeviceModel(yobiiq.decode, YOBIIQ_METER, "energy"),
    "yobiiq/em4301": DeviceModel(yobiiq.decode, YOBIIQ_METER, "energy"),
    "kamstrup/hc-003-55-multical": DeviceModel(kamstrup.decode, KAMSTRUP_HEAT, "energy"),
    "kamstrup/flowiq2200-02k73a": DeviceModel(kamstrup.decode, KAMSTRUP_WATER, "energy"),
}
COUNTERS = tuple(key for key, q in QUANTITIES.items() if q.aggregation == "counter")


def device_model(model: str | None) -> DeviceModel:
    """The table entry of a model; devices of unknown model fall back to the generic names."""
    return MODELS.get(model or "", GENERIC)


def field_number(value: Any) -> float | None:
    """A decoded value as a float: numbers, numeric strings ("24.1"), booleans (occupied), ``{"value": …}``."""
    if isinstance(value, Mapping):
        value = value.get("value")  # Decentlab style: {"displayName", "value", "unit"}
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return number(value)  # "No Sensor", "Invalid Reading" … are None


def measurements(
    model: str | None, decoded: Any, *, mount_height_cm: float | None = None, device: Mapping | None = None
) -> list[tuple[str, float]]:
    """(quantity, value) pairs in canonical units from one decoded payload, by the model's fields.

    ``device``: the device's table of the city config (a pulse counter's ``meter`` and ``pulse_factor``).

    >>> measurements("decentlab/dl-mbx", {"distance": {"value": 1234, "unit": "mm"}}, mount_height_cm=300)
    [('water_level', 176.6)]
    """
    if not isinstance(decoded, Mapping):
        return []
    found = []
    for field in device_model(model).fields:
        value = field_number(decoded.get(field.key))
        if value is None:
            continue
        quantity, scale = field.quantity, field.scale
        if field.per_device:
            quantity, scale = (device or {}).get("meter", quantity), number((device or {}).get("pulse_factor"))
            if quantity not in COUNTERS or scale is None or scale <= 0:
                continue
        value *= scale
        if field.below_mount:
            if mount_height_cm is None:
                continue
            value = mount_height_cm - value
        found.append((quantity, round(value, 9)))  # 0.1 · 1234 is 123.4000…01 in binary
    return found
