"""Milesight channel-type-value payloads (AM103/AM307/AM319 ambience monitors, EM500-UDL level sensor, WS302 sound level meter, EM300-DI pulse counter)."""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from data_sources.lorawan.frames import Frame


@dataclass(frozen=True)
class Channel:
    """One (channel id, channel type) pair: the field it fills (None: read past it) and its reader.

    ``spread``: the reader returns several named fields (a dict) rather than one value.
    """

    name: str | None
    size: int
    read: Callable[[bytes], object] = lambda raw: None
    spread: bool = False


def _u16le(scale: float | None = None) -> Callable[[bytes], float]:
    if scale is None:
        return lambda raw: int.from_bytes(raw, "little")
    return lambda raw: int.from_bytes(raw, "little") / scale


def _i16le(scale: float) -> Callable[[bytes], float]:
    return lambda raw: int.from_bytes(raw, "little", signed=True) / scale


# Device attributes sent after a join (firmware, serial number …): known lengths, nothing to show.
ATTRIBUTES: dict[tuple[int, int], Channel] = {
    (0xFF, 0x01): Channel(None, 1),  # IPSO version
    (0xFF, 0x09): Channel(None, 2),  # hardware version
    (0xFF, 0x0A): Channel(None, 2),  # firmware version
    (0xFF, 0x0B): Channel(None, 1),  # power on
    (0xFF, 0x0F): Channel(None, 1),  # LoRaWAN class
    (0xFF, 0x16): Channel(None, 8),  # serial number
    (0xFF, 0xFE): Channel(None, 1),  # reset event
    (0xFF, 0xFF): Channel(None, 2),  # TSL version
}

# AM103, AM307 and AM319 share one channel table (Milesight "AM300 series" payload definition).
AMBIENCE: dict[tuple[int, int], Channel] = {
    **ATTRIBUTES,
    (0x01, 0x75): Channel("battery", 1, lambda raw: raw[0]),  # %
    (0x03, 0x67): Channel("temperature", 2, _i16le(10)),  # °C
    (0x04, 0x68): Channel("humidity", 1, lambda raw: raw[0] / 2),  # %RH
    (0x05, 0x00): Channel("pir", 1, lambda raw: "trigger" if raw[0] == 1 else "idle"),
    (0x05, 0x6A): Channel(None, 2),  # activity level (newer firmware); not decoded by the repository codec
    (0x06, 0xCB): Channel("light_level", 1, lambda raw: raw[0]),
    (0x07, 0x7D): Channel("co2", 2, _u16le()),  # ppm
    (0x08, 0x7D): Channel("tvoc", 2, _u16le()),  # level
    (0x09, 0x73): Channel("pressure", 2, _u16le(10)),  # hPa
    (0x0A, 0x7D): Channel("hcho", 2, _u16le(100)),  # mg/m³
    (0x0B, 0x7D): Channel("pm2_5", 2, _u16le()),  # µg/m³
    (0x0C, 0x7D): Channel("pm10", 2, _u16le()),  # µg/m³
    (0x0D, 0x7D): Channel("o3", 2, _u16le(100)),  # ppm
    (0x0E, 0x01): Channel("beep", 1, lambda raw: "yes" if raw[0] == 1 else "no"),
}

# EM500-UDL: Milesight documents the distance in mm (unsigned). The device-repository codec
# divides by 1000 but its own test vector expects mm; we follow the vendor table and the vector.
LEVEL: dict[tuple[int, int], Channel] = {
    **ATTRIBUTES,
    (0x01, 0x75): Channel("battery", 1, lambda raw: raw[0]),  # %
    (0x03, 0x82): Channel("distance", 2, _u16le()),  # mm
    (0x83, 0xE9): Channel(None, 5),  # distance alarm
    (0x20, 0xCE): Channel(None, 6),  # historical record
}


def _sound(raw: bytes) -> dict[str, float]:
    """WS302 levels: the mode byte names them, three uint16 little-endian in 0.1 dB follow.

    Mode (Milesight WS302 user guide, "Sensor Data"): bits 0–1 the frequency weighting (1 = A,
    2 = C), bit 2 fast time weighting. 0x05 gives LAF (the level when sending), LAeq (the
    interval's equivalent level) and LAFmax, as in the vendor's example; without time weighting
    LA, LAeq, LAmax; C weighting LCF, LCeq, LCFmax. A mode the guide does not list gives plain
    L, Leq, Lmax: numbers kept, but never taken for dB(A).
    """
    mode = raw[0]
    weighting = {1: "A", 2: "C"}.get(mode & 0x03, "")
    time = "F" if mode & 0x04 else ""
    level, equivalent, peak = (int.from_bytes(raw[i : i + 2], "little") / 10 for i in (1, 3, 5))
    return {f"L{weighting}{time}": level, f"L{weighting}eq": equivalent, f"L{weighting}{time}max": peak}


SOUND: dict[tuple[int, int], Channel] = {
    **ATTRIBUTES,
    (0x01, 0x75): Channel("battery", 1, lambda raw: raw[0]),  # %
    (0x05, 0x5B): Channel(None, 7, _sound, spread=True),  # mode + level, Leq, Lmax
}


