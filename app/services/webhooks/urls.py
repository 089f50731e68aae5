"""Where a webhook may be sent: http(s) to public hosts only, checked on the name and on every address it
resolves to (server-side request forgery). WEBHOOK_ALLOW_PRIVATE_HOSTS lets a self-hosted shop on the same
network receive them; link-local addresses (cloud metadata services live there) stay refused even then."""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL = 2000


class UnsafeUrl(Exception):
    """The address is not one a webhook may be sent to; `code` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection must go to, so a second lookup cannot swap it


def address_allowed(address: str, allow_private: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local:
        return False
    if allow_private and (ip.is_private or ip.is_loopback):
        return True
    return ip.is_global and not ip.is_reserved


def parse(url: str):
    """The URL's parts, or UnsafeUrl when it is not an http(s) address of a host."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise UnsafeUrl("invalid_url", "Enter a full address starting with https:// (at most 2000 characters).")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("invalid_scheme", "Only http:// and https:// addresses can receive webhooks.")
    try:
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("invalid_url", "The port of this address is not valid.") from exc
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise UnsafeUrl("invalid_url", "Enter an address with a host name and without a user name or password.")
    return parts, port or (443 if parts.scheme == "https" else 80)


def _addresses(host: str, port: int) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeUrl("unknown_host", "This host name could not be found.") from exc
    return list(dict.fromkeys(info[4][0] for info in found))


def resolve(url: str, allow_private: bool) -> Target:
    """Check `url` and the addresses its host has now; every one must be allowed, not only the first."""
    parts, port = parse(url)
    host = parts.hostname
    addresses = _addresses(host, port)
    if not addresses or not all(address_allowed(address, allow_private) for address in addresses):
        raise UnsafeUrl("private_address", "This address leads to a private, local or reserved network, "
                                           "where webhooks are not sent.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, addresses[0])
