"""Decentlab protocol v2 (DL-MBX, DL-PR26, DL-SMTP …): device id, sensor flags, then 16-bit words per sensor; downlinks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from data_sources.errors import FeedFormatError
from data_sources.lorawan.frames import Frame, pack

PROTOCOL_VERSION = 2
COMMAND_PORT = 1


@dataclass(frozen=True)
class Value:
    """One decoded value of a sensor block: name, label, unit and how it follows from the words."""

    name: str
    display: str
    convert: Callable[[list[int]], float]
    unit: str | None = None


@dataclass(frozen=True)
class Sensor:
    """A sensor block: present when its flag bit is set, ``words`` big-endian 16-bit words long."""

    words: int
    values: tuple[Value, ...]


BATTERY = Sensor(1, (Value("battery_voltage", "Battery voltage", lambda x: x[0] / 1000, "V"),))

# DL-PR26 comes in pressure ranges; this is the 0…1 bar variant of the device repository (dl-pr26-0-1).
PR26_PMIN, PR26_PMAX = 0.0, 1.0


def _soil_profile(depths: int) -> Sensor:
    values = []
    for d in range(depths):
        values.append(Value(f"soil_moisture_at_depth_{d}", f"Soil moisture at depth {d}", lambda x, i=2 * d: (x[i] - 2500) / 500))
        values.append(
            Value(f"soil_temperature_at_depth_{d}", f"Soil temperature at depth {d}", lambda x, i=2 * d + 1: (x[i] - 32768) / 100, "°C")
        )
    return Sensor(2 * depths, tuple(values))


SENSORS: dict[str, tuple[Sensor, ...]] = {
    "dl-mbx": (
        Sensor(
            2,
            (
                Value("distance", "Distance", lambda x: x[0], "mm"),
                Value("number_of_valid_samples", "Number of valid samples", lambda x: x[1]),
            ),
        ),
        BATTERY,
    ),
    "dl-pr26": (
        Sensor(
            2,
            (
                Value("pressure", "Pressure", lambda x: (x[0] - 16384) / 32768 * (PR26_PMAX - PR26_PMIN) + PR26_PMIN, "bar"),
                Value("temperature", "Temperature", lambda x: (x[1] - 384) * 0.003125 - 50, "°C"),
            ),
        ),
        BATTERY,
    ),
    "dl-smtp": (_soil_profile(8), BATTERY),
}
SENSORS["dl-pr26-0-1"] = SENSORS["dl-pr26"]  # the device repository's id of this 0…1 bar variant


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode a Decentlab uplink; values come as ``{"displayName", "value", "unit"}`` like the vendor codec."""
    sensors = SENSORS[model.split("/", 1)[1]]
    frame = Frame(payload, model=model)
    version = frame.u8()
    if version != PROTOCOL_VERSION:
        raise frame.fail(f"protocol version {version} doesn't match v2")
    data: dict = {"protocol_version": version, "device_id": frame.u16be()}
    flags = frame.u16be()
    for bit, sensor in enumerate(sensors):
        if not flags >> bit & 1:
            continue
        words = [frame.u16be() for _ in range(sensor.words)]
        for value in sensor.values:
            entry = {"displayName": value.display, "value": value.convert(words)}
            if value.unit is not None:
                entry["unit"] = value.unit
            data[value.name] = entry
    return data


def encode_mbx(model: str, values: Mapping[str, float]) -> tuple[int, bytes]:
    """A DL-MBX uplink for the demo: distance mm (from the sensor down to the water), battery V."""
    flags, words = 0, b""
    if values.get("distance") is not None:  # sensor 0: distance (mm) and number of valid samples
        flags |= 1
        words += pack(model, "distance", values["distance"], 2, 1) + pack(model, "samples", values.get("samples", 1), 2, 1)
    if values.get("battery") is not None:  # sensor 1: battery (mV)
        flags |= 2
        words += pack(model, "battery", values["battery"], 2, 1000)
    device_id = pack(model, "device_id", values.get("device_id", 0), 2, 1)
    return COMMAND_PORT, bytes([PROTOCOL_VERSION]) + device_id + flags.to_bytes(2, "big") + words


# Downlink commands shared by all Decentlab devices: (code, name, takes a parameter).
_PAIRS = (
    ("set period", True),
    ("set dr", True),
    ("set adr on", False),
    ("set adr off", False),
    ("set dr_min", True),
    ("set dr_max", True),
    ("set pwridx_min", True),
    ("set pwridx_max", True),
    ("set send_period", True),
    ("set join_period", True),
    ("set pwridx", True),
    ("set linkcheck_period", True),
    ("set linkcheck_tolerance", True),
    ("set linkcheck_limit", True),
    ("set port", True),
)
COMMANDS: dict[int, tuple[str, bool]] = {
    **{1 + 2 * i + save: (name + (" + save" if save else ""), param) for i, (name, param) in enumerate(_PAIRS) for save in (0, 1)},
    **{0x20 + i: (f"set param {i}", True) for i in range(16)},
    **{0x30 + i: (f"set param {i} + save", True) for i in range(16)},
    **{0x50 + i: (f"set sensor_period {i}", True) for i in range(10)},
    **{0x60 + i: (f"set sensor_period {i} + save", True) for i in range(10)},
    0xFEFE: ("reset", False),
    0xFEF0: ("factory reset", False),
    0xFEF1: ("sleep", False),
}
_BY_NAME = {name: (code, param) for code, (name, param) in COMMANDS.items()}


def crc16(data: bytes) -> int:
    """CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF) as Decentlab's downlink codec uses it."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def encode_command(command: str, parameter: int | None = None) -> tuple[int, bytes]:
    """A downlink command as (port, bytes): command word, parameter word, CRC."""
    if command not in _BY_NAME:
        msg = f"decentlab: invalid command {command!r}"
        raise FeedFormatError(msg)
    code, takes_param = _BY_NAME[command]
    value = 0
    if takes_param:
        if not isinstance(parameter, int) or isinstance(parameter, bool) or not 0 <= parameter <= 0xFFFF:
            msg = f"decentlab: invalid parameter {parameter!r} for {command!r}"
            raise FeedFormatError(msg)
        value = parameter
    body = code.to_bytes(2, "big") + value.to_bytes(2, "big")
    return COMMAND_PORT, body + crc16(body).to_bytes(2, "big")


def decode_command(fport: int, payload: bytes) -> dict:
    """Read a downlink command back (what a device would receive)."""
    if len(payload) != 6:
        msg = "decentlab: invalid message length"
        raise FeedFormatError(msg)
    if fport != COMMAND_PORT:
        msg = "decentlab: invalid FPort"
        raise FeedFormatError(msg)
    code = int.from_bytes(payload[:2], "big")
    if code not in COMMANDS:
        msg = "decentlab: invalid command"
        raise FeedFormatError(msg)
    if int.from_bytes(payload[4:], "big") != crc16(payload[:4]):
        msg = "decentlab: invalid CRC"
        raise FeedFormatError(msg)
    name, takes_param = COMMANDS[code]
    return {"command": name, "parameter": int.from_bytes(payload[2:4], "big")} if takes_param else {"command": name}
