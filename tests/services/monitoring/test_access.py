"""Who may read the metrics."""
import pytest

from app.services.monitoring.access import allowed

TOKEN = "s3cret-metrics-token-value"


@pytest.mark.parametrize("remote", ["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"])
def test_loopback_without_a_token_may_read(remote):
    assert allowed(remote, None, proxied=False, token=TOKEN)
    assert allowed(remote, None, proxied=False, token="")


@pytest.mark.parametrize("remote", ["10.0.0.5", "192.168.1.9", "203.0.113.7", "2001:db8::1", None, ""])
def test_other_addresses_need_the_token(remote):
    assert not allowed(remote, None, proxied=False, token=TOKEN)
    assert allowed(remote, f"Bearer {TOKEN}", proxied=False, token=TOKEN)
    assert allowed(remote, f"bearer {TOKEN}", proxied=False, token=TOKEN)


def test_a_request_through_a_proxy_on_loopback_is_not_loopback():
    assert not allowed("127.0.0.1", None, proxied=True, token=TOKEN)
    assert allowed("127.0.0.1", f"Bearer {TOKEN}", proxied=True, token=TOKEN)


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", TOKEN, "Bearer wrong"])
def test_a_wrong_token_is_refused_even_from_loopback(header):
    assert not allowed("127.0.0.1", header, proxied=False, token=TOKEN)
    assert not allowed("10.0.0.5", header, proxied=False, token=TOKEN)


def test_without_a_configured_token_no_header_opens_the_door():
    assert not allowed("10.0.0.5", "Bearer ", proxied=False, token="")
    assert not allowed("10.0.0.5", "Bearer anything", proxied=False, token=None)
