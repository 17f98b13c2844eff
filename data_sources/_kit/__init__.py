"""The adapters' one toolkit, imported from here: wire values and config keys, places, the row Collector.

``values`` reads what feeds send (JSON, ids, text, numbers, times) and the source's config keys;
``places`` checks and repairs positions; ``rows`` holds the Collector every adapter builds its Batch with.
"""

from data_sources._kit.places import distance_km, lat_lon, point, unswap
from data_sources._kit.rows import Collector
from data_sources._kit.values import (
    as_dict,
    as_list,
    base_url,
    config_numbers,
    config_strings,
    decode_json,
    decode_text,
    iso_utc,
    native_id,
    number,
    parse_time,
    source_key,
    text,
    timeout,
)

__all__ = [
    "Collector",
    "as_dict",
    "as_list",
    "base_url",
    "config_numbers",
    "config_strings",
    "decode_json",
    "decode_text",
    "distance_km",
    "iso_utc",
    "lat_lon",
    "native_id",
    "number",
    "parse_time",
    "point",
    "source_key",
    "text",
    "timeout",
    "unswap",
]
