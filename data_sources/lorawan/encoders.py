"""Uplink encoders for the offline demo city: canonical values → a device's own payload bytes.

They are the inverse of the decoders (each family module holds both; ``models.MODELS`` names
which models have one), so a demo uplink runs through the real decoder and the real field
mapping and ends in the same rows as a live device would.
"""

from __future__ import annotations

from collections.abc import Mapping

from data_sources.lorawan.models import MODELS


def encode(model: str, values: Mapping[str, float]) -> tuple[int, bytes]:
    """(fport, payload) for a device model from values in canonical units.

    ``elsys/ers-co2``: temperature °C, humidity %, co2 ppm, optional illuminance lx and battery V.
    ``decentlab/dl-mbx``: distance mm (from the sensor down to the water), battery V.
    ``milesight-iot/ws302``: noise (LAeq) and noise_max (LAFmax) dB(A), optional laf dB(A) and battery_percent.

    >>> encode("elsys/ers-co2", {"temperature": 22.6, "humidity": 41, "co2": 776})
    (5, b'\\x01\\x00\\xe2\\x02)\\x06\\x03\\x08')
    """
    entry = MODELS.get(model)
    if entry is None or entry.encode is None:
        known = sorted(m for m, e in MODELS.items() if e.encode is not None)
        msg = f"no encoder for device model {model!r}; known: {', '.join(known)}"
        raise ValueError(msg)
    return entry.encode(model, values)
