"""An aiohttp client middleware (aiohttp >= 3.12) that signs every request with SigV4.

``ClientSession(middlewares=(SigV4Middleware(...),))``: aiohttp runs session
middlewares once per attempt, so each request it sends is signed afresh,
including those it re-sends to follow a redirect or to retry on a dropped
keep-alive connection, and every call a retry middleware placed before this
one makes. The middleware reads the ``ClientRequest``'s method, URL, headers
and body, signs them as :func:`~sigv4client.sign` signs an
:class:`~sigv4client.HttpRequest` of those parts, and writes the signed URL and
headers back.

How each kind of body (``ClientRequest.body``, an aiohttp payload) is signed:

- bytes, text, JSON, URL-encoded forms (``BytesPayload`` and its subclasses):
  already in memory; hashed.
- a binary file or ``io.BytesIO`` (``BufferedReaderPayload``,
  ``IOBasePayload``, ``BytesIOPayload``): hashed in 1 MiB chunks, in a worker
  thread, from the position aiohttp will send it from, and put back there;
  never read into memory. Replayed payloads (redirects, retries) are hashed
  again from the same start.
- a text file (``TextIOPayload``) and multipart bodies (``FormData`` with
  files, ``MultipartWriter``): read into memory with ``as_bytes()``, which
  aiohttp keeps replayable, and hashed.
- an async iterable or generator (``AsyncIterablePayload``), an unseekable
  file, or a payload already consumed: it can be sent only once:
  :class:`~sigv4client.NonReplayableBodyError`, unless
  ``unsigned_payload=True`` (then no body is ever read).

A session compressing bodies (``compress=``) changes the body after signing:
that needs ``unsigned_payload=True``. A ``Content-Length`` header given with a
body of another length (aiohttp would send only part of it) is an
:class:`~sigv4client.InvalidRequestError`.

Redirects: aiohttp runs the middleware again for each hop it follows. A hop
that stays on the origin (scheme, host and port) of the first request is
signed for its new URL and method; a hop to another origin is sent without
any credential header and unsigned, and so is every later hop of that chain,
even one that comes back. aiohttp hands a middleware each hop as a new
request: :func:`guarded_send` tells a hop from a new call by the per-call
objects aiohttp passes along, and by where a redirect answer the task still
holds (or the last one) points.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import IO, NamedTuple, cast

try:
    import aiohttp
    from aiohttp import hdrs
    from aiohttp import payload as aiohttp_payload
    from aiohttp.client_middlewares import ClientHandlerType
    from multidict import istr
    from yarl import URL
except ImportError as exc:  # pragma: no cover - exercised with sys.modules patched
    raise ImportError(
        "sigv4client.integrations.aiohttp needs aiohttp 3.12 or later, which is not "
        'installed: pip install "sigv4client[aiohttp]"'
    ) from exc

from ..exceptions import InvalidRequestError, NonReplayableBodyError
from ..models import Body, Credentials, SigningConfig, _normalize_headers, _text
from ._common import (
    AdapterSigner,
    AnyCredentialsSource,
    Origin,
    RedirectChain,
    SignedParts,
    drop_credentials,
    origin_of,
    refuse_changed_settings,
)

__all__ = ["SigV4Middleware", "guarded_send"]

_REDIRECTS = frozenset((301, 302, 303, 307, 308))
_BYTES_AS_BYTES = aiohttp_payload.BytesPayload.as_bytes


class _Hop(NamedTuple):
    """The last request a guarded middleware passed on in this task, and what came back.

    Immutable; a tuple because one is made per request (a frozen dataclass
    sets each field through ``object.__setattr__``).
    """

    chain: RedirectChain
    request: weakref.ref[aiohttp.ClientRequest]
    call: object  # the per-call list aiohttp hands every hop of one session.request()
    keeps: bool
    points_to: Origin | None  # where its redirect answer sends the next hop
    target: str | None  # the URL it sends it to, as text (set with points_to)
    answer: weakref.ref[aiohttp.ClientResponse] | None  # None: the attempt raised


# One per task: every hop of one session.request() runs in the caller's task.
# Where a redirect answered by hand points (a new call to there continues its chain).
_LAST_HOP: contextvars.ContextVar[_Hop | None] = contextvars.ContextVar(
    "sigv4client_aiohttp_last_hop", default=None
)
# The last hop of each call, newest first: a request sent between two hops of a
# call (by a middleware before this one, through this or another session) does
# not hide where that call's chain stands. A hop holds its call's list, so the
# identity it is found by is never reused while it is kept.
_CALL_HOPS: contextvars.ContextVar[tuple[_Hop, ...]] = contextvars.ContextVar(
    "sigv4client_aiohttp_call_hops", default=()
)
_MAX_CALL_HOPS = 32  # calls a task has in progress at once: a few
# Past _MAX_CALL_HOPS, a call's hop is forgotten only when forgetting it cannot
# sign what must go bare (see _must_keep); of those kept, the hops of attempts
# that raised (nothing shows whether aiohttp will retry them) are capped here.
_MAX_RAISED_HOPS = 32


# The last URL object _text_of() wrote out, and its text. yarl hands out one
# URL object per URL string (aiohttp builds a request's URL with URL(str) when
# given a string, with or without base_url), so requests to the same URL carry
# the same object, whose text is then a lookup instead of being rebuilt from its
# parts (about a microsecond where a middleware runs, between two round trips).
# A request given params= gets a new URL object each time: the memo misses, at
# the cost of one identity compare. Held strongly, so the identity it
# is found by is never reused while it is kept; one entry, replaced whole.
_last_url: tuple[URL | None, str] = (None, "")


def _text_of(url: URL) -> str:
    """``str(url)``, remembered for the last URL object asked about (immutable)."""
    global _last_url  # one entry, replaced whole: see its comment
    last = _last_url
    if last[0] is url:
        return last[1]
    text = str(url)
    _last_url = (url, text)
    return text


def _redirect_target(url: URL, location: str) -> tuple[Origin | None, str | None]:
    """The origin and URL (text) aiohttp will follow ``location`` to, read as aiohttp reads it."""
    try:
        target = URL(location)
        if not target.absolute or target.host is None:
            target = url.join(target)
        text = str(target)
        return origin_of(text), text
    except ValueError:
        return None, None


async def guarded_send(
    request: aiohttp.ClientRequest,
    handler: ClientHandlerType,
    apply: Callable[[aiohttp.ClientRequest], Awaitable[None]],
    names: tuple[str, ...],
) -> aiohttp.ClientResponse:
    """Pass ``request`` on, with ``apply`` (which adds credentials) only where they may go.

    The redirect rule of :class:`~sigv4client.integrations._common.RedirectChain`,
    for a middleware: a new call starts a chain at its own origin; a hop
    aiohttp follows continues the chain, and once a hop has left the origin
    ``apply`` is not called and the ``names`` headers are removed, with every
    header whose name says it carries a credential. A retry of
    the same request object (a retry middleware before this one) gets the
    same answer as its first attempt. Requests sent between two hops of a call
    (by a middleware before this one, through any session) do not interrupt
    its chain.
    """
    return await _guarded_send(request, handler, lambda r, _url: apply(r), names)


async def _guarded_send(
    request: aiohttp.ClientRequest,
    handler: ClientHandlerType,
    apply: Callable[[aiohttp.ClientRequest, str], Awaitable[None] | None],
    names: tuple[str, ...],
) -> aiohttp.ClientResponse:
    """:func:`guarded_send`, handing ``apply`` the request's URL as text too (read once).

    ``apply`` returns None when it has added the credentials without waiting
    (static credentials, no body to read), or an awaitable that adds them.
    """
    url = _text_of(request.url)
    hops = _CALL_HOPS.get()
    mine = _hop_of(request, hops) if hops else None
    last = _LAST_HOP.get()
    chain: RedirectChain | None = None  # a new call's chain, made if it is remembered
    if mine is None and (last is not None or hops):
        mine = _followed_by_hand(url, last, hops)
    if mine is not None and mine.request() is request:
        chain, keeps = mine.chain, mine.keeps
    elif mine is not None:
        chain = mine.chain
        keeps = chain.keeps_credentials(url)
    else:
        # A new call: the credentials go where it was sent, if that has an origin.
        keeps = origin_of(url) is not None
    if keeps:
        pending = apply(request, url)
        if pending is not None:
            await pending
    else:
        drop_credentials(request.headers, names)
    try:
        response = await handler(request)
    except BaseException:
        # aiohttp retries a dropped keep-alive connection with a new request
        # object to the same URL: that one continues this hop.
        _remember(request, url, chain, keeps, origin_of(url), url, None)
        raise
    if keeps and response.status not in _REDIRECTS:
        # The chain ends here with its credentials: nothing to remember. A retry
        # of this request object starts a chain at its URL and keeps them again,
        # the answer this hop got.
        if _LAST_HOP.get() is not None:
            _LAST_HOP.set(None)
        hops = _CALL_HOPS.get()
        if hops:
            kept = _other_calls(hops, request)
            if len(kept) != len(hops):
                _CALL_HOPS.set(kept)
        return response
    points_to = target = None
    if response.status in _REDIRECTS:
        location = response.headers.get("Location") or response.headers.get("URI")
        if location is not None:
            points_to, target = _redirect_target(request.url, location)
    _remember(request, url, chain, keeps, points_to, target, response)
    return response


def _remember(
    request: aiohttp.ClientRequest,
    url: str,
    chain: RedirectChain | None,
    keeps: bool,
    points_to: Origin | None,
    target: str | None,
    response: aiohttp.ClientResponse | None,
) -> None:
    """Record the hop just sent to ``url`` for the next request of this task.

    The task's record holds the last hop of its last ``_MAX_CALL_HOPS`` calls,
    and of any older call whose next request must go bare while that call may
    still send it: forgotten, such a call's next hop (a middleware before this
    one may send many calls between two hops) would be taken for a new call
    and signed for wherever the chain had gone.
    """
    if chain is None:  # the first hop of its chain
        chain = RedirectChain(url)
        chain.keeps_credentials(url)  # False exactly when ``keeps`` is: records that
    call = getattr(request, "_traces", None)  # one list per session.request() call
    answer = None if response is None else weakref.ref(response)
    hop = _Hop(chain, weakref.ref(request), call, keeps, points_to, target, answer)
    _LAST_HOP.set(hop)
    others = _other_calls(_CALL_HOPS.get(), request)
    if len(others) >= _MAX_CALL_HOPS:  # rare: only past the cap is each older hop weighed
        others = (*others[: _MAX_CALL_HOPS - 1], *_must_keep(others[_MAX_CALL_HOPS - 1 :]))
    _CALL_HOPS.set((hop, *others))


def _must_keep(older: tuple[_Hop, ...]) -> list[_Hop]:
    """The hops of ``older`` whose calls may still send a request that must go bare.

    A call forgotten is taken, at its next request, for a new call: signed if
    that request goes to an origin. That is the answer its hop would give only
    when the hop kept the credentials and its redirect (if any) points home.
    Otherwise the hop is kept while its call can still send: while its
    redirect answer lives (aiohttp holds it in the call's history while it
    follows it; a caller holds it to follow it by hand) or its request does (a
    retry middleware resends that object). An answer that points nowhere (the
    last hop of a chain that left, held by a caller who keeps its responses)
    sends nothing more: only its request keeps it. An attempt that raised leaves
    neither (aiohttp retries a dropped connection with a new request object):
    the last ``_MAX_RAISED_HOPS`` of those are kept.
    """
    kept = []
    raised = 0
    for hop in older:
        if hop.keeps and (hop.points_to is None or hop.points_to == hop.chain.home):
            continue
        if hop.answer is None:
            raised += 1
            if raised <= _MAX_RAISED_HOPS:
                kept.append(hop)
        elif hop.request() is not None or (hop.points_to is not None and hop.answer() is not None):
            kept.append(hop)
    return kept


def _followed_by_hand(url: str, last: _Hop | None, hops: tuple[_Hop, ...]) -> _Hop | None:
    """The hop whose redirect a new call to ``url`` follows by hand, if any.

    A new call to where a redirect answer points continues that answer's
    chain: to the origin the last one points to, or to the very URL any other
    one the caller still holds points to (it may have sent other calls since,
    or a middleware may have). Matching those by origin would leave every new
    call to the user's own API unsigned while the task holds some redirect
    answer, from another origin, that points there.
    """
    origin = origin_of(url)
    if origin is None:
        return None
    if last is not None and last.points_to == origin:
        return last
    for hop in hops:
        if hop.target == url and hop.answer is not None and hop.answer() is not None:
            return hop
    return None


def _other_calls(hops: tuple[_Hop, ...], request: aiohttp.ClientRequest) -> tuple[_Hop, ...]:
    """``hops`` without the one of the call ``request`` belongs to."""
    call = getattr(request, "_traces", None)
    return tuple([hop for hop in hops if not _same_call(hop, request, call)])


def _same_call(hop: _Hop, request: aiohttp.ClientRequest, call: object) -> bool:
    """Whether ``hop`` was sent by the call ``request`` belongs to (or is ``request``)."""
    return hop.request() is request or (call is not None and hop.call is call)


def _hop_of(request: aiohttp.ClientRequest, hops: tuple[_Hop, ...]) -> _Hop | None:
    """The last hop recorded for the call ``request`` belongs to, if any."""
    call = getattr(request, "_traces", None)
    for hop in hops:
        if _same_call(hop, request, call):
            return hop
    return None


class SigV4Middleware:
    """Sign every request of an ``aiohttp.ClientSession`` with SigV4.

    The constructor is that of :class:`sigv4client.SigV4Auth` (the requests
    plugin). ``credentials`` is a :class:`~sigv4client.Credentials` or a
    provider (sync or async): a fresh snapshot is taken for each attempt with
    :func:`sigv4client.credentials.aget`, which never blocks the event loop.
    ``region=None`` reads the region from each request's AWS host name.
    ``clock`` returns the signing time (an aware datetime; default: now).

    Bodies are signed as the module docstring lists: files are hashed in place
    in a worker thread; one-shot streams raise
    :class:`~sigv4client.NonReplayableBodyError` unless ``unsigned_payload=True``.

    >>> import asyncio, aiohttp
    >>> from sigv4client import Credentials
    >>> from sigv4client.integrations.aiohttp import SigV4Middleware
    >>> sigv4 = SigV4Middleware(Credentials(access_key_id="AKID", secret_access_key="secret"),
    ...                         region="eu-west-1", service="execute-api")
    >>> async def main() -> None:
    ...     async with aiohttp.ClientSession(middlewares=(sigv4,)) as session:
    ...         pass  # every session.get(...), session.post(...) is signed
    >>> asyncio.run(main())
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

    def __call__(
        self, request: aiohttp.ClientRequest, handler: ClientHandlerType
    ) -> Coroutine[object, object, aiohttp.ClientResponse]:
        """Sign ``request`` in place and pass it on (aiohttp's middleware protocol).

        A hop that left the origin of its first request is passed on unsigned
        (see :func:`guarded_send`). Returns the coroutine that does it, which
        aiohttp awaits (a middleware is any callable returning an awaitable):
        no coroutine of its own around it, on every request.
        """
        return _guarded_send(request, handler, self._sign, self._signer.credential_headers)

    def _sign(self, request: aiohttp.ClientRequest, url: str) -> Awaitable[None] | None:
        """Sign ``request``, whose URL is ``url``, in place; or return the awaitable that does.

        Most requests need no wait (static credentials, no body or bytes) and
        are signed here; a provider's snapshot or a body to read is awaited.
        """
        body, rewind, unread = self._body(request)
        credentials = self._signer.ready()
        if credentials is None or rewind is not None or unread is not None:
            return self._sign_waiting(request, url, body, rewind, unread)
        _write(request, url, self._signer.sign_parts(*_parts(request, url, body), credentials))
        return None

    async def _sign_waiting(
        self,
        request: aiohttp.ClientRequest,
        url: str,
        body: Body,
        rewind: Callable[[], object] | None,
        unread: aiohttp_payload.Payload | None,
    ) -> None:
        signer = self._signer
        credentials = await signer.acredentials()
        if unread is not None:
            body = await unread.as_bytes()
        parts = _parts(request, url, body)
        if rewind is None:
            signed = signer.sign_parts(*parts, credentials)
        else:
            # Hashing a file reads it: in a worker thread, as aiohttp reads it to send.
            signed = await asyncio.to_thread(self._sign_file, rewind, parts, credentials)
        _write(request, url, signed)

    def _sign_file(
        self, rewind: Callable[[], object], parts: _Parts, credentials: Credentials
    ) -> SignedParts:
        rewind()
        return self._signer.sign_parts(*parts, credentials)

    def _body(
        self, request: aiohttp.ClientRequest
    ) -> tuple[Body, Callable[[], object] | None, aiohttp_payload.Payload | None]:
        """What to hash: a body, a file and the call that puts it at its start, or a payload.

        A payload returned third is read into memory with ``as_bytes()``
        (aiohttp keeps it replayable). Decided without awaiting: most requests
        have no body, or bytes.
        """
        payload = request.body
        if payload == b"":  # no body: nothing to hash, nothing compressed (the common case)
            return payload, None, None
        if self._signer.unsigned_payload:
            return None, None, None
        if request.compress:
            raise InvalidRequestError(
                "the session compresses the body after it is signed (compress=...): sign "
                "with unsigned_payload=True, or compress the body yourself and set "
                "Content-Encoding"
            )
        if not isinstance(payload, aiohttp_payload.Payload):  # the setter makes one of any body
            return payload, None, None
        if payload.consumed:
            raise NonReplayableBodyError(
                f"the request body ({type(payload).__name__}) was already sent and cannot "
                "be read again; pass bytes or a seekable file, or sign with "
                "unsigned_payload=True if the service allows it"
            )
        length = request.headers.get("Content-Length")
        if length is not None:
            # aiohttp keeps a Content-Length given with the body and writes at
            # most that many bytes: the hash of the whole body would not match.
            size = payload.size
            if size is not None and length.isdigit() and int(length) != size:
                raise InvalidRequestError(
                    f"the Content-Length header ({length}) disagrees with the body "
                    f"({size} bytes), which is signed whole: leave the header out "
                    "(aiohttp sets it), or pass exactly the bytes to send"
                )
        if isinstance(payload, aiohttp_payload.BytesPayload):
            # bytes, str, JSON, forms: in memory. BytesPayload.as_bytes() returns
            # ``_value`` (private), which its write() sends: read without awaiting,
            # unless a subclass answers as_bytes() its own way.
            value = getattr(payload, "_value", None)
            if type(value) is bytes and type(payload).as_bytes is _BYTES_AS_BYTES:
                return value, None, None
            return None, None, payload
        if isinstance(payload, aiohttp_payload.AsyncIterablePayload):
            raise NonReplayableBodyError(
                f"the request body is an async iterable ({type(payload).__name__}): hashing "
                "it would consume it before it is sent. Pass bytes or a seekable binary "
                "file, or sign with unsigned_payload=True if the service allows it"
            )
        if isinstance(payload, aiohttp_payload.IOBasePayload) and not isinstance(
            payload, aiohttp_payload.TextIOPayload
        ):
            found = _file_of(payload)
            if found is not None:
                # The core hashes the file from where it stands and puts it back.
                file, rewind = found
                return file, rewind, None
        # Text files, multipart, other payloads: aiohttp reads them into memory
        # and keeps them replayable.
        return None, None, payload

    def __repr__(self) -> str:
        return f"{type(self).__name__}(region={self.region!r}, service={self.service!r})"


