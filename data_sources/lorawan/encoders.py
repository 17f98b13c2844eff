"""Uplink encoders for the offline demo city: canonical values → a device's own payload bytes.

They are the inverse of the decoders, so a demo uplink runs through the real decoder and the
real field mapping and ends in the same rows as a live device would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from data_sources.lorawan import decentlab


@dataclass(frozen=True)
class Slot:
    """One value of a type-length payload: canonical key, type byte, size, raw units per canonical unit."""

    key: str
    type_byte: int
    size: int
    per_unit: float
    signed: bool = False


ELSYS_PORT = 5  # Elsys sensors send their data on port 5
ELSYS_SLOTS = (
    Slot("temperature", 0x01, 2, 10, signed=True),  # 0.1 °C
    Slot("humidity", 0x02, 1, 1),  # %
    Slot("illuminance", 0x04, 2, 1),  # lx
    Slot("co2", 0x06, 2, 1),  # ppm
    Slot("battery", 0x07, 2, 1000),  # V → mV
)


def _raw(model: str, key: str, value: float, size: int, per_unit: float, signed: bool) -> bytes:
    raw = round(value * per_unit)
    try:
        return raw.to_bytes(size, "big", signed=signed)
    except OverflowError:
        msg = f"{model}: {key}={value!r} does not fit the payload field"
        raise ValueError(msg) from None


def _elsys(model: str, values: Mapping[str, float]) -> tuple[int, bytes]:
    parts = []
    for slot in ELSYS_SLOTS:
        if values.get(slot.key) is not None:
            raw = _raw(model, slot.key, values[slot.key], slot.size, slot.per_unit, slot.signed)
            parts.append(bytes([slot.type_byte]) + raw)
    return ELSYS_PORT, b"".join(parts)


def _decentlab_mbx(model: str, values: Mapping[str, float]) -> tuple[int, bytes]:
    """Decentlab protocol v2: version, device id, sensor flags, then the words of each present sensor."""
    flags, words = 0, b""
    if values.get("distance") is not None:  # sensor 0: distance (mm) and number of valid samples
        flags |= 1
        words += _raw(model, "distance", values["distance"], 2, 1, False)
        words += _raw(model, "samples", values.get("samples", 1), 2, 1, False)
    if values.get("battery") is not None:  # sensor 1: battery (mV)
        flags |= 2
        words += _raw(model, "battery", values["battery"], 2, 1000, False)
    device_id = _raw(model, "device_id", values.get("device_id", 0), 2, 1, False)
    return decentlab.COMMAND_PORT, bytes([decentlab.PROTOCOL_VERSION]) + device_id + flags.to_bytes(2, "big") + words


ENCODERS: dict[str, Callable[[str, Mapping[str, float]], tuple[int, bytes]]] = {
    "elsys/ers-co2": _elsys,
    "elsys/ers": _elsys,
    "decentlab/dl-mbx": _decentlab_mbx,
}


def encode(model: str, values: dict) -> tuple[int, bytes]:
    """(fport, payload) for a device model from values in canonical units.

    ``elsys/ers-co2``: temperature °C, humidity %, co2 ppm, optional illuminance lx and battery V.
    ``decentlab/dl-mbx``: distance mm (from the sensor down to the water), battery V.

    >>> encode("elsys/ers-co2", {"temperature": 22.6, "humidity": 41, "co2": 776})
    (5, b'\\x01\\x00\\xe2\\x02)\\x06\\x03\\x08')
    """
    encoder = ENCODERS.get(model)
    if encoder is None:
        msg = f"no encoder for device model {model!r}; known: {', '.join(sorted(ENCODERS))}"
        raise ValueError(msg)
    return encoder(model, values)
