"""The few error types every adapter raises; the UI shows them as "unavailable"."""


class FeedError(Exception):
    """Base class: a feed could not deliver usable data."""


class FeedUnavailable(FeedError):
    """Network failure, timeout or HTTP 5xx: try again later."""


class FeedFormatError(FeedError):
    """The payload is not what the feed format promises."""


class FeedAuthError(FeedError):
    """HTTP 401/403 or a missing secret: the city must fix its credentials."""
