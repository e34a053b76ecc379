"""A ``requests`` auth plugin: ``requests.get(url, auth=SigV4Auth(creds, region=...))``.

It translates a ``PreparedRequest`` into an :class:`~sigv4client.HttpRequest`,
calls :func:`~sigv4client.sign`, and writes the headers (and the re-encoded
URL) back. Nothing else: all SigV4 rules live in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import requests

from .._sources import CredentialsSource, check_source
from ..models import HttpRequest, SigningConfig
from ._common import CREDENTIAL_HEADERS, AdapterSigner

__all__ = ["SigV4Auth", "SigV4Session"]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, f"{parts.hostname}:{parts.port or default}"


def _drop_credentials_on_foreign_redirect(
    response: requests.Response, *args: object, **kwargs: object
) -> requests.Response:
    # requests follows a redirect with a copy of this very request, and strips
    # only Authorization when the host changes: the session token would go to
    # the other origin. Remove every credential header before it is copied.
    if response.is_redirect and response.request is not None:
        target = urljoin(response.request.url or "", response.headers["location"])
        if _origin(target) != _origin(response.request.url or ""):
            for name in CREDENTIAL_HEADERS:
                response.request.headers.pop(name, None)
    return response


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
        check_source(credentials)  # requests is sync: an async-only provider cannot serve it
        self._signer = AdapterSigner(
            "SigV4Auth",
            credentials,
            region,
            service,
            config=config,
            clock=clock,
            unsigned_payload=unsigned_payload,
            content_sha256_header=content_sha256_header,
            sign_session_token=sign_session_token,
        )
        self.credentials = credentials
        self.region = region
        self.service = service

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Sign the prepared request in place (requests' auth protocol)."""
        request = HttpRequest(
            method=r.method or "GET",
            url=r.url or "",
            headers=tuple(
                (name, value.decode("latin-1") if isinstance(value, bytes) else value)
                for name, value in r.headers.items()
            ),
            body=r.body,
        )
        result = self._signer.sign(request, self._signer.credentials())
        r.url = result.url
        for name, value in result.headers:
            r.headers[name] = value
        # requests ships no annotations for register_hook (types-requests leaves it untyped).
        hook = _drop_credentials_on_foreign_redirect
        r.register_hook("response", hook)  # type: ignore[no-untyped-call]
        return r

    def __repr__(self) -> str:
        return f"SigV4Auth(region={self.region!r}, service={self.service!r})"


class SigV4Session(requests.Session):
    """A ``requests.Session`` that signs the requests it sends on redirects, too.

    requests applies an auth object once per call: a redirected request goes
    out with the first request's signature, which is wrong for its new URL
    (and method, after a 303). With ``session.auth`` set to a
    :class:`SigV4Auth`, this session signs each same-origin redirect again
    for where it goes; a redirect to another origin is sent without
    credentials (never the session token) and unsigned.

    >>> from sigv4client import Credentials
    >>> session = SigV4Session()
    >>> session.auth = SigV4Auth(Credentials(access_key_id="AKID", secret_access_key="s"),
    ...                          region="eu-west-1")
    >>> session.close()
    """

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        """Sign a same-origin redirect for its new URL, method and body."""
        # types-requests leaves rebuild_auth and register_hook unannotated.
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]
        auth = self.auth
        previous = response.request.url if response.request is not None else None
        if (
            isinstance(auth, SigV4Auth)
            and previous is not None
            and _origin(prepared_request.url or "") == _origin(previous)
        ):
            auth(prepared_request)
