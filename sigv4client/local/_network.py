"""Where a call comes from, as API Gateway sees it: source IP, VPC, VPC endpoint.

On loopback every caller is ``127.0.0.1`` and none comes through a VPC, so a
resource policy that allows a VPC endpoint or an IP range could never be tried.
A :class:`Network` is the network a test chooses instead: given to the gateway
(``LocalGateway(network=...)``), for a block (:meth:`LocalGateway.simulate_network`)
or, only from a gateway started with ``trust_network_headers=True``, per request
in the ``X-Local-Source-Ip`` / ``X-Local-Source-Vpc`` / ``X-Local-Source-Vpce``
headers (a remote caller could otherwise choose its own source IP).

From it come ``aws:SourceIp``, ``aws:SourceVpc`` and ``aws:SourceVpce`` (IAM's
global condition keys; the VPC keys are absent unless the call came through a
VPC endpoint), ``requestContext.identity.sourceIp`` (and ``vpcId``/``vpceId``
on a REST API) and ``requestContext.http.sourceIp`` (HTTP API).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace

from ..exceptions import InvalidConfigError

__all__ = [
    "NETWORK_HEADERS",
    "BadNetworkHeader",
    "Network",
    "layered",
    "network_from_headers",
    "source_keys",
]

# AWS resource ids: "vpc-" / "vpce-" and 8 or 17 lower-case hexadecimal digits.
_VPC = re.compile(r"^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_VPCE = re.compile(r"^vpce-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
#: The headers a gateway started with ``trust_network_headers=True`` reads (field, header).
NETWORK_HEADERS = (
    ("source_ip", "X-Local-Source-Ip"),
    ("vpc_id", "X-Local-Source-Vpc"),
    ("vpce_id", "X-Local-Source-Vpce"),
)


def _problem(field: str, value: object) -> str | None:
    """What is wrong with one field's value, or None (the value is never echoed whole)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{field} must be a string or None"
    if field == "source_ip":
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return "source_ip must be an IPv4 or IPv6 address, such as '203.0.113.7'"
        if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
            # "fe80::1%zone": the zone is free text, and API Gateway never reports one.
            return "source_ip must be an address without a '%zone'"
        return None
    pattern, example = (_VPC, "vpc-1a2b3c4d") if field == "vpc_id" else (_VPCE, "vpce-1a2b3c4d")
    if not pattern.match(value):
        return f"{field} must look like {example!r} (8 or 17 hexadecimal digits)"
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Network:
    """The network a call comes from: its source IP, and the VPC and VPC endpoint it went through.

    ``source_ip`` None: the TCP peer's address. ``vpc_id`` / ``vpce_id`` None:
    not through a VPC endpoint (``aws:SourceVpc`` / ``aws:SourceVpce`` absent).
    Bad values raise :class:`~sigv4client.InvalidConfigError`.

    >>> Network(source_ip="203.0.113.7", vpc_id="vpc-1a2b3c4d", vpce_id="vpce-1a2b3c4d")
    Network(source_ip='203.0.113.7', vpc_id='vpc-1a2b3c4d', vpce_id='vpce-1a2b3c4d')
    """

    source_ip: str | None = None
    vpc_id: str | None = None
    vpce_id: str | None = None

    def __post_init__(self) -> None:
        for field, value in (
            ("source_ip", self.source_ip),
            ("vpc_id", self.vpc_id),
            ("vpce_id", self.vpce_id),
        ):
            problem = _problem(field, value)
            if problem is not None:
                raise InvalidConfigError(problem)


def layered(top: Network, base: Network) -> Network:
    """``top``'s fields where given, ``base``'s elsewhere."""
    return Network(
        source_ip=top.source_ip if top.source_ip is not None else base.source_ip,
        vpc_id=top.vpc_id if top.vpc_id is not None else base.vpc_id,
        vpce_id=top.vpce_id if top.vpce_id is not None else base.vpce_id,
    )


def source_keys(network: Network) -> dict[str, str]:
    """IAM's ``aws:SourceIp``, ``aws:SourceVpc``, ``aws:SourceVpce`` (those that are set)."""
    keys = {
        "aws:SourceIp": network.source_ip,
        "aws:SourceVpc": network.vpc_id,
        "aws:SourceVpce": network.vpce_id,
    }
    return {k: v for k, v in keys.items() if v is not None}


class BadNetworkHeader(ValueError):
    """A trusted network header whose value cannot be read (answered 400)."""


def network_from_headers(headers: list[tuple[str, str]], base: Network) -> Network:
    """``base`` with what the ``X-Local-Source-*`` headers say; BadNetworkHeader if unreadable."""
    given: dict[str, str] = {}
    for field, header in NETWORK_HEADERS:
        values = [v.strip() for k, v in headers if k.lower() == header.lower()]
        if not values:
            continue
        problem = "given more than once" if len(values) > 1 else _problem(field, values[0])
        if problem is not None:
            raise BadNetworkHeader(f"{header}: {problem}")
        given[field] = values[0]
    return replace(base, **given) if given else base
