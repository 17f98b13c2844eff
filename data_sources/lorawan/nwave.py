"""Nwave parking sensor NPS405: status, heartbeat, start-up and tag-registration frames by port."""

from __future__ import annotations

from collections.abc import Callable

from data_sources.lorawan.frames import Frame, unknown_port

RESET_CAUSES = {0: "rejoining_lorawan_network", 1: "watchdog", 2: "power_on", 3: "user_request", 6: "brownout", 7: "other"}


def previous_state(compressed: int) -> dict:
    """How long the previous state lasted (minutes), from Nwave's 7-bit compressed duration."""
    if compressed < 90:
        duration, error = compressed, 0
    elif compressed < 120:
        duration, error = 90 + (compressed - 90) * 5, 4
    elif compressed < 127:
        duration, error = 240 + (compressed - 120) * 60, 59
    else:
        return {"previous_state_duration": 660, "previous_state_duration_error": None, "previous_state_duration_overflow": True}
    return {"previous_state_duration": duration, "previous_state_duration_error": error, "previous_state_duration_overflow": False}


def _status(frame: Frame) -> dict:
    frame.need(1, what="a parking status")
    first = frame.byte_at(0)
    return {"type": "parking_status", "occupied": bool(first & 1), **previous_state(first >> 1 & 0x7F)}


def _heartbeat(frame: Frame) -> dict:
    frame.need(3, what="a heartbeat")
    temperature = int.from_bytes(frame.data[2:3], "big", signed=True) / 2 + 10
    millivolts = 2500 + frame.byte_at(1) * 4
    # Nwave lowers the battery thresholds in the cold, where cells sag without being empty.
    critical, low = (2900, 3000) if temperature >= -5 else (2800, 2900)
    health = "normal" if millivolts >= low else "low" if millivolts >= critical else "critical"
    return {
        "type": "heartbeat",
        "occupied": bool(frame.byte_at(0) & 1),
        "hw_health_status": frame.byte_at(0) & 0x7F,
        "temperature": temperature,
        "battery_voltage": millivolts / 1000,
        "battery_health": health,
    }


def _startup(frame: Frame) -> dict:
    frame.need(5, what="a start-up frame")
    data = {
        "type": "startup",
        "firmware_version": ".".join(str(frame.byte_at(i)) for i in (0, 1, 2)),
        "occupied": bool(frame.byte_at(4) & 1),
    }
    cause = RESET_CAUSES.get(frame.byte_at(3))
    if cause is not None:
        data["reset_cause"] = cause
    return data


def _registration(frame: Frame) -> dict:
    # Layout after the repository's test vector: state byte, tag battery (0.1 V), 4-byte tag id.
    frame.need(6, what="a tag registration")
    first = frame.byte_at(0)
    if first & 1:
        state = {"occupied": True, **previous_state(first >> 1 & 0x7F)}
    else:
        state = dict.fromkeys(("occupied", "previous_state_duration", "previous_state_duration_error", "previous_state_duration_overflow"))
    return {
        "type": "user_registration",
        **state,
        "tag_battery_voltage": frame.byte_at(1) / 10,
        "tag_id": frame.data[2:6].hex().upper(),
    }


PORTS: dict[int, Callable[[Frame], dict]] = {
    1: _status,
    2: _heartbeat,
    3: _startup,
    6: lambda f: {"type": "debug", "bytes": list(f.data)},
    10: _registration,
}


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode an NPS405 uplink; the port tells the frame type.

    >>> decode("nwave/nps405", 1, b"\\x95")["previous_state_duration"]
    74
    """
    handler = PORTS.get(fport)
    if handler is None:
        raise unknown_port(model, fport)
    return handler(Frame(payload, model=model))
