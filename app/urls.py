"""URL checks shared by deep links and the click redirect: never an open redirect."""
from urllib.parse import urlsplit

_BAD_CHARS = set("\\\r\n\t\x00 ")


def host_of(url: str) -> str | None:
    """The lower-case host of an absolute http(s) URL, or None if it is not one we would follow."""
    if not url or len(url) > 2000 or any(ch in _BAD_CHARS for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    del port
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if "@" in parts.netloc:  # user-info tricks: https://allowed.com@evil.com
        return None
    host = (parts.hostname or "").rstrip(".").lower()
    if not host or "%" in host:
        return None
    return host


def is_allowed_destination(url: str, allowed_hosts: list[str]) -> bool:
    """True if `url` is an absolute http(s) URL whose host is exactly one of `allowed_hosts`."""
    host = host_of(url)
    return host is not None and host in {h.strip().rstrip(".").lower() for h in allowed_hosts if h.strip()}


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/campaigns?x=1"), else None: never leave the site."""
    # Browsers read "/\\evil.com" as "//evil.com" and drop tabs and newlines, so refuse those outright.
    if (not target or not target.startswith("/") or target.startswith("//")
            or any(ch == "\\" or ord(ch) < 32 for ch in target)):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return target