_str = str.__str__

# The names of the headers a signature sets, as aiohttp's own constants (istr):
# its case-insensitive multidict takes them without folding their case again.
_HEADER_NAMES = {
    str(name): name
    for name in (
        hdrs.AUTHORIZATION,
        hdrs.HOST,
        istr("X-Amz-Date"),
        istr("X-Amz-Security-Token"),
        istr("X-Amz-Content-SHA256"),
    )
}

#: A request as the core signs it: method, URL, headers, body.
_Parts = tuple[str, str, tuple[tuple[str, str], ...], Body]


def _parts(request: aiohttp.ClientRequest, url: str, body: Body) -> _Parts:
    """``request`` as the core signs it: method, ``url`` (its URL as text), headers, ``body``.

    The method and headers are exact str, as :class:`~sigv4client.HttpRequest`
    keeps them: aiohttp's names are istr (its own str subclass), read as
    their text; a value that is not exactly a str takes :func:`_exact_headers`.
    """
    try:
        pairs = tuple(
            [
                (_str(name), value if type(value) is str else _not_exact(value))
                for name, value in request.headers.items()
            ]
        )
    except _NotExact:
        pairs = _exact_headers(request)
    method = request.method
    if type(method) is not str:
        # Set by a middleware before this one: sent as what is signed, its text.
        method = request.method = _text(method, "the request's method must be a str")
    return method, url, pairs, body


