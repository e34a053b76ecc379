"""One path from credentials to the wire, shared by every adapter and by SigV4Client.

Each adapter translates its library's request into an
:class:`~sigv4client.models.HttpRequest` and writes the result back; everything
in between lives here, once, for sync and async alike:

- what ``credentials=`` accepts (:func:`~sigv4client.credentials._accept.as_source`)
  and one snapshot per request: :meth:`AdapterSigner.credentials` calls
  ``get_credentials()`` (it may block), :meth:`AdapterSigner.acredentials`
  awaits what :func:`sigv4client.credentials.aget` would (it never blocks the
  event loop), which call being chosen once, at construction;
- the region rule (:func:`region_for`): an explicit region, or the one an AWS
  host name carries, or :class:`~sigv4client.InvalidConfigError` saying how to
  pass it;
- the redirect rule (:class:`RedirectChain`): credentials go to the origin of
  the first request of a chain, and only while every hop stays there; once a
  redirect leaves that origin, no later hop carries them, even back home.

Nothing here imports an HTTP library.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import datetime
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from .._endpoints import infer_region
from ..credentials import CredentialsProvider
from ..credentials._accept import AcceptedCredentials, as_source
from ..credentials._base import aget_call
from ..credentials._refreshing import RefreshingCredentialsProvider
from ..exceptions import InvalidConfigError, InvalidCredentialsError
from ..models import (
    Body,
    Credentials,
    HttpRequest,
    SigningConfig,
    SigningResult,
    is_credential_header,
)
from ..signing import _sign_parts, sign

__all__ = [
    "CREDENTIAL_HEADERS",
    "AdapterSigner",
    "AnyCredentialsSource",
    "Origin",
    "RedirectChain",
    "drop_credentials",
    "drop_headers",
    "host_of",
    "origin_of",
    "refuse_changed_settings",
    "region_for",
]

#: What every ``credentials=`` accepts: a value, a provider (sync or async),
#: or a boto3/botocore session or credentials object.
AnyCredentialsSource = AcceptedCredentials

#: Headers that carry a signature or a credential: none of them may follow a
#: request to another origin.
CREDENTIAL_HEADERS = (
    "Authorization",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-SHA256",
)

#: An origin (RFC 6454): scheme, host and port, lowercased, the port made explicit.
Origin = tuple[str, str, int]

# WebSocket URLs have origins too (RFC 6455 4.1): aiohttp's ws_connect() sends
# its handshake through the session's middlewares, and API Gateway checks its signature.
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_MAX_REGIONS = 64  # configs cached per inferred region: a few regions in practice


def _ambiguous(text: str) -> bool:
    r"""Whether ``text`` holds a character that URL parsers split differently.

    A backslash ends the authority for WHATWG and urllib3 but not for
    urllib.parse; whitespace and controls are dropped by some and kept by
    others; non-ASCII is read differently too. A Location holding one is never
    trusted to stay home. The set is the regular expression
    ``[\\\s\x00-\x1f\x7f]|[^\x00-\x7f]``, spelled with str methods that scan
    in C without a regex search (every signed request asks, three times
    faster): for ASCII, ``isprintable()`` is false exactly for ``\x00-\x1f``
    and ``\x7f``, and the only other whitespace there is the space.
    tests/test_ambiguous_chars.py holds the two to agree on every code point.
    """
    return not (text.isascii() and text.isprintable() and " " not in text and "\\" not in text)


def host_of(url: str) -> str:
    """The ``host[:port]`` of ``url``, as the region inference reads it; never its userinfo.

    It names the host in an error message: userinfo may hold a password.

    >>> host_of("https://abc.execute-api.eu-west-1.amazonaws.com/prod?x=1")
    'abc.execute-api.eu-west-1.amazonaws.com'
    >>> host_of("http://alice:pw@127.0.0.1:8080/")
    '127.0.0.1:8080'
    """
    authority = url.partition("://")[2].partition("/")[0].partition("?")[0].partition("#")[0]
    return authority.rpartition("@")[2]


def region_for(region: str | None, url: str, how: str) -> str:
    """The region rule, the same everywhere: explicit, or read from an AWS host, or an error.

    ``how`` tells the caller how to pass a region where the error is raised
    (``"pass region='...' to SigV4Auth"``, ``"pass --region"``).

    >>> region_for(None, "https://abc.execute-api.eu-west-1.amazonaws.com/prod", "pass region=")
    'eu-west-1'
    >>> region_for("us-west-2", "http://127.0.0.1:8080/", "pass region=")
    'us-west-2'
    >>> region_for(None, "http://127.0.0.1:8080/", "pass region='...' to SigV4Client")
    Traceback (most recent call last):
    ...
    sigv4client.exceptions.InvalidConfigError: cannot tell the AWS region from host \
