"""An ``httpx`` auth class for ``httpx.Client`` and ``httpx.AsyncClient`` alike.

``SigV4HttpxAuth`` translates an ``httpx.Request`` into an
:class:`~sigv4client.HttpRequest`, calls :func:`~sigv4client.sign`, and writes
the signed URL and headers back. The sync and async flows differ only in how
they take a credentials snapshot.

How each kind of body is signed (``content=``, ``data=``, ``json=``, ``files=``):

- bytes, text, JSON and URL-encoded forms: httpx holds them in memory; hashed.
- a binary file (``content=open(path, "rb")``): hashed in 1 MiB chunks from
  where it stands and put back there, never read into memory (httpx keeps
  the file; it only reads it while sending).
- ``files=`` (multipart): hashed chunk by chunk as httpx would send it; httpx
  rewinds the files before sending. Every file must be seekable.
- a list of byte chunks: hashed.
- an iterator or generator, or any async iterable (``AsyncClient`` streaming):
  it can be read once only, so signing it would leave nothing to send:
  :class:`~sigv4client.NonReplayableBodyError`, unless ``unsigned_payload=True``
  (then no body is ever read). With ``AsyncClient``, pass bytes, or sign
  with ``unsigned_payload=True`` where the service allows it.

With ``unsigned_payload=True`` the body is never touched.

httpx runs an auth flow once per ``send()``: requests it re-sends while
following redirects keep the first signature, which covers the first URL
only, and httpx strips only ``Authorization`` on a redirect to another origin:
the session token would go along. An auth object cannot see redirects, so
follow them with :class:`SigV4HttpxClient` (or :class:`AsyncSigV4HttpxClient`),
an ``httpx.Client`` that signs each hop staying on the origin of the first
request for where it goes, and sends any other hop, and every later one,
without credentials::

    with SigV4HttpxClient(auth=auth, follow_redirects=True) as client:
        client.get(url)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator
from datetime import datetime

try:
    import httpx
except ImportError as exc:  # pragma: no cover - exercised with sys.modules patched
    raise ImportError(
        "sigv4client.integrations.httpx needs httpx, which is not installed: "
        'pip install "sigv4client[httpx]"'
    ) from exc

# httpx keeps these two stream types private. An IteratorByteStream holds what
# was passed as content= (a file, a list, a generator) in `_stream`; reaching
# it is the only way to hash a file without reading it into memory.
from httpx._client import USE_CLIENT_DEFAULT, UseClientDefault
from httpx._content import IteratorByteStream
from httpx._multipart import MultipartStream
from httpx._types import AuthTypes

from .._deprecation import warn_renamed
from ..exceptions import NonReplayableBodyError
from ..models import Body, HttpRequest, SigningConfig, SigningResult
from ._common import (
    CREDENTIAL_HEADERS,
    AdapterSigner,
    AnyCredentialsSource,
    RedirectChain,
    drop_credentials,
    refuse_changed_settings,
)

__all__ = [
    "AsyncSigV4HttpxClient",
    "SigV4HttpxAuth",
    "SigV4HttpxClient",
    "async_redirect_guard",
    "redirect_guard",
]


#: Marks a request that a redirect took away from the origin of its chain.
_LEFT_HOME = "sigv4client.left_home"


class _Hops:
    """The redirect rule for one ``send()`` of the clients below: sync and async share it."""

    __slots__ = ("_auth", "chain", "history", "max_redirects", "names")

    def __init__(
        self,
        request: httpx.Request,
        auth: AuthTypes | UseClientDefault | None,
        client_auth: httpx.Auth | None,
        max_redirects: int,
    ) -> None:
        self.chain = RedirectChain(str(request.url))
        if request.extensions.get(_LEFT_HOME):
            # A next_request handed out after a redirect left: it stays unsigned
            # even when the caller sends it on by hand.
            self.chain.left = True
        self._auth = auth
        effective = client_auth if isinstance(auth, UseClientDefault) else auth
        self.names = CREDENTIAL_HEADERS + tuple(getattr(effective, "credential_headers", ()))
        self.max_redirects = max_redirects
        self.history: list[httpx.Response] = []

    @property
    def auth(self) -> AuthTypes | UseClientDefault | None:
        """The auth for the next hop: the caller's while the chain stays home, else none.

        "None" is a do-nothing ``httpx.Auth()``: with ``auth=None`` httpx would
        send Basic credentials built from userinfo in the redirect's URL.
        """
        return httpx.Auth() if self.chain.left else self._auth

    def next(self, response: httpx.Response) -> httpx.Request | None:
        """The hop ``response`` points to, stripped unless it stays home; None at the end."""
        response.history = list(self.history)
        request = response.next_request
        if request is None:
            return None
        # httpx built it from the request just sent: its URL is where httpx will connect.
        if not self.chain.keeps_credentials(str(request.url)):
            drop_credentials(request.headers, self.names)
            # A new dict: httpx shares one extensions dict between a request and its redirects.
            request.extensions = {**request.extensions, _LEFT_HOME: True}
        return request

    def follow(self, response: httpx.Response, request: httpx.Request) -> httpx.Request:
        """Record ``response`` (read and closed) in the history; ``request`` is sent next."""
        self.history.append(response)
        if len(self.history) > self.max_redirects:
            raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
        return request


class SigV4HttpxClient(httpx.Client):
    """An ``httpx.Client`` that follows redirects without sending credentials elsewhere.

    Use it as ``httpx.Client`` (same arguments) with a :class:`SigV4HttpxAuth`
    or a :mod:`sigv4client.tokens` auth. Each redirect that stays on the origin
    (scheme, host and port) of the first request is sent through the auth again,
    so it is signed for its new URL and method; a redirect to another origin is
    sent without any credential header (signature, session token, the token
    auth's header) and unsigned, and so is every later hop of that chain. With
    ``follow_redirects=False`` the ``response.next_request`` httpx offers is
    stripped the same way when it leaves the origin.

    >>> from sigv4client import Credentials
    >>> auth = SigV4HttpxAuth(Credentials(access_key_id="AKID", secret_access_key="secret"),
    ...                       region="eu-west-1")
    >>> with SigV4HttpxClient(auth=auth, follow_redirects=True) as client:
    ...     pass  # client.get(...), client.post(...): signed, redirects guarded
    """

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send ``request``, following redirects by the redirect rule."""
        follow = (
            self.follow_redirects
            if isinstance(follow_redirects, UseClientDefault)
            else follow_redirects
        )
        hops = _Hops(request, auth, self.auth, self.max_redirects)
        while True:
            response = super().send(request, stream=stream, auth=hops.auth, follow_redirects=False)
            next_request = hops.next(response)
            if next_request is None or not follow:
                return response
            response.read()
            response.close()
            request = hops.follow(response, next_request)


class AsyncSigV4HttpxClient(httpx.AsyncClient):
    """:class:`SigV4HttpxClient` for ``httpx.AsyncClient``: the same redirect rule.

    >>> import asyncio
    >>> from sigv4client import Credentials
    >>> auth = SigV4HttpxAuth(Credentials(access_key_id="AKID", secret_access_key="secret"),
    ...                       region="eu-west-1")
    >>> async def main() -> None:
    ...     async with AsyncSigV4HttpxClient(auth=auth, follow_redirects=True) as client:
    ...         pass  # await client.get(...): signed, redirects guarded
    >>> asyncio.run(main())
    """

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: AuthTypes | UseClientDefault | None = USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """Send ``request``, following redirects by the redirect rule."""
        follow = (
            self.follow_redirects
            if isinstance(follow_redirects, UseClientDefault)
            else follow_redirects
        )
        hops = _Hops(request, auth, self.auth, self.max_redirects)
        while True:
            response = await super().send(
                request, stream=stream, auth=hops.auth, follow_redirects=False
            )
            next_request = hops.next(response)
            if next_request is None or not follow:
                return response
            await response.aread()
            await response.aclose()
            request = hops.follow(response, next_request)


class SigV4HttpxAuth(httpx.Auth):
    """Sign every request an ``httpx.Client`` or ``httpx.AsyncClient`` sends with SigV4.

    The constructor is that of :class:`sigv4client.SigV4Auth` (the requests
    plugin). ``credentials`` is a :class:`~sigv4client.Credentials` or a
    provider: a fresh snapshot is taken for each request, with
    ``get_credentials()`` in ``Client`` and with
    :func:`sigv4client.credentials.aget` in ``AsyncClient`` (which never blocks
    the event loop; an async-only provider works there too).
    ``region=None`` reads the region from each request's AWS host name.
    ``clock`` returns the signing time (an aware datetime; default: now).

    Bodies are signed as the module docstring lists: files are hashed in place,
    one-shot streams raise :class:`~sigv4client.NonReplayableBodyError` unless
    ``unsigned_payload=True``.

    Send with :class:`SigV4HttpxClient` or :class:`AsyncSigV4HttpxClient`
    wherever a redirect may come: a plain ``httpx.Client(auth=...,
    follow_redirects=True)`` re-sends the signed headers on every hop and
    removes only ``Authorization`` when the origin changes, so the session
    token goes along to the other origin.

    >>> import httpx
    >>> from sigv4client import Credentials
    >>> from sigv4client.integrations.httpx import SigV4HttpxAuth
    >>> auth = SigV4HttpxAuth(Credentials(access_key_id="AKID", secret_access_key="secret"),
    ...                       region="eu-west-1", service="execute-api")
    >>> client = SigV4HttpxClient(auth=auth)   # or AsyncSigV4HttpxClient(auth=auth)
    >>> client.close()

    What the flow does to a request, with the signing time pinned:

    >>> from datetime import datetime, timezone
    >>> auth = SigV4HttpxAuth(Credentials(access_key_id="AKID", secret_access_key="secret"),
    ...                       clock=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    >>> request = httpx.Request("GET", "https://abc.execute-api.eu-west-1.amazonaws.com/p?q=a+b/c")
    >>> signed = next(auth.sync_auth_flow(request))
    >>> signed.url.query, signed.headers["X-Amz-Date"]
    (b'q=a%20b%2Fc', '20260102T030405Z')
    >>> signed.headers["Authorization"].split(", ")[0]
    'AWS4-HMAC-SHA256 Credential=AKID/20260102/eu-west-1/execute-api/aws4_request'
    """

    # The signature covers the body. The flows below read it themselves (a
    # file is hashed in place) instead of letting httpx load it into memory.
    requires_request_body = True
    #: The headers a signed request carries that must not reach another origin.
    credential_headers = CREDENTIAL_HEADERS

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
            type(self).__name__,
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

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """The sync flow: what a caller driving ``auth_flow`` directly gets."""
        return self.sync_auth_flow(request)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign with a ``get_credentials()`` snapshot and send (``httpx.Client``)."""
        credentials = self._signer.credentials()
        translated = self._translate(request)
        self._apply(request, translated, self._signer.sign(translated, credentials))
        yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """Sign with an ``aget()`` snapshot and send (``httpx.AsyncClient``)."""
        credentials = await self._signer.acredentials()
        translated = self._translate(request)
        result: SigningResult
        if isinstance(translated.body, (bytes, type(None))):
            result = self._signer.sign(translated, credentials)
        else:
            # Hashing a file or a multipart stream reads files: not on the loop.
            result = await asyncio.to_thread(self._signer.sign, translated, credentials)
        self._apply(request, translated, result)
        yield request

    def _translate(self, request: httpx.Request) -> HttpRequest:
        return HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=tuple(request.headers.multi_items()),
            body=None if self._signer.unsigned_payload else _body(request),
        )

    @staticmethod
    def _apply(request: httpx.Request, signed: HttpRequest, result: SigningResult) -> None:
        if result.url != signed.url:
            # The query goes out re-encoded exactly as it was signed. Parsing a
            # URL costs httpx more than signing it: an unchanged one (``signed.url``
            # is ``str(request.url)``) keeps the URL object it was read from.
            request.url = httpx.URL(result.url)
        for name, value in result.headers:
            request.headers[name] = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region={self.region!r}, service={self.service!r})"


def _body(request: httpx.Request) -> Body:
    """What to hash: bytes httpx holds, or the file or re-iterable it will read from."""
    try:
        return request.content  # bytes, text, JSON and forms are read at construction
    except httpx.RequestNotRead:
        pass
    stream = request.stream
    if isinstance(stream, httpx.ByteStream):  # Request(stream=ByteStream(...)): in memory
        return request.read()
    if isinstance(stream, IteratorByteStream):
        # What was passed as content=: the core hashes a seekable file in place and
        # a list of chunks as it is, and refuses an iterator (NonReplayableBodyError).
        content: Body = stream._stream
        return content
    if isinstance(stream, MultipartStream):
        _check_multipart_files(stream)
        return stream  # re-iterable: each pass rewinds the files (FileField.render_data)
    raise NonReplayableBodyError(
        f"the request body is a {type(stream).__name__} (an async iterable, or a custom "
        "stream) that cannot be hashed without consuming it before it is sent. "
        "Pass bytes, a seekable binary file (httpx.Client) or a list of chunks, or sign "
        "with unsigned_payload=True if the service allows it"
    )


def _check_multipart_files(stream: MultipartStream) -> None:
    for field in stream.fields:
        file = getattr(field, "file", None)
        if file is None or isinstance(file, (str, bytes)):
            continue
        try:
            seekable = bool(file.seekable())
        except (AttributeError, OSError, ValueError):
            seekable = False
        if not seekable:
            raise NonReplayableBodyError(
                f"the multipart file for field {getattr(field, 'name', '?')!r} cannot seek "
                "back: hashing it would consume it. Pass a seekable file, or sign with "
                "unsigned_payload=True if the service allows it"
            )


def redirect_guard(response: httpx.Response) -> None:
    """Deprecated: send with :class:`SigV4HttpxClient`, which needs no hook.

    The response hook of 0.1.0, kept working until 0.3.0: it strips every
    credential header from a request that httpx is about to copy for a
    redirect to another origin (the rule of :class:`SigV4HttpxClient`, for one
    hop: it cannot see earlier hops, which the client does).
    """
    warn_renamed(
        "sigv4client.integrations.httpx.redirect_guard",
        "SigV4HttpxClient (or AsyncSigV4HttpxClient), which keeps credentials off "
        "redirects to another origin by itself",
        removed_in="0.3.0",
    )
    _strip_on_foreign_redirect(response)


async def async_redirect_guard(response: httpx.Response) -> None:
    """Deprecated: send with :class:`AsyncSigV4HttpxClient`; :func:`redirect_guard`, async."""
    warn_renamed(
        "sigv4client.integrations.httpx.async_redirect_guard",
        "AsyncSigV4HttpxClient, which keeps credentials off redirects to another origin by itself",
        removed_in="0.3.0",
    )
    _strip_on_foreign_redirect(response)


def _strip_on_foreign_redirect(response: httpx.Response) -> None:
    if not response.has_redirect_location:
        return
    request = response.request
    url = str(request.url)
    if not RedirectChain(url).location_keeps_credentials(url, response.headers["Location"]):
        drop_credentials(request.headers, CREDENTIAL_HEADERS)
