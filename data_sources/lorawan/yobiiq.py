"""Yobiiq iQ EM2101 (one phase) and EM4301 (three phases) MID electricity meters: channel, type, big-endian value.

Measurements arrive on ports 1–10 as records of one channel byte, one type byte and a value
whose size the type fixes (Yobiiq's TTN/ChirpStack codecs, ``CONFIG_MEASUREMENT``); channel 11
with type 0x0A is the Modbus error code (one byte). Energy registers are cumulative in Wh (active)
and varh (reactive); the tariff registers T1 and T2 together are the meter's import, which
:func:`decode` adds up as ``activeEnergyImport`` (Wh) when the frame carries both. The device's
own ``timestamp`` is decoded but not used as the reading's time: its clock is set by downlink and
may be wrong (a recorded EM4301 uplink is stamped six days after it arrived).
"""

from __future__ import annotations

from data_sources.lorawan.frames import Frame, unknown_port

MEASUREMENT_PORTS = range(1, 11)
INFO_PORT = 50  # device information (versions, serial number, CT ratios): nothing to show
MODBUS_ERROR = (11, 0x0A)


def _types(phases: str) -> dict[int, tuple[str, int, float, bool]]:
    """type -> (name, size, resolution, signed) of one model's measurement records."""
    table = {
        0x00: ("index", 4, 1, False),
        0x01: ("timestamp", 4, 1, False),
        0x03: ("dataloggerTimestamp", 4, 1, False),
        0x04: (f"activeEnergyImport{phases}T1", 4, 1, False),  # Wh
        0x05: (f"activeEnergyImport{phases}T2", 4, 1, False),
        0x06: (f"activeEnergyExport{phases}T1", 4, 1, False),
        0x07: (f"activeEnergyExport{phases}T2", 4, 1, False),
        0x08: (f"reactiveEnergyImport{phases}T1", 4, 1, False),  # varh
        0x09: (f"reactiveEnergyImport{phases}T2", 4, 1, False),
        0x0A: (f"reactiveEnergyExport{phases}T1", 4, 1, False),
        0x0B: (f"reactiveEnergyExport{phases}T2", 4, 1, False),
        0x0C: ("voltageL1N", 4, 0.1, True),  # V
        0x10: ("currentL1", 4, 1, True),  # mA
        0x14: ("activePowerL1", 4, 1, True),  # W
        0x1D: ("powerFactorL1", 1, 0.01, True),
        0x23: ("frequency", 2, 0.01, True),  # Hz
        0x24: ("totalSystemActivePower", 4, 1, False),  # kW as the codec names it
        0x2A: ("averagePower", 4, 1, True),  # W
    }
    if phases == "L123":
        table.update(
            {
                0x0D: ("voltageL2N", 4, 0.1, True),
                0x0E: ("voltageL3N", 4, 0.1, True),
                0x0F: ("currentL123", 4, 1, True),
                0x11: ("currentL2", 4, 1, True),
                0x12: ("currentL3", 4, 1, True),
                0x13: ("activePowerL123", 4, 1, True),
                0x15: ("activePowerL2", 4, 1, True),
                0x16: ("activePowerL3", 4, 1, True),
                0x1E: ("powerFactorL2", 1, 0.01, True),
                0x1F: ("powerFactorL3", 1, 0.01, True),
            }
        )
    return table


TABLES = {"em2101": _types("L1"), "em4301": _types("L123")}


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode a Yobiiq meter uplink.

    >>> decode("yobiiq/em2101", 1, bytes.fromhex("03040000000004050000e9d0"))["activeEnergyImport"]
    59856
    """
    if fport == INFO_PORT:
        return {}
    if fport not in MEASUREMENT_PORTS:
        raise unknown_port(model, fport)
    name = model.split("/", 1)[1]
    table, phases = TABLES[name], "L123" if name == "em4301" else "L1"
    frame = Frame(payload, model=model)
    if len(frame) == 1:  # a downlink acknowledgement (0 succeeded, 1 failed): no measurement
        return {}
    data: dict = {}
    while frame.remaining:
        channel, kind = frame.u8(), frame.take(1)[0] if frame.remaining else None
        if kind is None:
            raise frame.fail("payload truncated: channel without type")
        if (channel, kind) == MODBUS_ERROR:
            data["modbusErrorCode"] = frame.u8()
            continue
        if kind not in table:
            raise frame.fail(f"unknown measurement type 0x{kind:02X} on channel {channel}")
        key, size, resolution, signed = table[kind]
        value = frame.sint(size) if signed else frame.uint(size)
        data[key] = round(value * resolution, 6) if resolution != 1 else value
    t1, t2 = data.get(f"activeEnergyImport{phases}T1"), data.get(f"activeEnergyImport{phases}T2")
    if t1 is not None and t2 is not None:
        data["activeEnergyImport"] = t1 + t2
    if data.get("modbusErrorCode"):  # the LoRaWAN module could not read the meter: its registers are not readings
        data = {k: v for k, v in data.items() if not k.startswith(("active", "reactive"))}
    return data
