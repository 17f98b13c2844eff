"""Bosch parking lot sensor TPS110 (firmware 0.29.x): status, heartbeat and start-up frames by port."""

from __future__ import annotations

from collections.abc import Callable

from data_sources.lorawan.frames import Frame, unknown_port

RESET_CAUSES = {1: "watchdog", 2: "power on", 3: "system request", 4: "other"}


def _status(frame: Frame) -> dict:
    frame.need(1, what="a parking status")
    return {"type": "parking status", "occupied": bool(frame.byte_at(0) & 1)}


def _heartbeat(frame: Frame) -> dict:
    frame.need(1, what="a heartbeat")
    data = {"type": "heartbeat", "occupied": bool(frame.byte_at(0) & 1)}
    if len(frame) >= 2:
        # Older firmware sends the occupancy byte only; the temperature byte is optional.
        data["temperature"] = int.from_bytes(frame.data[1:2], "big", signed=True)
    return data


def _startup(frame: Frame) -> dict:
    frame.need(17, what="a start-up frame")
    codes = [((frame.byte_at(i + 1) & 0x0F) << 8) | frame.byte_at(i) for i in (0, 4, 8)]
    data = {
        "type": "startup",
        "debugCodes": [code for code in codes if code],
        "firmwareVersion": ".".join(str(frame.byte_at(i)) for i in (12, 13, 14)),
        "occupied": bool(frame.byte_at(16) & 1),
    }
    cause = RESET_CAUSES.get(frame.byte_at(15))
    if cause is not None:
        data["resetCause"] = cause
    return data


def _debug(frame: Frame) -> dict:
    frame.need(10, what="a debug frame")
    return {
        "type": "debug",
        "timestamp": int.from_bytes(frame.data[0:4], "little"),
        "debugCode": ((frame.byte_at(5) & 0x0F) << 8) | frame.byte_at(4),
        "sequenceNumber": (frame.byte_at(9) << 8) | frame.byte_at(8),
    }


PORTS: dict[int, Callable[[Frame], dict]] = {
    1: _status,
    2: _heartbeat,
    3: _startup,
    4: lambda f: {"type": "device information", "bytes": list(f.data)},
    5: lambda f: {"type": "device usage", "bytes": list(f.data)},
    6: _debug,
}


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode a TPS110 uplink; the port tells the frame type.

    >>> decode("bosch/tps110", 1, b"\\x01")
    {'type': 'parking status', 'occupied': True}
    """
    handler = PORTS.get(fport)
    if handler is None:
        raise unknown_port(model, fport)
    return handler(Frame(payload, model=model))