def _water(raw: bytes) -> dict[str, float]:
    """EM300-DI water mode: water_conv and pulse_conv (uint16 LE each), then the converted count (float32 LE)."""
    return {"water_conv": _u16le()(raw[0:2]), "pulse_conv": _u16le()(raw[2:4]), "water": struct.unpack("<f", raw[4:8])[0]}


def _pulse_history(raw: bytes) -> dict:
    """EM300-DI history record: timestamp (uint32 LE, epoch s), temperature, humidity, gpio type, gpio, pulse count."""
    record = {"timestamp": int.from_bytes(raw[0:4], "little"), "temperature": _i16le(10)(raw[4:6]), "humidity": raw[6] / 2}
    if raw[7] == 2:  # gpio_type 2: pulse counting (1: digital input, whose level says nothing about consumption)
        record["pulse"] = int.from_bytes(raw[9:13], "little")
    return record


# EM300-DI pulse counter (Milesight "em-series/em300-di" payload table). The pulse count is a raw
# register: what a pulse is worth (0.01 m³ of gas, 1 Wh …) is the device's ``pulse_factor`` in the
# city config (data_sources.lorawan.models). History records carry the device's own time and are
# decoded into ``history`` but not turned into readings (the uplink path stamps the uplink's time).
PULSE: dict[tuple[int, int], Channel] = {
    **ATTRIBUTES,
    (0xFF, 0x0B): Channel(None, 1),  # device status
    (0x01, 0x75): Channel("battery", 1, lambda raw: raw[0]),  # %
    (0x03, 0x67): Channel("temperature", 2, _i16le(10)),  # °C
    (0x04, 0x68): Channel("humidity", 1, lambda raw: raw[0] / 2),  # %RH
    (0x05, 0x00): Channel("gpio", 1, lambda raw: raw[0]),
    (0x05, 0xC8): Channel("pulse", 4, lambda raw: int.from_bytes(raw, "little")),
    (0x05, 0xE1): Channel(None, 8, _water, spread=True),
    (0x85, 0x00): Channel(None, 2),  # gpio alarm
    (0x85, 0xE1): Channel(None, 9),  # water alarm
    (0x20, 0xCE): Channel("history", 13, _pulse_history),
    (0x21, 0xCE): Channel(None, 18),  # history in water mode
}

TABLES: dict[str, dict[tuple[int, int], Channel]] = {
    "am103": AMBIENCE,
    "am307": AMBIENCE,
    "am319": AMBIENCE,
    "em500-udl": LEVEL,
    "ws302": SOUND,
    "em300-di": PULSE,
}


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode a Milesight uplink (any port; the frame is self-describing).

    >>> decode("milesight-iot/am307", 85, bytes.fromhex("07 7d e7 04"))
    {'co2': 1255}
    """
    table = TABLES[model.split("/", 1)[1]]
    frame = Frame(payload, model=model)
    data: dict = {}
    while frame.remaining:
        channel_id = frame.u8()
        if not frame.remaining:
            raise frame.fail("payload truncated: channel id without channel type")
        channel = table.get((channel_id, frame.u8()))
        if channel is None:
            # Like the vendor decoder: an unknown channel ends the frame, earlier values stand.
            break
        raw = frame.take(channel.size)
        if channel.spread:
            data.update(channel.read(raw))
        elif channel.name == "history":  # several records per uplink
            data.setdefault("history", []).append(channel.read(raw))
        elif channel.name is not None:
            data[channel.name] = channel.read(raw)
    return data


WS302_PORT = 85  # Milesight sensors send their data on port 85
WS302_MODE = 0x05  # A weighting, fast time weighting: what the demo's meters are set to


def _level(model: str, key: str, value: float) -> bytes:
    try:
        return round(value * 10).to_bytes(2, "little")
    except OverflowError:
        msg = f"{model}: {key}={value!r} does not fit the payload field"
        raise ValueError(msg) from None


def encode_ws302(model: str, values: Mapping[str, float]) -> tuple[int, bytes]:
    """(fport, payload) of a WS302 from noise (LAeq) and noise_max (LAFmax) in dB(A).

    Optional: ``laf``, the level at the moment of sending (the demo has none: it writes LAeq
    there, which no reading takes), and ``battery_percent``.

    >>> encode_ws302("milesight-iot/ws302", {"battery_percent": 100, "laf": 57.5, "noise": 47.4, "noise_max": 61.8})[1].hex()
    '017564055b053f02da016a02'
    """
    battery = values.get("battery_percent")
    if battery is not None and not 0 <= battery <= 100:
        msg = f"{model}: battery_percent={battery!r} is no percentage"
        raise ValueError(msg)
    head = b"" if battery is None else bytes([0x01, 0x75, round(battery)])
    laeq = _level(model, "noise", values["noise"])
    peak = _level(model, "noise_max", values["noise_max"]) if "noise_max" in values else laeq
    now = _level(model, "laf", values["laf"]) if "laf" in values else laeq
    return WS302_PORT, head + bytes([0x05, 0x5B, WS302_MODE]) + now + laeq + peak
