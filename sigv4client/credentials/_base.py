"""The provider protocols, the static provider, and the helpers that accept either."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..exceptions import InvalidCredentialsError
from ..models import Credentials

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ._accept import AcceptedCredentials


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything that can hand out a :class:`~sigv4client.models.Credentials` snapshot.

    ``get_credentials()`` is called once per signed request; it returns an
    immutable snapshot, so the key, secret and token always belong together.
    It may block (to fetch or refresh); async code should call
    :func:`aget` instead.
    """

    def get_credentials(self) -> Credentials:
        """Return the credentials to sign the next request with."""
        ...


@runtime_checkable
class AsyncCredentialsProvider(Protocol):
    """The async twin of :class:`CredentialsProvider`: never blocks the event loop."""

    async def aget_credentials(self) -> Credentials:
        """Return the credentials to sign the next request with."""
        ...


class StaticCredentialsProvider:
    """Always the same credentials: for long-lived keys, or a value made elsewhere.

    >>> from sigv4client.credentials import StaticCredentialsProvider
    >>> from sigv4client.models import Credentials
    >>> provider = StaticCredentialsProvider(
    ...     Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="example-secret"))
    >>> provider.get_credentials()
    Credentials(access_key_id='AKIDEXAMPLE', expiration=None)
    >>> provider
    StaticCredentialsProvider(Credentials(access_key_id='AKIDEXAMPLE', expiration=None))

    Temporary credentials are returned as they are, even after they expire:
    wrap the code that makes them in a
    :class:`~sigv4client.credentials.RefreshingCredentialsProvider` instead.
    """

    __slots__ = ("_credentials",)

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = require_credentials(credentials, "StaticCredentialsProvider()")

    def get_credentials(self) -> Credentials:
        """Return the credentials given at construction."""
        return self._credentials

    async def aget_credentials(self) -> Credentials:
        """Return the credentials given at construction."""
        return self._credentials

    def __repr__(self) -> str:
        # Credentials' own repr leaves out the secret key and the token.
        return f"{type(self).__name__}({self._credentials!r})"


def require_credentials(value: object, where: str) -> Credentials:
    """Return ``value`` if it is a Credentials, else raise naming only its type.

    Only the type is named: a wrong value is often a dict or tuple that holds
    the secret key itself.
    """
    if not isinstance(value, Credentials):
        raise InvalidCredentialsError(
            f"{where} expected sigv4client.Credentials, got {type(value).__name__}; "
            "build one with Credentials(access_key_id=..., secret_access_key=...)"
        )
    return value


def resolve_provider(source: AcceptedCredentials) -> CredentialsProvider:
    """Turn what a caller passes as credentials into a provider.

    A :class:`~sigv4client.models.Credentials` value is wrapped in a
    :class:`StaticCredentialsProvider`; an object with ``get_credentials()`` is
    returned as it is; boto3 and botocore sessions and credentials are read
    through :class:`~sigv4client.credentials.BotocoreSessionProvider`. Anything else raises
    :class:`~sigv4client.exceptions.InvalidCredentialsError` (an
    :class:`~sigv4client.exceptions.InvalidInputError`).

    >>> from sigv4client.credentials import resolve_provider
    >>> from sigv4client.models import Credentials
    >>> resolve_provider(Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="s"))
    StaticCredentialsProvider(Credentials(access_key_id='AKIDEXAMPLE', expiration=None))
    """
    from ._accept import as_source  # it builds on this module

    converted = as_source(source, "resolve_provider()")
    if isinstance(converted, Credentials):
        return StaticCredentialsProvider(converted)
    if isinstance(converted, CredentialsProvider):
        return converted
    raise InvalidCredentialsError(
        f"resolve_provider() got {type(converted).__name__}, which has only "
        "aget_credentials(): this provider is async-only: call `await aget(provider)` instead"
    )


async def to_thread(call: Callable[[], Credentials]) -> Credentials:
    """``await asyncio.to_thread(call)``: a blocking provider, off the event loop.

    asyncio is imported here, where an event loop already runs (and so has
    loaded it), not when the module is: code that never awaits credentials
    (the command line, a requests session) does not pay ~15 ms for it.
    """
    import asyncio

    return await asyncio.to_thread(call)


async def aget(provider: CredentialsProvider | AsyncCredentialsProvider) -> Credentials:
    """Get credentials from any provider without blocking the event loop.

    Uses ``aget_credentials()`` when the provider has it, else runs the
    blocking ``get_credentials()`` in a worker thread (``asyncio.to_thread``).

    >>> import asyncio
    >>> from sigv4client.credentials import StaticCredentialsProvider, aget
    >>> from sigv4client.models import Credentials
    >>> provider = StaticCredentialsProvider(
    ...     Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="example-secret"))
    >>> asyncio.run(aget(provider)).access_key_id
    'AKIDEXAMPLE'
    """
    return await aget_call(provider)()


def aget_call(
    provider: CredentialsProvider | AsyncCredentialsProvider,
) -> Callable[[], Awaitable[Credentials]]:
    """The call :func:`aget` makes to ``provider``, chosen once for many snapshots.

    A client that takes a snapshot for every request chooses here, at
    construction: checking a runtime Protocol with ``isinstance()`` costs more
    than signing. The call looks the method up on each use, as ``aget`` does.
    """
    candidate: object = provider
    if isinstance(candidate, AsyncCredentialsProvider):
        source = candidate
        return lambda: source.aget_credentials()
    if isinstance(candidate, CredentialsProvider):
        blocking = candidate
        return lambda: to_thread(blocking.get_credentials)
    raise InvalidCredentialsError(
        "aget() expected a provider with aget_credentials() or get_credentials(), "
        f"got {type(candidate).__name__}"
    )
