"""Turning what a caller passes as credentials into one snapshot per request."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .exceptions import InvalidCredentialsError
from .models import Credentials


@runtime_checkable
class _HasCredentials(Protocol):
    def get_credentials(self) -> Credentials: ...


CredentialsSource = Credentials | _HasCredentials


def check_source(source: object) -> None:
    """Fail early, at construction, for something that can never give credentials."""
    if not isinstance(source, (Credentials, _HasCredentials)):
        raise InvalidCredentialsError(
            f"expected sigv4client.Credentials or a provider with get_credentials(), "
            f"got {type(source).__name__}"
        )


def snapshot(source: CredentialsSource) -> Credentials:
    """One frozen snapshot: the value itself, or what the provider gives now."""
    if isinstance(source, Credentials):
        return source
    creds = source.get_credentials()
    if not isinstance(creds, Credentials):
        raise InvalidCredentialsError(
            f"{type(source).__name__}.get_credentials() returned {type(creds).__name__}, "
            "not sigv4client.Credentials"
        )
    return creds
