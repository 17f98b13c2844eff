"""Elsys type-length payloads (ERS, ERS CO2, ERS Sound, EMS …): one type byte, then a fixed-size value; decode and encode."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from data_sources.lorawan.frames import Frame, pack


@dataclass(frozen=True)
class Element:
    """One Elsys data type: the decoded field name(s) and how to read its value."""

    names: tuple[str, ...]
    read: Callable[[Frame], tuple]


def _one(reader: Callable[[Frame], float]) -> Callable[[Frame], tuple]:
    return lambda f: (reader(f),)


def _gps(f: Frame) -> tuple:
    return f.uint(3), f.uint(3)


def _grideye(f: Frame) -> tuple:
    ref = f.u8()
    return ([ref + px / 10 for px in f.take(64)],)


# Type byte → element, after Elsys' published payload table (elsys.se "Elsys LoRa payload").
ELEMENTS: dict[int, Element] = {
    0x01: Element(("temperature",), _one(lambda f: f.i16be() / 10)),
    0x02: Element(("humidity",), _one(Frame.u8)),
    0x03: Element(("x", "y", "z"), lambda f: (f.i8(), f.i8(), f.i8())),
    0x04: Element(("light",), _one(Frame.u16be)),
    0x05: Element(("motion",), _one(Frame.u8)),
    0x06: Element(("co2",), _one(Frame.u16be)),
    0x07: Element(("vdd",), _one(Frame.u16be)),
    0x08: Element(("analog1",), _one(Frame.u16be)),
    0x09: Element(("lat", "long"), _gps),
    0x0A: Element(("pulse1",), _one(Frame.u16be)),
    0x0B: Element(("pulseAbs",), _one(Frame.u32be)),
    0x0C: Element(("externalTemperature",), _one(lambda f: f.i16be() / 10)),
    0x0D: Element(("digital",), _one(Frame.u8)),
    0x0E: Element(("distance",), _one(Frame.u16be)),
    0x0F: Element(("accMotion",), _one(Frame.u8)),
    0x10: Element(("irInternalTemperature", "irExternalTemperature"), lambda f: (f.i16be() / 10, f.i16be() / 10)),
    0x11: Element(("occupancy",), _one(Frame.u8)),
    0x12: Element(("waterleak",), _one(Frame.u8)),
    0x13: Element(("grideye",), _grideye),
    0x14: Element(("pressure",), _one(lambda f: f.i32be() / 1000)),
    0x15: Element(("soundPeak", "soundAvg"), lambda f: (f.u8(), f.u8())),  # ERS Sound: peak, then average, whole dB
    0x16: Element(("pulse2",), _one(Frame.u16be)),
    0x17: Element(("pulseAbs2",), _one(Frame.u32be)),
    0x18: Element(("analog2",), _one(Frame.u16be)),
    0x19: Element(("externalTemperature2",), _one(lambda f: f.i16be() / 10)),
    0x1A: Element(("digital2",), _one(Frame.u8)),
    0x1B: Element(("analogUv",), _one(Frame.i32be)),
    0x1C: Element(("tvoc",), _one(Frame.u16be)),
}

# The family's models that share one field table; the ERS Sound has its own line in models.py (noise_max).
MODELS = ("ers", "ers-co2", "ers-co2-lite", "ers-lite", "ers-voc", "ers-eye", "ems", "ems-lite", "ems-desk")
ENCODED = ("ers", "ers-co2")  # the models the demo sends: their encoder writes what an ERS CO2 reports


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode an Elsys uplink; the port does not matter (Elsys uses one format on every port).

    >>> decode("elsys/ers-co2", 5, bytes.fromhex("0100e20229060308"))["co2"]
    776
    """
    frame = Frame(payload, model=model)
    data: dict = {}
    while frame.remaining:
        element = ELEMENTS.get(frame.u8())
        if element is None:
            # Like Elsys' own decoder: an unknown type ends the frame (newer firmware appends
            # types we do not know; what came before is still good).
            break
        for name, value in zip(element.names, element.read(frame)):
            if name == "externalTemperature2" and name in data:
                # A probe chain reports this type repeatedly: collect the values in order.
                previous = data[name] if isinstance(data[name], list) else [data[name]]
                value = [*previous, value]
            data[name] = value
    return data


@dataclass(frozen=True)
class Slot:
    """One value the demo encoder writes: canonical key, type byte, size, raw steps per canonical unit."""

    key: str
    type_byte: int
    size: int
    per_unit: float
    signed: bool = False


PORT = 5  # Elsys sensors send their data on port 5
SLOTS = (
    Slot("temperature", 0x01, 2, 10, signed=True),  # 0.1 °C
    Slot("humidity", 0x02, 1, 1),  # %
    Slot("illuminance", 0x04, 2, 1),  # lx
    Slot("co2", 0x06, 2, 1),  # ppm
    Slot("battery", 0x07, 2, 1000),  # V → mV
)


def encode(model: str, values: Mapping[str, float]) -> tuple[int, bytes]:
    """(fport, payload) from temperature °C, humidity %, co2 ppm, optional illuminance lx and battery V."""
    parts = [
        bytes([slot.type_byte]) + pack(model, slot.key, values[slot.key], slot.size, slot.per_unit, signed=slot.signed)
        for slot in SLOTS
        if values.get(slot.key) is not None
    ]
    return PORT, b"".join(parts)
