"""Device payload codecs keyed by TTN device-repository id ``"brand/model"``: ``decode(model, fport, payload)``."""

from __future__ import annotations

from typing import Callable

from data_sources.errors import FeedFormatError
from data_sources.lorawan import bosch, decentlab, dragino, elsys, milesight, nwave

Decoder = Callable[[str, int, bytes], dict]

# One line per supported model id; a family module decodes all of its siblings. Aliases are the
# ids The Things Stack puts into ``version_ids`` for the same hardware (e.g. Nwave's mount variants).
DECODERS: dict[str, Decoder] = {
    **{f"elsys/{m}": elsys.decode for m in elsys.MODELS},
    **{f"milesight-iot/{m}": milesight.decode for m in milesight.TABLES},
    **{f"dragino/{m}": dragino.decode for m in dragino.DECODERS},
    **{f"decentlab/{m}": decentlab.decode for m in decentlab.SENSORS},
    "decentlab/dl-pr26-0-1": lambda model, fport, payload: decentlab.decode("decentlab/dl-pr26", fport, payload),
    "bosch/tps110": bosch.decode,
    "nwave/nps405": nwave.decode,
    "nwave/nps405fm": nwave.decode,
    "nwave/nps405sm": nwave.decode,
}


def supported(model: str | None) -> bool:
    return model is not None and model in DECODERS


def decode(model: str, fport: int, payload: bytes) -> dict:
    """Decode one uplink's application payload into the device's own field names.

    Raises ``FeedFormatError`` for an unknown model, an unknown port and for truncated or
    malformed bytes; never ``IndexError`` or ``struct.error``.

    >>> decode("elsys/ers-co2", 5, bytes.fromhex("0100e20229060308"))
    {'temperature': 22.6, 'humidity': 41, 'co2': 776}
    """
    decoder = DECODERS.get(model)
    if decoder is None:
        msg = f"no payload decoder for device model {model!r}; known: {', '.join(sorted(DECODERS))}"
        raise FeedFormatError(msg)
    if not isinstance(fport, int) or isinstance(fport, bool) or not 0 <= fport <= 255:
        msg = f"{model}: FPort must be a number 0…255, got {fport!r}"
        raise FeedFormatError(msg)
    if not isinstance(payload, (bytes, bytearray)):
        msg = f"{model}: payload must be bytes, got {type(payload).__name__}"
        raise FeedFormatError(msg)
    return decoder(model, fport, bytes(payload))
