"""The shared HTTP helper against a real local server: every failure ends in a typed error."""

import time

import pytest

from data_sources import http
from data_sources.errors import FeedAuthError, FeedFormatError, FeedUnavailable


def test_json_ok_and_user_agent(feed_server, session):
    feed_server.route("/ok", body=b'{"a": 1}', headers={"X-Count": "7"})
    reply = http.request(session, feed_server.url + "/ok", params={"q": "x"})
    assert reply.json() == {"a": 1}
    assert reply.headers["X-Count"] == "7"
    method, path, query, headers, _ = feed_server.requests[-1]
    assert (method, path, query) == ("GET", "/ok", {"q": "x"})
    assert headers["User-Agent"].startswith("smart-city-showroom/")


@pytest.mark.parametrize(("status", "error"), [(401, FeedAuthError), (403, FeedAuthError), (500, FeedUnavailable), (503, FeedUnavailable)])
def test_status_mapping(feed_server, session, status, error):
    feed_server.route("/x", status=status)
    with pytest.raises(error):
        http.request(session, feed_server.url + "/x")


def test_5xx_is_retried_then_given_up(feed_server, session):
    feed_server.route("/x", status=502)
    with pytest.raises(FeedUnavailable):
        http.request(session, feed_server.url + "/x")
    assert len(feed_server.requests) == 3  # first try + 2 retries


def test_retry_after_is_honoured_but_capped(feed_server, session, monkeypatch):
    monkeypatch.setattr(http, "RETRY_AFTER_CAP", 0.6)
    feed_server.route("/x", status=503, headers={"Retry-After": "3600"})
    start = time.monotonic()
    with pytest.raises(FeedUnavailable):
        http.request(session, feed_server.url + "/x")
    took = time.monotonic() - start
    assert 1.1 < took < 3.0  # waited twice, but 0.6 s each rather than an hour


def test_html_page_with_200_is_a_format_error(feed_server, session):
    feed_server.route("/x", body=b"<html><body>Wartungsarbeiten</body></html>", headers={"Content-Type": "text/html"})
    with pytest.raises(FeedFormatError, match="not JSON"):
        http.get_json(session, feed_server.url + "/x")


def test_slow_server_times_out(feed_server, session):
    feed_server.route("/x", body=b"{}", delay=2.0)
    start = time.monotonic()
    with pytest.raises(FeedUnavailable):
        http.request(session, feed_server.url + "/x", timeout=0.3)
    assert time.monotonic() - start < 1.9


def test_dripping_server_hits_the_fetch_deadline(feed_server, session):
    feed_server.route("/x", body=b"[" + b"1," * 50 + b"1]", delay=0.1, drip=True)
    start = time.monotonic()
    with pytest.raises(FeedUnavailable, match="no answer within"):
        http.request(session, feed_server.url + "/x", deadline=http.Deadline(0.8))
    assert time.monotonic() - start < 2.0


def test_truncated_body_is_unavailable(feed_server, session):
    feed_server.route("/x", body=b'{"a": [1, 2, 3', truncate=True)
    with pytest.raises(FeedUnavailable):
        http.request(session, feed_server.url + "/x")


def test_size_cap(feed_server, session):
    feed_server.route("/x", body=b"[" + b"0," * 100_000 + b"0]")
    with pytest.raises(FeedFormatError, match="larger than"):
        http.request(session, feed_server.url + "/x", max_bytes=10_000)


def test_connection_refused_is_unavailable(session):
    with pytest.raises(FeedUnavailable):
        http.request(session, "http://127.0.0.1:9/nothing", timeout=0.5)


def test_secret_from_env_only():
    assert http.secret({"key": "a"}) is None
    assert http.secret({"key": "a", "api_key_env": "TOKEN"}, env={"TOKEN": "s3cret"}) == "s3cret"
    with pytest.raises(FeedAuthError, match="TOKEN") as info:
        http.secret({"key": "a", "api_key_env": "TOKEN"}, env={})
    assert "s3cret" not in str(info.value)


def test_accepted_error_status_is_an_answer(feed_server, session):
    feed_server.route("/empty", status=404, body=b'{"error": "Not Found"}')
    reply = http.request(session, feed_server.url + "/empty", accept=(404,))
    assert reply.status == 404 and reply.json() == {"error": "Not Found"}
    with pytest.raises(FeedUnavailable):
        http.request(session, feed_server.url + "/empty")


def test_numbers_too_long_to_convert_are_a_format_error(feed_server, session):
    feed_server.route("/x", body=b"[" + b"9" * 5000 + b"]")
    with pytest.raises(FeedFormatError):
        http.get_json(session, feed_server.url + "/x")
