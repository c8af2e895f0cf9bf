import ipaddress

import pytest
from django.test import RequestFactory

from agora.core.network import address_bucket, client_ip

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


def request_from(remote: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


class TestClientIp:
    def test_untrusted_peer_is_the_client(self, settings):
        settings.TRUSTED_PROXIES = PROXIES

        assert client_ip(request_from("192.0.2.1", "198.51.100.1")) == "192.0.2.1"

    def test_nothing_is_trusted_by_default(self, settings):
        settings.TRUSTED_PROXIES = []

        assert client_ip(request_from("10.0.0.1", "198.51.100.1")) == "10.0.0.1"

    @pytest.mark.parametrize(
        ("forwarded_for", "expected"),
        [
            ("198.51.100.1", "198.51.100.1"),
            ("203.0.113.9, 198.51.100.1", "198.51.100.1"),
            ("203.0.113.9, 198.51.100.1, 10.0.0.2, 10.0.0.3", "198.51.100.1"),
            ("198.51.100.1,10.0.0.2", "198.51.100.1"),
            ("  198.51.100.1  ", "198.51.100.1"),
            ("2001:db8::5", "2001:db8::5"),
            ("[2001:db8::5]", "2001:db8::5"),
            ("10.0.0.2, 10.0.0.3", "10.0.0.2"),
            ("", "10.0.0.1"),
            ("junk", "10.0.0.1"),
            ("198.51.100.1, junk", "10.0.0.1"),
        ],
    )
    def test_trusted_proxy_forwarded_for(self, settings, forwarded_for, expected):
        settings.TRUSTED_PROXIES = PROXIES

        assert client_ip(request_from("10.0.0.1", forwarded_for)) == expected

    def test_missing_remote_addr(self, settings):
        settings.TRUSTED_PROXIES = []

        assert client_ip(request_from("")) == "0.0.0.0"  # noqa: S104


class TestAddressBucket:
    @pytest.mark.parametrize(
        ("address", "bucket"),
        [
            ("192.0.2.1", "192.0.2.1"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
            ("2001:db8:1:2::", "2001:db8:1:2::/64"),
            ("::ffff:192.0.2.1", "192.0.2.1"),
            ("not an address", "not an address"),
        ],
    )
    def test_bucket(self, address, bucket):
        assert address_bucket(address) == bucket
