"""A ``requests`` auth plugin: ``requests.get(url, auth=SigV4Auth(creds, region=...))``.

It translates a ``PreparedRequest`` into an :class:`~sigv4client.HttpRequest`,
calls :func:`~sigv4client.sign`, and writes the headers (and the re-encoded
URL) back. Nothing else: all SigV4 rules live in the core.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

import requests

from .._endpoints import infer_region
from .._sources import CredentialsSource, check_source, snapshot
from ..exceptions import InvalidConfigError
from ..models import HttpRequest, SigningConfig
from ..signing import sign

__all__ = ["SigV4Auth"]


class SigV4Auth(requests.auth.AuthBase):
    """Sign every request a ``requests`` session sends with SigV4.

    ``credentials`` is a :class:`~sigv4client.Credentials` or any provider with
    ``get_credentials()``; a fresh snapshot is taken for each request, so
    refreshing providers work. ``region=None`` reads the region from each
    request's AWS host name. Pass ``config=SigningConfig(...)`` for full
    control, or the common flags by keyword (``unsigned_payload=True``,
    ``content_sha256_header=True``, ``sign_session_token=False``).

    Streamed bodies (files opened ``'rb'``) are hashed in chunks and rewound,
    never read into memory.

    >>> import requests
    >>> from sigv4client import Credentials, SigV4Auth
    >>> auth = SigV4Auth(Credentials(access_key_id="AKID", secret_access_key="secret"),
    ...                  region="eu-west-1", service="execute-api")
    >>> session = requests.Session()
    >>> session.auth = auth   # every request of this session is signed
    """

    def __init__(
        self,
        credentials: CredentialsSource,
        region: str | None = None,
        service: str = "execute-api",
        *,
        config: SigningConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        unsigned_payload: bool = False,
        content_sha256_header: bool = False,
        sign_session_token: bool = True,
    ) -> None:
        check_source(credentials)
        self.credentials = credentials
        self.service = service
        self.region = region
        self._clock = clock
        if config is not None:
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

    def _config_for(self, host: str) -> SigningConfig:
        if self._fixed_region:
            return self._template
        region = infer_region(host)
        if region is None:
            raise InvalidConfigError(
                f"cannot tell the AWS region from host {host!r}; pass region='...' to SigV4Auth"
            )
        config = self._configs.get(region)
        if config is None:
            if len(self._configs) >= 64:  # bounded: a few regions in practice
                self._configs.clear()
            config = self._configs[region] = dataclasses.replace(self._template, region=region)
        return config

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Sign the prepared request in place (requests' auth protocol)."""
        url = r.url or ""
        request = HttpRequest(
            method=r.method or "GET",
            url=url,
            headers=tuple(
                (name, value.decode("latin-1") if isinstance(value, bytes) else value)
                for name, value in r.headers.items()
            ),
            body=r.body,
        )
        config = self._config_for(url.partition("://")[2].partition("/")[0])
        now = self._clock() if self._clock is not None else None
        result = sign(request, snapshot(self.credentials), config, now=now)
        r.url = result.url
        for name, value in result.headers:
            r.headers[name] = value
        return r

    def __repr__(self) -> str:
        return f"SigV4Auth(region={self.region!r}, service={self.service!r})"
