"""Local servers for trying and testing signed calls on one machine, offline."""

from .verifying_server import ResolveSecret, VerifyingServer

__all__ = ["ResolveSecret", "VerifyingServer"]
