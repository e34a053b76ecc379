"""What every ``credentials=`` accepts, turned into one thing the signer can ask.

A caller may hold a :class:`~sigv4client.models.Credentials`, a provider of
ours, or what boto3 and botocore hand out: a ``boto3.Session``, a
``botocore.session.Session``, botocore's ``Credentials`` and
``RefreshableCredentials`` (asked again for every request, so they keep
refreshing) or a ``ReadOnlyCredentials`` snapshot. :func:`as_source` takes any
of them; everything else is refused with the type's full name, never its value
(a wrong value is often a dict holding the secret key).
"""

from __future__ import annotations

from typing import Protocol

from ..exceptions import InvalidCredentialsError
from ..models import Credentials
from ._base import AsyncCredentialsProvider, CredentialsProvider
from ._botocore import BotocoreSessionProvider, BotoFrozenCredentialsLike

#: What the signer and the adapters take a snapshot from.
CredentialsSource = Credentials | CredentialsProvider | AsyncCredentialsProvider


class BotoSessionLike(Protocol):
    """A ``boto3.Session`` or a ``botocore.session.Session``, as far as we call it."""

    def get_credentials(self) -> object: ...


class BotoCredentialsLike(Protocol):
    """botocore's ``Credentials`` and ``RefreshableCredentials``, as far as we call them."""

    def get_frozen_credentials(self) -> object: ...


#: What every ``credentials=`` accepts (see :func:`as_source`).
AcceptedCredentials = (
    CredentialsSource | BotoSessionLike | BotoCredentialsLike | BotoFrozenCredentialsLike
)

_ACCEPTED = (
    "pass sigv4client.Credentials or a provider with get_credentials(), or a boto3.Session, "
    "a botocore session or botocore credentials (a value: "
    "Credentials(access_key_id=..., secret_access_key=...))"
)


def _botocore_kind(value: object) -> str | None:
    """Which boto object ``value`` is, read from its type without importing botocore."""
    kind = type(value)
    if kind.__module__.partition(".")[0] not in ("boto3", "botocore"):
        return None
    if kind.__name__ == "ReadOnlyCredentials":
        return "frozen"
    if callable(getattr(value, "get_frozen_credentials", None)):
        return "credentials"  # Credentials, RefreshableCredentials, DeferredRefreshableCredentials
    if callable(getattr(value, "get_credentials", None)):
        return "session"  # boto3.Session, botocore.session.Session
    return None


class _Holder:
    """A botocore credentials object dressed as the session BotocoreSessionProvider reads."""

    __slots__ = ("_credentials",)
    profile_name = "(botocore credentials object)"

    def __init__(self, credentials: object) -> None:
        self._credentials = credentials

    def get_credentials(self) -> object:
        return self._credentials


def as_source(value: object, where: str) -> CredentialsSource:
    """The one conversion behind every ``credentials=``.

    >>> import botocore.session
    >>> session = botocore.session.Session()
    >>> session.set_credentials("AKIDEXAMPLE", "example-secret")
    >>> as_source(session, "example()")
    BotocoreSessionProvider(profile='default')
    >>> as_source({"secret": "x"}, "example()")
    Traceback (most recent call last):
    ...
    sigv4client.exceptions.InvalidCredentialsError: example() cannot use credentials of type \
builtins.dict; pass sigv4client.Credentials or a provider with get_credentials(), or a \
boto3.Session, a botocore session or botocore credentials (a value: \
Credentials(access_key_id=..., secret_access_key=...))
    """
    if isinstance(value, Credentials):
        return value
    kind = _botocore_kind(value)
    if kind == "frozen":
        access_key, secret_key, token = (
            getattr(value, n, None) for n in ("access_key", "secret_key", "token")
        )
        if not isinstance(access_key, str) or not isinstance(secret_key, str):
            raise InvalidCredentialsError(
                f"{where} got a botocore ReadOnlyCredentials without an access key or secret "
                f"key; {_ACCEPTED}"
            )
        return Credentials(
            access_key_id=access_key,
            secret_access_key=secret_key,
            session_token=token if isinstance(token, str) else None,
        )
    if kind == "credentials":
        # Asked for a frozen snapshot per request: a refreshing one keeps refreshing.
        return BotocoreSessionProvider(_Holder(value))  # type: ignore[arg-type]  # duck-typed
    if kind == "session":
        return BotocoreSessionProvider(value)  # type: ignore[arg-type]  # duck-typed
    if isinstance(value, (CredentialsProvider, AsyncCredentialsProvider)):
        return value
    kind_name = f"{type(value).__module__}.{type(value).__qualname__}"
    raise InvalidCredentialsError(
        f"{where} cannot use credentials of type {kind_name}; {_ACCEPTED}"
    )
