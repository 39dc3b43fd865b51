"""``IpAddress`` / ``NotIpAddress`` over IPv4 and IPv6 CIDR blocks.

A policy value without a prefix length is a single address. An address of
the other family never falls inside a block.
"""

from __future__ import annotations

import ipaddress
import socket

from clearance.policy.conditions.base import BaseOperator, join_pieces
from clearance.wildcard import Pieces

__all__ = ["OPERATORS", "parse_network"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _prepare(pieces: Pieces) -> object | None:
    network = parse_network(join_pieces(pieces))
    if network is None:
        return None
    return (network.version, int(network.network_address), int(network.netmask))


def _coerce(value: str) -> object | None:
    text = value.strip()
    try:
        if ":" in text:
            return (6, int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big"))
        return (4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big"))
    except OSError:
        return None


Prepared = tuple[int, int, int]  # (IP version, network as an int, mask as an int)
Address = tuple[int, int]  # (IP version, address as an int)


def _contains(policy: object, value: object) -> bool:
    # Annotated rather than cast(): this runs per condition per request.
    prepared: Prepared = policy  # type: ignore[assignment]
    coerced: Address = value  # type: ignore[assignment]
    version, network, mask = prepared
    address_version, address = coerced
    return address_version == version and address & mask == network


OPERATORS = (
    BaseOperator("IpAddress", _prepare, _coerce, _contains),
    BaseOperator("NotIpAddress", _prepare, _coerce, _contains, negated=True),
)
