"""Kamstrup wireless M-Bus application data (EN 13757-3), as the TTN device repository's ``mbusparser`` codec reads it.

Used by the heat-meter module HC-003-55 (MULTICAL 403) and the flowIQ 2200 water meter. A frame
starts with a CI field (0x78 no header, 0x7A short header, 0x72 long header; encrypted frames
are refused), then data records of DIF (+DIFE), VIF (+VIFE) and data. What a record says:

- energy (VIF 0x00–0x0F: Wh or J with a decade exponent) becomes ``energy`` in kWh;
- volume (VIF 0x10–0x17: m³) becomes ``volume``; date and time (VIF 0x6D, type F) ``time``;
- an inverse compact profile (VIFE 0x13, EN 13757-3 Annex F) of volume becomes
  ``volume_profile``: the register going back from the base value, one step per spacing;
- manufacturer records: the info code (VIF 0xFF 0x25, water meters' Dry/Reverse/Leak/Burst/Tamper …)
  as flags; other records are read past. Invalid values (type B 0x80…, type C 0xFF…) are None.

Kamstrup's date and time carry no zone (the meter's local time); the profile's timestamps are
kept as naive text. Readings are stamped with the uplink's time, not these.
"""

from __future__ import annotations

import datetime as dt

from data_sources.lorawan.frames import Frame

SIZES = {0x0: 0, 0x1: 1, 0x2: 2, 0x3: 3, 0x4: 4, 0x5: 4, 0x6: 6, 0x7: 8, 0x9: 1, 0xA: 2, 0xB: 3, 0xC: 4, 0xE: 6}
BCD = {0x9, 0xA, 0xB, 0xC, 0xE}
INVERSE_COMPACT_PROFILE = 0x13
INFO_CODE_WATER = ("dry", "reverse", "leak", "burst", "tamper", "low_battery", "low_ambient_temperature", "high_ambient_temperature")
FILLER = 0x2F


def _integer(raw: bytes, *, signed: bool) -> int | None:
    """M-Bus type B (signed) or C (unsigned) little-endian integer; the reserved "invalid" value is None."""
    value = int.from_bytes(raw, "little", signed=signed)
    bits = 8 * len(raw)
    invalid = -(1 << (bits - 1)) if signed else (1 << bits) - 1
    return None if value == invalid else value


def _bcd(raw: bytes) -> int | None:
    digits = raw[::-1].hex()
    return int(digits) if digits.isdigit() else None


def _datetime(raw: bytes) -> str | None:
    """Type F (CP32) date and time as naive ISO text; None when the invalid bit is set or the date does not exist."""
    value = int.from_bytes(raw, "little")
    if value & 0x80:
        return None
    year = 1900 + 100 * ((value >> 13) & 0x03) + (((value >> 21) & 0x07) | (((value >> 28) & 0x0F) << 3))
    try:
        moment = dt.datetime(year, (value >> 24) & 0x0F, (value >> 16) & 0x1F, (value >> 8) & 0x1F, value & 0x3F)
    except ValueError:
        return None
    return moment.isoformat()


def _header(frame: Frame) -> None:
    ci = frame.u8()
    if ci == 0x78:
        return
    if ci not in (0x7A, 0x72):
        raise frame.fail(f"unsupported CI field 0x{ci:02X} (expected 0x78, 0x7A or 0x72)")
    frame.skip(2 if ci == 0x7A else 10)  # access number and status; long header: ident, manufacturer, version, medium first
    config = frame.uint(2, little=True)
    if config & 0x1F00:
        raise frame.fail("the frame is encrypted (M-Bus security mode set): configure the module for unencrypted frames")


def _profile(frame: Frame, raw: bytes, base: float, resolution: float, start: str | None) -> list[list]:
    """Register values going back from ``base``: [[time or None, value], …] (EN 13757-3 Annex F)."""
    if len(raw) < 2:
        raise frame.fail("compact profile without header")
    control, spacing = raw[0], raw[1]
    size, unit, mode = control & 0x0F, (control >> 4) & 0x03, (control >> 6) & 0x03
    if not 1 <= size <= 4 or mode == 0 or (len(raw) - 2) % size:
        raise frame.fail(f"compact profile header 0x{control:02X} not understood")
    step = {
        0: dt.timedelta(seconds=spacing),
        1: dt.timedelta(minutes=spacing),
        2: dt.timedelta(hours=spacing),
        3: dt.timedelta(days=spacing),
    }
    when = dt.datetime.fromisoformat(start) if start and 0 < spacing < 251 else None
    values, value = [[start, base]], base
    for i in range(2, len(raw), size):
        delta = _integer(raw[i : i + size], signed=mode == 3)
        if delta is None:
            break
        value = value + delta * resolution if mode == 2 else value - delta * resolution
        when = when - step[unit] if when else None
        values.append([when.isoformat() if when else None, round(value, 9)])
    return values


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode a Kamstrup M-Bus frame (any port).

    >>> decode("kamstrup/flowiq2200-02k73a", 1, bytes.fromhex("78446d00331837441303000000"))
    {'time': '2024-07-24T19:00:00', 'volume': 0.003}
    """
    frame = Frame(payload, model=model)
    _header(frame)
    data: dict = {}
    profile: tuple[bytes, float] | None = None
    while frame.remaining:
        dif = frame.u8()
        if dif == FILLER:
            continue
        if dif in (0x0F, 0x1F, 0x7F):  # manufacturer data to the end, "more records follow": nothing we read
            break
        field, function = dif & 0x0F, (dif >> 4) & 0x03
        extension = dif
        while extension & 0x80:
            extension = frame.u8()
        vifs = [frame.u8()]
        while vifs[-1] & 0x80:
            vifs.append(frame.u8())
        size = frame.u8() if field == 0xD else SIZES.get(field)
        if size is None:
            raise frame.fail(f"data field 0x{field:X} not supported")
        raw = frame.take(size)
        vif = vifs[0] & 0x7F
        if vifs[0] == 0xFF:  # manufacturer-specific: Kamstrup's info code, ALD, module config …
            if len(vifs) > 1 and vifs[1] == 0x25:  # any function field: Kamstrup sends it as 0x52 too
                flags = int.from_bytes(raw, "little")
                data.update({name: bool(flags >> bit & 1) for bit, name in enumerate(INFO_CODE_WATER)})
            continue
        if field == 0xD and len(vifs) > 1 and vifs[1] == INVERSE_COMPACT_PROFILE:
            if 0x10 <= vif <= 0x17:
                profile = (raw, 10.0 ** (vif - 0x16))
            continue
        if function != 0:  # maximum, minimum or error-state values: not the register
            continue
        number = _bcd(raw) if field in BCD else None if field in (0x5, 0xD) else _integer(raw, signed=True) if size else None
        if vif == 0x6D and size == 4:
            data.setdefault("time", _datetime(raw))
        elif vif <= 0x07 and number is not None:
            data.setdefault("energy", round(number * 10.0 ** (vif - 3) / 1000, 9))  # Wh·10^(n−3) → kWh
        elif 0x08 <= vif <= 0x0F and number is not None:
            data.setdefault("energy", round(number * 10.0 ** (vif - 8) / 3.6e6, 9))  # J·10^(n−8) → kWh
        elif 0x10 <= vif <= 0x17 and number is not None:
            data.setdefault("volume", round(number * 10.0 ** (vif - 0x16), 9))
    if profile is not None:
        if "volume" not in data:
            raise frame.fail("compact profile without the base value it counts from")
        data["volume_profile"] = _profile(frame, profile[0], data["volume"], profile[1], data.get("time"))
    return data
