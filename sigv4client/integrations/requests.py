"""A ``requests`` auth plugin: ``requests.get(url, auth=SigV4Auth(creds, region=...))``.

It translates a ``PreparedRequest`` into an :class:`~sigv4client.HttpRequest`,
calls :func:`~sigv4client.sign`, and writes the headers (and the re-encoded
URL) back. Nothing else: all SigV4 rules live in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import requests

from ..models import HttpRequest, SigningConfig
from ._common import AdapterSigner, AnyCredentialsSource, RedirectChain, drop_headers

__all__ = ["SigV4Auth", "SigV4Session"]


class RedirectGuard:
    """The response hook a signing auth registers on a request: the redirect rule for requests.

    requests follows a redirect with a copy of the request just sent, and
    strips only ``Authorization`` when the host changes: the session token (or
    a token auth's header) would go to the other origin. Before the copy is
    made, this hook removes every credential header when the ``Location``
    leaves the origin of the first request (see
    :class:`~sigv4client.integrations._common.RedirectChain`); the copy, and
    every later hop, then carries none. :class:`SigV4Session` also calls
    ``resign`` for a hop that stays home, so it is signed for where it goes.
    The same hook object travels with every copy of the request, so it holds
    the chain's state.
    """

    __slots__ = ("chain", "names", "resign")

    def __init__(
        self, url: str, resign: Callable[[requests.PreparedRequest], None], names: tuple[str, ...]
    ) -> None:
        self.chain = RedirectChain(url)
        self.resign = resign
        self.names = names

    def __call__(
        self, response: requests.Response, *args: object, **kwargs: object
    ) -> requests.Response:
        sent = response.request
        if response.is_redirect and sent is not None:
            location = response.headers.get("location", "")
            if not self.chain.location_keeps_credentials(sent.url or "", location):
                self.strip(sent)
        return response

    def strip(self, r: requests.PreparedRequest) -> None:
        """Remove the credential headers, and a Host header pinned for the old URL."""
        # requests copies a pinned Host along; without one, urllib3 writes the new host.
        drop_headers(r.headers, (*self.names, "Host"))

    def install(self, r: requests.PreparedRequest) -> None:
        """Register on ``r`` unless a guard is there already (a re-signed hop keeps its own)."""
        if guard_of(r) is None:
            # types-requests leaves register_hook unannotated.
            r.register_hook("response", self)  # type: ignore[no-untyped-call]


def guard_of(r: requests.PreparedRequest) -> RedirectGuard | None:
    """The :class:`RedirectGuard` registered on ``r``, if any."""
    for hook in (r.hooks or {}).get("response", ()):
        if isinstance(hook, RedirectGuard):
            return hook
    return None


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
        credentials: AnyCredentialsSource,
        region: str | None = None,
        service: str = "execute-api",
        *,
        config: SigningConfig | None = None,
        clock: Callable[[], datetime] | None = None,
        unsigned_payload: bool = False,
        content_sha256_header: bool = False,
        sign_session_token: bool = True,
    ) -> None:
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
            sync_only=True,  # requests is sync: an async-only provider cannot serve it
        )
        self.credentials = credentials
        self.region = region
        self.service = service

    @classmethod
    def _from_signer(cls, signer: AdapterSigner, credentials: AnyCredentialsSource) -> SigV4Auth:
        """An auth over an existing signer (SigV4Client's): one set of settings, not two."""
        auth = cls.__new__(cls)
        auth._signer = signer
        auth.credentials = credentials
        auth.region = signer.region
        auth.service = signer.service
        return auth

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        """Sign the prepared request in place (requests' auth protocol)."""
        self.sign(r)
        RedirectGuard(r.url or "", self.sign, self._signer.credential_headers).install(r)
        return r

    def sign(self, r: requests.PreparedRequest) -> None:
        """Sign ``r`` in place for its current URL, method and body."""
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

    def __repr__(self) -> str:
        return f"SigV4Auth(region={self.region!r}, service={self.service!r})"


class SigV4Session(requests.Session):
    """A ``requests.Session`` that signs the requests it sends on redirects, too.

    requests applies an auth object once per call: a redirected request goes
    out with the first request's signature, which is wrong for its new URL
    (and method, after a 303). This session signs each redirect that stays on
    the origin of the first request again, for where it goes; a redirect to
    another origin (scheme, host or port) is sent without credentials (never
    the session token), and so is every later hop of that chain. It works with
    ``session.auth`` or a per-call ``auth=`` set to a :class:`SigV4Auth` or a
    :mod:`sigv4client.tokens` auth.

    >>> from sigv4client import Credentials
    >>> session = SigV4Session()
    >>> session.auth = SigV4Auth(Credentials(access_key_id="AKID", secret_access_key="s"),
    ...                          region="eu-west-1")
    >>> session.close()
    """

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        """Sign a hop that stays home for its new URL, method and body; strip any other."""
        # types-requests leaves rebuild_auth unannotated.
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]
        guard = guard_of(prepared_request)
        if guard is None:
            return  # not signed by us: requests' own rules apply
        # The URL requests will connect to, as it parsed it: the exact check.
        if guard.chain.keeps_credentials(prepared_request.url or ""):
            guard.resign(prepared_request)
        else:
            guard.strip(prepared_request)
