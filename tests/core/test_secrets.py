"""Secrets never leave in a text: masked before any cut, URLs without credentials, the config refuses them."""

from __future__ import annotations

import pytest

from core.secrets import credentials_in, safe_url, scrub


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://user:pw@example.org/x.csv", "https://example.org/x.csv"),
        ("https://example.org/x.csv?apikey=S3&n=4", "https://example.org/x.csv?apikey=***&n=4"),
        ("https://example.org/v1?Api-Key=S3&token=T&access_token=A", "https://example.org/v1?Api-Key=***&token=***&access_token=***"),
        ("https://example.org/v1?ids=1,2&flag", "https://example.org/v1?ids=1,2&flag"),
    ],
)
def test_safe_url_drops_user_info_and_masks_key_like_parameters(url, safe):
    assert safe_url(url) == safe


def test_a_long_secret_is_masked_whole_before_its_prefix():
    assert scrub("a abcdef b abc", ["abc", "abcdef"]) == "a *** b ***"
    assert scrub(None, ["x"]) is None and scrub("", ["x"]) == ""
    assert scrub("see https://u:p@h.example/a?key=1.", []) == "see https://h.example/a?key=***."


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("https://user:pw@example.org/x.csv", "user:password@"),
        ("https://example.org/x.csv?apikey=S", "query parameter 'apikey'"),
        ("https://example.org/x.csv?station=4", None),
        ("https://api.example.org/v2", None),
    ],
)
def test_credentials_in_a_configured_url(url, found):
    assert credentials_in(url) == found
