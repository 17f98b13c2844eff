"""Dragino fixed-layout payloads on port 2: LHT65 (temperature/humidity), LDDS75 (distance), LSE01 (soil)."""

from __future__ import annotations

from collections.abc import Callable

from data_sources.lorawan.frames import Frame, unknown_port

DATA_PORT = 2


def _s16(frame: Frame, at: int) -> int:
    value = (frame.byte_at(at) << 8) | frame.byte_at(at + 1)
    return value - 0x10000 if value & 0x8000 else value


def _u16(frame: Frame, at: int) -> int:
    return (frame.byte_at(at) << 8) | frame.byte_at(at + 1)


def _u32(frame: Frame, at: int) -> int:
    return (_u16(frame, at) << 16) | _u16(frame, at + 2)


def _battery(frame: Frame) -> float:
    # The two top bits of the battery word carry a status, the rest is millivolts.
    return (_u16(frame, 0) & 0x3FFF) / 1000


# LHT65 external sensor (low nibble of byte 6) → the fields it adds from bytes 7…10.
LHT65_EXTERNAL: dict[int, Callable[[Frame], dict]] = {
    0x0: lambda f: {"Ext_sensor": "No external sensor"},
    0x1: lambda f: {"Ext_sensor": "Temperature Sensor", "TempC_DS": round(_s16(f, 7) / 100, 2)},
    0x4: lambda f: {
        "Work_mode": "Interrupt Sensor send",
        "Exti_pin_level": "High" if f.byte_at(7) else "Low",
        "Exti_status": "True" if f.byte_at(8) else "False",
    },
    0x5: lambda f: {"Work_mode": "Illumination Sensor", "ILL_lx": _u16(f, 7)},
    0x6: lambda f: {"Work_mode": "ADC Sensor", "ADC_V": _u16(f, 7) / 1000},
    0x7: lambda f: {"Work_mode": "Interrupt Sensor count", "Exit_count": _u16(f, 7)},
    0x8: lambda f: {"Work_mode": "Interrupt Sensor count", "Exit_count": _u32(f, 7)},
    0x9: lambda f: {"Work_mode": "DS18B20 & timestamp", "Systimestamp": _u32(f, 7)},
    0xF: lambda f: {"Work_mode": "DS18B20ID", "ID": " ".join(f"{f.byte_at(i):02x}" for i in (2, 3, 4, 5, 7, 8, 9, 10))},
}


def lht65(model: str, fport: int, payload: bytes) -> dict:
    """LHT65: 11 bytes on port 2 — battery, SHT20 temperature and humidity, external probe."""
    if fport != DATA_PORT:
        raise unknown_port(model, fport)
    frame = Frame(payload, model=model)
    if len(frame) != 11:
        raise frame.fail(f"an LHT65 data frame has 11 bytes, got {len(frame)}")
    flags = frame.byte_at(6)
    if flags & 0x40:
        raise frame.fail("a datalog poll reply is not a live reading")
    external = flags & 0x0F
    data: dict = {}
    if external == 0x9:
        # In timestamp mode the first word carries the probe temperature instead of the battery.
        data["TempC_DS"] = round(_s16(frame, 0) / 100, 2)
        data["Bat_status"] = frame.byte_at(4) >> 6
    else:
        data["BatV"] = _battery(frame)
        data["Bat_status"] = frame.byte_at(0) >> 6
    if external != 0xF:
        data["TempC_SHT"] = round(_s16(frame, 2) / 100, 2)
        data["Hum_SHT"] = round((_u16(frame, 4) & 0x0FFF) / 10, 1)
    if flags & 0x80:
        data["No_connect"] = "Sensor no connection"
    extra = LHT65_EXTERNAL.get(external)
    if extra is not None:
        data.update(extra(frame))
    return data


def ldds75(model: str, fport: int, payload: bytes) -> dict:
    """LDDS75: 8 bytes on port 2 — battery, distance (mm), interrupt flag, DS18B20, sensor flag.

    A 4-byte frame is what the device-repository codec reports as ``"No Sensor"``; we answer
    the same so that a TTN ``decoded_payload`` and our own decoding agree.
    """
    if fport != DATA_PORT:
        raise unknown_port(model, fport)
    frame = Frame(payload, model=model)
    if len(frame) == 4:
        return {"distance": "No Sensor"}
    if len(frame) != 8:
        raise frame.fail(f"an LDDS75 data frame has 8 bytes, got {len(frame)}")
    distance = _u16(frame, 2)
    data = {
        "Bat": _battery(frame),
        "Distance": distance,
        "Interrupt_flag": frame.byte_at(4),
        "TempC_DS18B20": round(_s16(frame, 5) / 10, 1),
        "Sensor_flag": frame.byte_at(7),
    }
    # Dragino: 0 means no ultrasonic probe answered, below 20 mm is inside the dead zone.
    if distance == 0:
        data["Distance"] = "No Sensor"
    elif distance < 20:
        data["Distance"] = "Invalid Reading"
    return data


def lse01(model: str, fport: int, payload: bytes) -> dict:
    """LSE01: port 2 — battery, DS18B20, soil water content (%), soil temperature, conductivity.

    Values are numbers here; the repository codec returns some as ``toFixed`` strings. Byte 10
    (firmware ≥ 1.2 "mod" bit for raw dielectric output) is ignored, as the repository codec does.
    """
    if fport != DATA_PORT:
        raise unknown_port(model, fport)
    frame = Frame(payload, model=model)
    frame.need(11, what="an LSE01 data frame")
    return {
        "Bat": _battery(frame),
        "TempC_DS18B20": round(_s16(frame, 2) / 10, 1),
        "water_SOIL": round(_u16(frame, 4) / 100, 2),
        "temp_SOIL": round(_s16(frame, 6) / 100, 2),
        "conduct_SOIL": _u16(frame, 8),
    }
