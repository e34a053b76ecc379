"""A ``requests`` auth plugin: ``requests.get(url, auth=SigV4Auth(creds, region=...))``.

It translates a ``PreparedRequest`` into an :class:`~sigv4client.HttpRequest`,
calls :func:`~sigv4client.sign`, and writes the headers (and the re-encoded
URL) back. Nothing else: all SigV4 rules live in the core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import requests
from requests.models import REDIRECT_STATI
from requests.structures import CaseInsensitiveDict

from ..models import HttpRequest, SigningConfig
from ._common import (
    AdapterSigner,
    AnyCredentialsSource,
    RedirectChain,
    drop_credentials,
    drop_headers,
    refuse_changed_settings,
)

__all__ = ["SigV4Auth", "SigV4Session"]


class RedirectGuard:
    """The response hook a signing auth registers on a request: the redirect rule for requests.

    requests follows a redirect with a copy of the request just sent (the one
    this hook sees as ``response.request``), strips only ``Authorization``
    when the host changes, and never calls an auth object again. So this hook
    decides, before the copy is made, what the copy carries:

    - a hop that leaves the origin of the first request (see
      :class:`~sigv4client.integrations._common.RedirectChain`) loses every
      credential header, and so does every later hop;
    - a hop that stays home is signed in advance for the request requests will
      send next: this hook builds that request with requests' own
      ``resolve_redirects`` (its URL, its method after a 301/302/303, its
      headers and body purged as requests purges them, never its cookies),
      signs it, and writes the signature onto ``response.request`` for the
      copy to take along. If requests would send a URL other than the one
      signed, or cannot build the hop, the hop goes out bare instead.

    :class:`SigV4Session` checks the hop requests actually built, and signs it
    again only if it differs from the one signed in advance (a ``.netrc``
    entry, a ``rebuild_method`` of its own). The same hook object travels with
    every copy of the request, so it holds the chain's state.
    """

    __slots__ = ("chain", "names", "presigned", "resign")

    def __init__(
        self, url: str, resign: Callable[[requests.PreparedRequest], None], names: tuple[str, ...]
    ) -> None:
        self.chain = RedirectChain(url)
        self.resign = resign
        self.names = names
        #: The hop last signed in advance: (method, URL, credential headers, body).
        self.presigned: _Hop | None = None

    def __call__(
        self, response: requests.Response, *args: object, **kwargs: object
    ) -> requests.Response:
        sent = response.request
        # The status first: it rules out most responses without a header lookup.
        if response.status_code in REDIRECT_STATI and response.is_redirect and sent is not None:
            self.presigned = None
            location = response.headers.get("location", "")
            if not self.chain.location_keeps_credentials(sent.url or "", location):
                self.leave(sent)
                return response
            hop = _next_hop(response, sent)
            if hop is None:
                self.strip(sent)
                return response
            if not self.chain.keeps_credentials(hop.url or ""):
                self.leave(sent)
                return response
            self.sign_in_advance(sent, hop)
        return response

    def sign_in_advance(
        self, sent: requests.PreparedRequest, hop: requests.PreparedRequest
    ) -> None:
        """Sign ``hop`` (requests' next request, built from ``sent``) and put it on ``sent``."""
        self.strip(sent)
        url = hop.url
        drop_headers(hop.headers, ("Cookie",))  # requests sets them again after this hook
        self.resign(hop)
        if hop.url != url:
            # The signer re-encodes the query ('+' as '%20'), but requests sends
            # the Location as it is: that signature would not fit; the hop goes bare.
            return
        for name in (*self.names, "Host"):
            value = hop.headers.get(name)
            if value is not None:
                sent.headers[name] = value
        self.presigned = _Hop.of(hop, self.names)

    def strip(self, r: requests.PreparedRequest) -> None:
        """Remove the credential headers, and a Host header pinned for the old URL."""
        # requests copies a pinned Host along; without one, urllib3 writes the new host.
        drop_headers(r.headers, (*self.names, "Host"))

    def leave(self, r: requests.PreparedRequest) -> None:
        """:meth:`strip`, and every credential header the caller set: ``r`` leaves home."""
        drop_credentials(r.headers, (*self.names, "Host"))

    def install(self, r: requests.PreparedRequest) -> None:
        """Register on ``r`` unless a guard is there already (a re-signed hop keeps its own)."""
        if guard_of(r) is None:
            # What register_hook("response", self) does, without its check that
            # a hook is callable (an ABC isinstance, on every request).
            r.hooks["response"].append(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Hop:
    """What a hop was signed in advance for: the parts a signature covers."""

    method: str | None
    url: str | None
    credentials: tuple[str | None, ...] = field(repr=False)
    body: object = field(repr=False)

    @classmethod
    def of(cls, r: requests.PreparedRequest, names: tuple[str, ...]) -> _Hop:
        return cls(
            method=r.method,
            url=r.url,
            credentials=tuple(r.headers.get(name) for name in names),
            body=r.body,
        )

    def fits(self, r: requests.PreparedRequest, names: tuple[str, ...]) -> bool:
        """Whether ``r`` is the hop signed, still carrying that signature."""
        return (
            (self.method, self.url) == (r.method, r.url)
            and self.body is r.body
            and self.credentials == tuple(r.headers.get(name) for name in names)
        )


@cache
def _requests_rules() -> requests.Session:
    """A session that never sends: requests' redirect rules, without env, netrc or cookies."""
    rules = requests.Session()
    rules.trust_env = False
    return rules


def _next_hop(
    response: requests.Response, sent: requests.PreparedRequest
) -> requests.PreparedRequest | None:
    """The request requests will send for this redirect, built by requests itself.

    ``resolve_redirects(..., yield_requests=True)`` is what requests runs to
    fill ``response.next``: it reads the redirect's body and rewinds a file
    body, as requests does next anyway. ``None`` when requests cannot build
    the hop (an unrewindable body, a URL it refuses): it raises that itself.
    """
    try:
        # types-requests leaves resolve_redirects' yield type as Response.
        hop: object = next(
            _requests_rules().resolve_redirects(response, sent, yield_requests=True), None
        )
    except (requests.RequestException, ValueError):
        return None
    return hop if isinstance(hop, requests.PreparedRequest) else None


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

    Redirects, with any session: a redirect to another origin (scheme, host
    or port) goes out without credentials, and so does every later hop of
    that chain, even one that comes back. A redirect that stays home is signed
    for where it goes (its URL, its method after a 301/302/303, its body kept
    or dropped), in advance: requests never calls an auth again, so when the
    redirect arrives, the plugin signs the request requests is about to build
    and leaves that signature on ``response.request`` for requests to copy.
    Hence, with ``allow_redirects=False``, ``response.request`` shows the
    signature for the ``Location`` (not the one that was sent), and
    ``response.next`` is ready to send. Two hops a plain session cannot sign:
    one whose ``Location`` the signer would spell otherwise (a ``+`` in the
    query goes out bare), and any hop when a ``.netrc`` entry names the host
    (requests replaces ``Authorization`` with its login). :class:`SigV4Session`
    signs both.

    >>> import requests
    >>> from sigv4client import Credentials, SigV4Auth
    >>> auth = SigV4Auth(Credentials(access_key_id="AKID", secret_access_key="secret"),
    ...                  region="eu-west-1", service="execute-api")
    >>> session = requests.Session()
    >>> session.auth = auth   # every request of this session is signed
    """

    # Its signer is built from credentials, region and service: fixed once set.
    __setattr__ = refuse_changed_settings

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
        signer = self._signer
        request = HttpRequest(
            method=r.method or "GET",
            url=r.url or "",
            headers=_headers_of(r.headers),
            body=r.body,
        )
        result = signer.sign(request, signer.credentials())
        r.url = result.url
        headers = r.headers
        for name, value in result.headers:
            headers[name] = value

    def __repr__(self) -> str:
        return f"SigV4Auth(region={self.region!r}, service={self.service!r})"


def _headers_of(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """A prepared request's headers as ``(name, value)`` pairs, values as text (bytes: latin-1).

    A ``CaseInsensitiveDict`` (what requests prepares) is read in one pass
    from the pairs it stores, names as they were given: its ``items()`` looks
    every name up again, which cost more than signing, and its
    ``lower_items()`` holds each name as the name's own ``lower()`` gave it,
    which a str subclass decides. The core lowercases the names by their
    characters. The pairs are taken as they are unless a value is bytes (rare).
    """
    store = getattr(headers, "_store", None) if isinstance(headers, CaseInsensitiveDict) else None
    pairs: tuple[tuple[str, str], ...] = tuple(
        store.values() if isinstance(store, dict) else headers.items()
    )
    for _, value in pairs:
        if type(value) is not str:
            return tuple(
                [(n, v.decode("latin-1") if isinstance(v, bytes) else v) for n, v in pairs]
            )
    return pairs  # every value is str: checked above


class SigV4Session(requests.Session):
    """A ``requests.Session`` that checks the requests it sends on redirects.

    requests applies an auth object once per call; :class:`SigV4Auth` signs a
    redirect that stays home in advance, for the request requests will build.
    This session looks at the request requests did build: if it is not the
    one signed (a ``.netrc`` login replaced ``Authorization``, the signer
    spells the URL otherwise, a subclass changes ``rebuild_method``), it signs
    it again, for where it goes, and sends the URL it signed. A redirect to
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
        """Sign a hop that stays home for its URL, method and body (once); strip any other."""
        # types-requests leaves rebuild_auth unannotated.
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]
        guard = guard_of(prepared_request)
        if guard is None:
            return  # not signed by us: requests' own rules apply
        # The URL requests will connect to, as it parsed it: the exact check.
        if not guard.chain.keeps_credentials(prepared_request.url or ""):
            guard.leave(prepared_request)
        elif guard.presigned is None or not guard.presigned.fits(prepared_request, guard.names):
            guard.resign(prepared_request)
        # else: the hop the response hook signed in advance, as requests built it.