'127.0.0.1:8080', which is not an AWS endpoint host name; pass region='...' to SigV4Client
    """
    if region is not None:
        return region
    host = host_of(url)
    found = infer_region(host)
    if found is None:
        raise InvalidConfigError(
            f"cannot tell the AWS region from host {host!r}, which is not an AWS endpoint "
            f"host name; {how}"
        )
    return found


def origin_of(url: str) -> Origin | None:
    """The origin of an absolute http(s) or ws(s) URL; ``None`` for anything else.

    >>> origin_of("HTTPS://User:pw@Example.COM/a?b")
    ('https', 'example.com', 443)
    >>> origin_of("http://127.0.0.1:8080@evil.test/") == origin_of("http://evil.test/")
    True
    >>> origin_of("/relative") is None
    True
    """
    global _last_origin  # one entry, replaced whole: see its comment
    last = _last_origin
    if type(url) is not str:
        # A subclass may compare equal to what it is not, and its __str__ may show
        # another URL: its own text, as a plain str, bypassing the memo.
        return _origin_of(str.__str__(url))
    if last[0] == url:
        return last[1]
    origin = _origin_of(url)
    _last_origin = (url, origin)
    return origin


def _origin_of(url: str) -> Origin | None:
    # Every request of every adapter asks this once or twice, and real traffic
    # sends many paths to few origins: the answer is memoized per
    # "scheme://authority", cut where urlsplit cuts it: up to the first '/',
    # '?' or '#' after "://". urlsplit's scheme ends at the URL's first ':',
    # which is at or before that "://", and its netloc ends at the first '/',
    # '?' or '#' after it: both lie in the cut, so urlsplit reads the cut as it
    # reads the URL (tests/test_origin_memo.py holds it to that). A URL holding
    # what urlsplit strips or removes before it splits (leading spaces and
    # controls, tabs, newlines) or checks (non-ASCII) is parsed whole, uncached.
    start = url.find("://")
    if start <= 0 or _ambiguous(url):
        return _parse_origin(url)
    end = len(url)
    for delimiter in "/?#":
        i = url.find(delimiter, start + 3, end)
        if i != -1:
            end = i
    return _origin_of_authority(url[:end])


# The last URL origin_of() was asked about, and its answer: a client sends most
# of its requests to the URL it sent the last one to (an adapter asks twice per
# request, and a guarded middleware once more), and a string compared equal is a
# plain compare, where the memo below hashes the URL's cut. One entry, replaced
# whole (atomic under the GIL); the answer depends on the string alone.
_last_origin: tuple[str, Origin | None] = ("", None)


def _parse_origin(url: str) -> Origin | None:
    # origin_of by the standard library's parser, uncached: the definition.
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:  # a port that is not a number, a bad IPv6 literal
        return None
    if scheme not in _DEFAULT_PORTS or not host or port is None:
        return None
    return scheme, host.lower(), port


# Bounded, keyed on the whole "scheme://authority" string: everything its answer
# depends on. A client talks to a few origins.
_origin_of_authority = lru_cache(maxsize=64)(_parse_origin)


def drop_headers(headers: MutableMapping[str, str], names: Iterable[str]) -> None:
    """Remove every value of each header in ``names`` (case-insensitive mappings)."""
    for name in names:
        while name in headers:
            del headers[name]


def drop_credentials(headers: MutableMapping[str, str], names: Iterable[str]) -> None:
    """Strip a hop that leaves its chain's origin: ``names``, and every credential header.

    ``names`` are the headers the auth wrote; the others are those a caller set
    by hand whose name says they carry a credential (an ``X-Api-Key``, an
    ``X-Auth-Token``, a ``Cookie``: :func:`~sigv4client.models.is_credential_header`).
    """
    drop_headers(headers, (*names, *[n for n in headers if is_credential_header(n)]))


class RedirectChain:
    """The redirect rule, for the hops of one request: where credentials may go.

    Credentials go to the origin of the first request, and only while every
    hop stays there; a hop to another origin (another scheme, host or port)
    carries none, and neither does any later hop, even one that comes back: the
    other origin chose where it points.

    >>> chain = RedirectChain("https://api.example.com/a")
    >>> chain.keeps_credentials("https://api.example.com/b")
    True
    >>> chain.keeps_credentials("http://api.example.com/b")  # https -> http: another origin
    False
    >>> chain.keeps_credentials("https://api.example.com/c")  # it left once: never again
    False
    """

    __slots__ = ("_home", "_url", "left")

    def __init__(self, url: str) -> None:
        # The origin is parsed on the first redirect: most requests have none.
        self._url = url
        self._home: Origin | None = None
        self.left = False

    @property
    def home(self) -> Origin | None:
        """The origin of the first request (None if it has none: then nothing stays home)."""
        if self._home is None:
            self._home = origin_of(self._url)
        return self._home

    def keeps_credentials(self, url: str) -> bool:
        """Whether the hop to ``url`` (absolute) may carry credentials; records a departure."""
        home = self.home
        # The first request's own URL is home by definition: no second parse.
        if not self.left and home is not None and (url == self._url or origin_of(url) == home):
            return True
        self.left = True
        return False

    def location_keeps_credentials(self, base_url: str, location: str) -> bool:
        """:meth:`keeps_credentials` for a raw ``Location`` read against ``base_url``.

        Used where the library's own resolved URL cannot be seen before the hop
        is built: a Location that parsers could read differently counts as
        leaving.
        """
        if _ambiguous(location):
            self.left = True
            return False
        return self.keeps_credentials(urljoin(base_url, location))


#: What an adapter writes back on its library's request after signing it: every
#: header to set (Authorization among them), and the URL as signed (its query
#: re-encoded; sent instead of the request's when it differs).
SignedParts = tuple[tuple[tuple[str, str], ...], str]


def _headers_and_url(headers: tuple[tuple[str, str], ...], url: str, *_rest: str) -> SignedParts:
    """The ``build`` of :func:`~sigv4client.signing._sign_parts` for an adapter."""
    return headers, url


#: The settings of an adapter its :class:`AdapterSigner` is built from; a class
#: using :func:`refuse_changed_settings` may name others as ``_FIXED_SETTINGS``.
_FIXED_SETTINGS = frozenset({"credentials", "region", "service"})


def refuse_changed_settings(self: object, name: str, value: object) -> None:
    """A signing object's ``__setattr__``: the settings its signer is built from are fixed once set.

    Those are ``credentials``, ``region`` and ``service`` (an adapter), or the
    class's own ``_FIXED_SETTINGS`` (:class:`~sigv4client.SigV4Client`). Assigned
    later, a value would show on the object (and in its repr) while requests
    were still signed with the old one. Assigning one raises
    :class:`~sigv4client.InvalidConfigError` instead (the value is not shown:
    it may be a key). A function, not a base class: the adapters' public bases
    stay those of their HTTP library.
    """
    fixed = getattr(type(self), "_FIXED_SETTINGS", _FIXED_SETTINGS)
    if name in fixed and name in self.__dict__:
        kind = type(self).__name__
        raise InvalidConfigError(
            f"{kind}.{name} cannot be changed after it is built: its signer keeps the "
            f"settings it was made with; create another {kind}(...), or pass "
            "credentials= a provider for keys that change"
        )
    object.__setattr__(self, name, value)


class AdapterSigner:
    """The signing settings of one adapter (or client) instance, and the calls they need.

    Built from the constructor arguments every adapter shares (those of
    :class:`sigv4client.SigV4Auth`); validates them at construction.
    ``owner`` names the adapter class in error messages; ``sync_only`` refuses,
    at construction, a provider that has only ``aget_credentials()``.
    """

    __slots__ = (
        "_async",
        "_clock",
        "_configs",
        "_fixed_region",
        "_owner",
        "_refreshing",
        "_static",
        "_sync",
        "_template",
        "source",
    )

    #: The headers a signed request carries that must not reach another origin.
    credential_headers = CREDENTIAL_HEADERS

    def __init__(
        self,
        owner: str,
        credentials: object,
        region: str | None,
        service: str,
        *,
        config: SigningConfig | None,
        clock: Callable[[], datetime] | None,
        unsigned_payload: bool,
        content_sha256_header: bool,
        sign_session_token: bool,
        sync_only: bool = False,
    ) -> None:
        source = as_source(credentials, owner)
        if sync_only and not isinstance(source, (Credentials, CredentialsProvider)):
            raise InvalidCredentialsError(
                f"{owner} sends synchronously, but {type(source).__name__} has only "
                "aget_credentials(): give it a provider with get_credentials()"
            )
        if clock is not None and not callable(clock):
            raise InvalidConfigError(f"clock must be a callable, got {type(clock).__name__}")
        self._owner = owner
        self.source = source
        # How a snapshot is taken is decided here, once: isinstance() against a
        # runtime Protocol costs ~6 us, more than signing, and every request asks.
        self._sync: Credentials | CredentialsProvider | None
        self._async: Callable[[], Awaitable[Credentials]] | None = None  # None: a value
        self._static: Credentials | None = None
        # A RefreshingCredentialsProvider, whose snapshot is taken without waiting
        # when no refresh is due (exactly that class: a subclass may change what
        # it returns).
        self._refreshing: RefreshingCredentialsProvider | None = None
        if isinstance(source, Credentials):
            self._sync = self._static = source
        else:
            self._sync = source if isinstance(source, CredentialsProvider) else None
            self._async = aget_call(source)
            if type(source) is RefreshingCredentialsProvider:
                self._refreshing = source
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
                # A placeholder until a host names one; a region given is checked here.
                region="us-east-1" if region is None else region,
                service=service,
                unsigned_payload=unsigned_payload,
                content_sha256_header=content_sha256_header,
                sign_session_token=sign_session_token,
            )
            self._fixed_region = region is not None
        self._configs: dict[str, SigningConfig] = {}

    @property
    def region(self) -> str | None:
        """The region every request is signed for, or None when each host names its own."""
        return self._template.region if self._fixed_region else None

    @property
    def service(self) -> str:
        """The service name of the scope."""
        return self._template.service

    @property
    def unsigned_payload(self) -> bool:
        """Whether the body is left out of the signature (then it is never read)."""
        return self._template.unsigned_payload

    def config_for(self, url: str) -> SigningConfig:
        """The signing config for a request to ``url``: its region by :func:`region_for`."""
        if self._fixed_region:
            return self._template
        region = region_for(None, url, f"pass region='...' to {self._owner}")
        config = self._configs.get(region)
        if config is None:
            if len(self._configs) >= _MAX_REGIONS:
                self._configs.clear()
            config = self._configs[region] = dataclasses.replace(self._template, region=region)
        return config

    def sign(
        self, request: HttpRequest, credentials: Credentials, *, now: datetime | None = None
    ) -> SigningResult:
        """Sign ``request`` (pure, except for reading a file body to hash it)."""
        config = self.config_for(request.url)
        if now is None and self._clock is not None:
            now = self._clock()
        return sign(request, credentials, config, now=now)

    def sign_parts(
        self,
        method: str,
        url: str,
        headers: tuple[tuple[str, str], ...],
        body: Body,
        credentials: Credentials,
    ) -> SignedParts:
        """:meth:`sign` of the request with these parts: its signed headers and URL.

        For an adapter that writes back only those: no :class:`HttpRequest` or
        :class:`SigningResult` is built. The caller checks ``headers`` as
        :class:`HttpRequest` does (str pairs).
        """
        config = self.config_for(url)
        now = None if self._clock is None else self._clock()
        return _sign_parts(method, url, headers, body, credentials, config, now, _headers_and_url)

    def credentials(self) -> Credentials:
        """One snapshot for a sync client: the value itself, or ``get_credentials()``."""
        sync = self._sync
        if isinstance(sync, Credentials):
            return sync
        if sync is None:
            raise InvalidCredentialsError(
                f"{type(self.source).__name__} has only aget_credentials(): use it with an "
                f"async client, or give {self._owner} a provider with get_credentials()"
            )
        return _checked(sync.get_credentials(), sync)

    def ready(self) -> Credentials | None:
        """A snapshot taken without waiting, or None: then await :meth:`acredentials`.

        The value itself, or a refreshing provider's credentials while no
        refresh is due: what an async client signs with without suspending.
        """
        if self._static is not None:
            return self._static
        refreshing = self._refreshing
        # An aget_credentials() set on the instance (a proxy, a test double)
        # replaces the class's, which _current() answers for: it is awaited.
        if refreshing is None or "aget_credentials" in refreshing.__dict__:
            return None
        return refreshing._current()

    async def acredentials(self) -> Credentials:
        """One snapshot for an async client, without blocking the event loop."""
        ready = self.ready()
        if ready is not None:
            return ready
        take = self._async
        assert take is not None  # a value: ready() returned it
        return _checked(await take(), self.source)


def _checked(creds: object, source: object) -> Credentials:
    if not isinstance(creds, Credentials):
        raise InvalidCredentialsError(
            f"{type(source).__name__} returned {type(creds).__module__}."
            f"{type(creds).__qualname__}, not sigv4client.Credentials"
        )
    return creds
