"""Device payload codecs keyed by TTN device-repository id ``"brand/model"``: ``decode(model, fport, payload)``."""

from __future__ import annotations

from data_sources.errors import FeedFormatError
from data_sources.lorawan.models import MODELS


def supported(model: str | None) -> bool:
    """True when we decode this model's payload bytes ourselves."""
    return model is not None and model in MODELS


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode one uplink's application payload into the device's own field names.

    Raises ``FeedFormatError`` for an unknown model, an unknown port and for truncated or
    malformed bytes; never ``IndexError`` or ``struct.error``.

    >>> decode("elsys/ers-co2", 5, bytes.fromhex("0100e20229060308"))
    {'temperature': 22.6, 'humidity': 41, 'co2': 776}
    """
    if not supported(model):
        msg = f"no payload decoder for device model {model!r}; known: {', '.join(sorted(MODELS))}"
        raise FeedFormatError(msg)
    if not isinstance(fport, int) or isinstance(fport, bool) or not 0 <= fport <= 255:
        msg = f"{model}: FPort must be a number 0…255, got {fport!r}"
        raise FeedFormatError(msg)
    if not isinstance(payload, (bytes, bytearray)):
        msg = f"{model}: payload must be bytes, got {type(payload).__name__}"
        raise FeedFormatError(msg)
    return MODELS[model].decode(model, fport, bytes(payload))
