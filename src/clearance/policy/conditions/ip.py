"""``IpAddress`` / ``NotIpAddress`` over IPv4 and IPv6 CIDR blocks.

A policy value without a prefix length is a single address. An address of
the other family never falls inside a block.
"""

from __future__ import annotations

import ipaddress

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
    return parse_network(join_pieces(pieces))


def _coerce(value: str) -> object | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _contains(policy: object, value: object) -> bool:
    network: Network = policy  # type: ignore[assignment]
    address: ipaddress.IPv4Address | ipaddress.IPv6Address = value  # type: ignore[assignment]
    return address.version == network.version and address in network


OPERATORS = (
    BaseOperator("IpAddress", _prepare, _coerce, _contains),
    BaseOperator("NotIpAddress", _prepare, _coerce, _contains, negated=True),
)
