"""The client's address: `X-Forwarded-For` is believed only from a trusted proxy."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address: IPAddress) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str:
    """The address of whoever sent the request, seen through our own proxies only.

    Walks `X-Forwarded-For` from the right (the hops our proxies appended) and stops at the
    first address that is not one of our proxies: everything left of it is the client's to
    forge.
    """
    remote = _parse(request.META.get("REMOTE_ADDR", "")) or ipaddress.ip_address("0.0.0.0")  # noqa: S104
    if not _is_trusted(remote):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        if not _is_trusted(address):
            return str(address)
        remote = address
    return str(remote)


def address_bucket(address: str) -> str:
    """What per-address rate limits count by: an IPv4 address, or a whole IPv6 /64.

    One IPv6 customer is handed at least a /64 and can send from any of its 2^64 addresses,
    so counting single IPv6 addresses would let every request come from a fresh one.
    """
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address
