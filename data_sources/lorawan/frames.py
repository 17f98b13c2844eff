"""Device payload bytes: bounds-checked reading (a short frame is a FeedFormatError, never an IndexError) and packing."""

from __future__ import annotations

from data_sources.errors import FeedFormatError


class Frame:
    """A cursor over an uplink's bytes.

    Every read checks the length first, so truncated or garbled payloads end in one typed
    error that names the device model instead of an ``IndexError`` deep in a decoder.

    >>> f = Frame(b"\\x01\\x00\\xe2", model="elsys/ers-co2")
    >>> f.u8(), f.i16be()
    (1, 226)
    """

    def __init__(self, payload: bytes, *, model: str) -> None:
        if not isinstance(payload, (bytes, bytearray)):
            msg = f"{model}: payload must be bytes, got {type(payload).__name__}"
            raise FeedFormatError(msg)
        self.data = bytes(payload)
        self.model = model
        self.pos = 0

    def __len__(self) -> int:
        return len(self.data)

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def fail(self, what: str) -> FeedFormatError:
        return FeedFormatError(f"{self.model}: {what} (payload {self.data.hex()})")

    def take(self, n: int) -> bytes:
        if n > self.remaining:
            raise self.fail(f"payload truncated: needs {n} more byte(s) at offset {self.pos}, has {self.remaining}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def skip(self, n: int) -> None:
        self.take(n)

    def uint(self, n: int, *, little: bool = False) -> int:
        return int.from_bytes(self.take(n), "little" if little else "big")

    def sint(self, n: int, *, little: bool = False) -> int:
        return int.from_bytes(self.take(n), "little" if little else "big", signed=True)

    def u8(self) -> int:
        return self.uint(1)

    def i8(self) -> int:
        return self.sint(1)

    def u16be(self) -> int:
        return self.uint(2)

    def i16be(self) -> int:
        return self.sint(2)

    def u16le(self) -> int:
        return self.uint(2, little=True)

    def i16le(self) -> int:
        return self.sint(2, little=True)

    def u32be(self) -> int:
        return self.uint(4)

    def i32be(self) -> int:
        return self.sint(4)

    def byte_at(self, index: int) -> int:
        """One byte by absolute position (fixed-layout frames), length-checked."""
        if not 0 <= index < len(self.data):
            raise self.fail(f"payload truncated: no byte at offset {index} (length {len(self.data)})")
        return self.data[index]

    def need(self, length: int, *, what: str = "frame") -> None:
        """Fixed-layout frames: insist on at least ``length`` bytes before reading by offset."""
        if len(self.data) < length:
            raise self.fail(f"{what} needs {length} bytes, got {len(self.data)}")


def pack(model: str, key: str, value: float, size: int, per_unit: float, *, signed: bool = False) -> bytes:
    """``value`` (canonical unit) as a big-endian field of ``size`` bytes counting ``1 / per_unit`` steps (demo encoders)."""
    raw = round(value * per_unit)
    try:
        return raw.to_bytes(size, "big", signed=signed)
    except OverflowError:
        msg = f"{model}: {key}={value!r} does not fit the payload field"
        raise ValueError(msg) from None


def unknown_port(model: str, fport: int) -> FeedFormatError:
    # The device-repository codecs answer "unknown FPort" for ports they do not decode; the
    # codec vectors test exactly this text, so every vendor module uses this one message.
    return FeedFormatError(f"{model}: unknown FPort {fport}")