class _NotExact(Exception):
    """A header value that is not exactly a str: :func:`_parts` takes its slow path."""


def _not_exact(value: object) -> str:
    raise _NotExact


def _exact_headers(request: aiohttp.ClientRequest) -> tuple[tuple[str, str], ...]:
    """The headers of ``request``, some of whose values are not exactly str.

    One that is not text at all (aiohttp's multidict takes any object) is an
    ``InvalidRequestError`` naming the header. A str subclass is signed as its
    text, which is written back in its place: aiohttp's C writer sends
    ``str(value)`` for a subclass (an Enum member's name, say), and what is
    sent must be what is signed. Rare: any other request takes :func:`_parts`.
    """
    headers = request.headers
    pairs = _normalize_headers(tuple([(_str(name), value) for name, value in headers.items()]))
    headers.clear()
    headers.extend(pairs)
    return pairs


def _write(request: aiohttp.ClientRequest, url: str, signed: SignedParts) -> None:
    """Put the signed headers and URL on ``request``, whose URL was ``url``."""
    headers_to_set, signed_url = signed
    if signed_url != url:
        # The query re-encoded as it was signed. An unchanged URL is left as it
        # is: the URL object it was read from is the one sent.
        request.url = URL(signed_url, encoded=True)
    headers = request.headers
    names = _HEADER_NAMES
    for name, value in headers_to_set:
        headers[names.get(name, name)] = value


def _file_of(
    payload: aiohttp_payload.IOBasePayload,
) -> tuple[IO[bytes], Callable[[], object]] | None:
    """The file a payload streams from, and the call that seeks it to its start.

    aiohttp keeps the file in ``_value`` and, since 3.12, records where the
    payload starts and seeks back there before each write with
    ``_set_or_restore_start_position()``; the same call puts the file there
    before it is hashed. An unseekable file is marked consumed by that call,
    and the core refuses to hash it. Both are private: without them the
    payload is read with ``as_bytes()`` instead.
    """
    file: object = getattr(payload, "_value", None)
    rewind: object = getattr(payload, "_set_or_restore_start_position", None)
    if not hasattr(file, "read") or not callable(rewind):
        return None
    return cast("IO[bytes]", file), rewind
