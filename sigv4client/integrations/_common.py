"""What the httpx and aiohttp adapters share: settings, scope and credentials snapshots.

Each adapter translates its library's request into an
:class:`~sigv4client.models.HttpRequest` and writes the result back; everything
in between lives here, once, for sync and async alike. The only difference
between the two paths is how a credentials snapshot is taken:
:meth:`AdapterSigner.credentials` calls ``get_credentials()`` (it may block),
:meth:`AdapterSigner.acredentials` awaits :func:`sigv4client.credentials.aget`
(it never blocks the event loop).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from .._endpoints import infer_region
from ..credentials import AsyncCredentialsProvider, CredentialsProvider, aget
from ..exceptions import InvalidConfigError, InvalidCredentialsError
from ..models import Credentials, HttpRequest, SigningConfig, SigningResult
from ..signing import sign

__all__ = ["CREDENTIAL_HEADERS", "AdapterSigner", "AnyCredentialsSource", "host_of"]

#: What the async-capable adapters accept as credentials: a value, a provider
#: with ``get_credentials()``, or an async-only one with ``aget_credentials()``.
AnyCredentialsSource = Credentials | CredentialsProvider | AsyncCredentialsProvider

#: Headers that carry a signature or a credential, and the Host an adapter
#: pinned: none of them may follow a request to another origin.
CREDENTIAL_HEADERS = (
    "Authorization",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-SHA256",
    "Host",
)

_MAX_REGIONS = 64  # configs cached per inferred region: a few regions in practice


def host_of(url: str) -> str:
    """The authority of ``url`` (``host[:port]``), as the region inference reads it.

    >>> host_of("https://abc.execute-api.eu-west-1.amazonaws.com/prod?x=1")
    'abc.execute-api.eu-west-1.amazonaws.com'
    """
    return url.partition("://")[2].partition("/")[0].partition("?")[0]


class AdapterSigner:
    """The signing settings of one adapter instance, and the calls they need.

    Built from the constructor arguments every adapter shares (those of
    :class:`sigv4client.SigV4Auth`); validates them at construction.
    ``owner`` names the adapter class in error messages.
    """

    __slots__ = ("_clock", "_configs", "_fixed_region", "_owner", "_template", "source")

    def __init__(
        self,
        owner: str,
        credentials: AnyCredentialsSource,
        region: str | None,
        service: str,
        *,
        config: SigningConfig | None,
        clock: Callable[[], datetime] | None,
        unsigned_payload: bool,
        content_sha256_header: bool,
        sign_session_token: bool,
    ) -> None:
        candidate: object = credentials
        if not isinstance(candidate, (Credentials, CredentialsProvider, AsyncCredentialsProvider)):
            # Name the type only: a wrong value is often a dict holding the secret key.
            raise InvalidCredentialsError(
                f"{owner} expected sigv4client.Credentials or a provider with "
                f"get_credentials() or aget_credentials(), got {type(candidate).__name__}"
            )
        if clock is not None and not callable(clock):
            raise InvalidConfigError(f"clock must be a callable, got {type(clock).__name__}")
        self._owner = owner
        self.source = credentials
        self._clock = clock
        if config is not None:
            if not isinstance(config, SigningConfig):
                raise InvalidConfigError(
                    f"config must be a SigningConfig, got {type(config).__name__}"
                )
            if region is not None and region != config.region:
                raise InvalidConfigError(
                    f"region {region!r} disagrees with config.region {config.region!r}"
                )
            self._template = config
            self._fixed_region = True
        else:
            # The region may be decided per request from the host; the template
            # validates everything else now, at construction.
            self._template = SigningConfig(
                region=region or "us-east-1",
                service=service,
                unsigned_payload=unsigned_payload,
                content_sha256_header=content_sha256_header,
                sign_session_token=sign_session_token,
            )
            self._fixed_region = region is not None
        self._configs: dict[str, SigningConfig] = {}

    @property
    def unsigned_payload(self) -> bool:
        """Whether the body is left out of the signature (then it is never read)."""
        return self._template.unsigned_payload

    def config_for(self, url: str) -> SigningConfig:
        """The signing config for a request to ``url``: its region read from the host if unset."""
        if self._fixed_region:
            return self._template
        host = host_of(url)
        region = infer_region(host)
        if region is None:
            raise InvalidConfigError(
                f"cannot tell the AWS region from host {host!r}; pass region='...' to {self._owner}"
            )
        config = self._configs.get(region)
        if config is None:
            if len(self._configs) >= _MAX_REGIONS:
                self._configs.clear()
            config = self._configs[region] = dataclasses.replace(self._template, region=region)
        return config

    def sign(self, request: HttpRequest, credentials: Credentials) -> SigningResult:
        """Sign ``request`` (pure, except for reading a file body to hash it)."""
        config = self.config_for(request.url)
        now = self._clock() if self._clock is not None else None
        return sign(request, credentials, config, now=now)

    def credentials(self) -> Credentials:
        """One snapshot for a sync client: the value itself, or ``get_credentials()``."""
        source: object = self.source
        if isinstance(source, Credentials):
            return source
        if not isinstance(source, CredentialsProvider):
            raise InvalidCredentialsError(
                f"{type(source).__name__} has only aget_credentials(): use it with an async "
                f"client, or give {self._owner} a provider with get_credentials()"
            )
        return _checked(source.get_credentials(), source)

    async def acredentials(self) -> Credentials:
        """One snapshot for an async client, without blocking the event loop."""
        source = self.source
        if isinstance(source, Credentials):
            return source
        return _checked(await aget(source), source)


def _checked(creds: object, source: object) -> Credentials:
    if not isinstance(creds, Credentials):
        raise InvalidCredentialsError(
            f"{type(source).__name__} returned {type(creds).__name__}, not sigv4client.Credentials"
        )
    return creds
