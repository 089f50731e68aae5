"""Webhook addresses: only http(s) to public hosts, also after DNS resolution (server-side request forgery)."""
import socket

import pytest

from app.services.webhooks import urls
from app.services.webhooks.urls import UnsafeUrl


@pytest.fixture
def dns(monkeypatch):
    """Names resolve to the addresses given here, as a hostile DNS server could make them."""
    table = {}

    def lookup(host, port, *args, **kwargs):
        if host not in table:
            raise socket.gaierror("no such host")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in table[host]]

    monkeypatch.setattr(urls.socket, "getaddrinfo", lookup)
    return table


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://127.9.9.9:8080/", "http://[::1]/", "http://0.0.0.0/", "http://10.0.0.7/",
    "http://172.16.3.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data", "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[fd00::5]/", "http://100.64.0.1/", "http://224.0.0.1/",
])
def test_private_loopback_and_link_local_addresses_are_refused(url):
    with pytest.raises(UnsafeUrl) as refused:
        urls.resolve(url, allow_private=False)
    assert refused.value.code == "private_address"


@pytest.mark.parametrize("url, code", [
    ("ftp://shop.example/x", "invalid_scheme"), ("file:///etc/passwd", "invalid_scheme"),
    ("gopher://127.0.0.1:6379/", "invalid_scheme"), ("https://user:pw@shop.example/", "invalid_url"),
    ("https:///nohost", "invalid_url"), ("https://shop.example:99999/", "invalid_url"), ("", "invalid_url"),
    ("https://" + "a" * 2000 + ".example/", "invalid_url"),
])
def test_only_http_addresses_of_a_host(url, code):
    with pytest.raises(UnsafeUrl) as refused:
        urls.resolve(url, allow_private=False)
    assert refused.value.code == code


def test_a_name_is_judged_by_the_addresses_it_resolves_to(dns):
    dns["shop.example"] = ["93.184.216.34"]
    dns["inside.example"] = ["10.1.2.3"]
    dns["mixed.example"] = ["93.184.216.34", "127.0.0.1"]
    dns["metadata.example"] = ["169.254.169.254"]
    target = urls.resolve("https://shop.example/hooks?x=1", allow_private=False)
    assert (target.host, target.port, target.path, target.address) == ("shop.example", 443, "/hooks?x=1",
                                                                      "93.184.216.34")
    for name in ("inside.example", "mixed.example", "metadata.example"):
        with pytest.raises(UnsafeUrl) as refused:
            urls.resolve(f"https://{name}/", allow_private=False)
        assert refused.value.code == "private_address"
    with pytest.raises(UnsafeUrl) as refused:
        urls.resolve("https://nowhere.example/", allow_private=False)
    assert refused.value.code == "unknown_host"


def test_localhost_is_refused_after_resolution():
    with pytest.raises(UnsafeUrl) as refused:
        urls.resolve("http://localhost:8000/hook", allow_private=False)
    assert refused.value.code == "private_address"


def test_the_setting_lets_private_hosts_in_but_never_link_local(dns):
    dns["inside.example"] = ["10.1.2.3"]
    assert urls.resolve("http://inside.example/", allow_private=True).address == "10.1.2.3"
    assert urls.resolve("http://127.0.0.1:9000/", allow_private=True).address == "127.0.0.1"
    for url in ("http://169.254.169.254/", "http://[fe80::1]/", "http://0.0.0.0/"):
        with pytest.raises(UnsafeUrl):
            urls.resolve(url, allow_private=True)
