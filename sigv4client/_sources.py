"""Turning what a caller passes as credentials into one snapshot per request."""

from __future__ import annotations

from .credentials import CredentialsProvider, resolve_provider
from .exceptions import InvalidCredentialsError
from .models import Credentials

CredentialsSource = Credentials | CredentialsProvider


def check_source(source: object) -> None:
    """Fail early, at construction, for something that can never give credentials."""
    resolve_provider(source)  # type: ignore[arg-type]  # it checks the type at run time


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
