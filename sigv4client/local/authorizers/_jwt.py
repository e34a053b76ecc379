"""What the JWT-reading authorizers share: the issuer's keys, one token decode, time claims.

Used by :class:`~sigv4client.local.authorizers.CognitoAuthorizer` (REST APIs)
and :class:`~sigv4client.local.authorizers.JwtAuthorizer` (HTTP APIs). Needs
``joserfc`` (the ``local`` extra).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Literal

from ._base import configuration_error, unauthorized

__all__ = [
    "KeyCache",
    "TimeVerdict",
    "check_times",
    "decode",
    "new_key_cache",
    "number",
    "require_joserfc",
]

#: What the time claims say of a token: usable, expired, or not (yet) valid.
TimeVerdict = Literal["ok", "expired", "invalid"]


def require_joserfc(what: str) -> None:
    """Fail now, with the fix, when ``joserfc`` is missing."""
    try:
        import joserfc  # noqa: F401  # checked now, used per request
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            f'{what} verifies JWTs with joserfc: pip install "sigv4client[local]"'
        ) from exc


class KeyCache:
    """The pool's JWKS, fetched on first use and again (at most every 30 s) for a new ``kid``."""

    def __init__(self, url: str, timeout: float, clock: Callable[[], float]) -> None:
        self.url = url
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: object = None  # a joserfc KeySet, once fetched
        self._kids: frozenset[str] = frozenset()
        self._fetched_at: float | None = None

    def get(self, kid: str | None) -> object:
        from joserfc.jwk import KeySet

        with self._lock:
            stale = kid is not None and kid not in self._kids
            recent = self._fetched_at is not None and self._clock() - self._fetched_at < 30
            if self._keys is None or (stale and not recent):
                # http(s) only: checked at construction.
                with urllib.request.urlopen(self.url, timeout=self._timeout) as answer:  # noqa: S310
                    data = json.loads(answer.read())
                keys = KeySet.import_key_set(data)
                self._keys = keys
                self._kids = frozenset(k.kid for k in keys.keys if k.kid)
                self._fetched_at = self._clock()
            return self._keys


#: Seconds an ``iat`` may lie ahead of the clock (clock drift between issuer and us).
_IAT_LEEWAY = 60.0


def number(value: object) -> float | None:
    """A JSON number claim as a float; None for anything else (a bool, a string...)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def new_key_cache(url: str, timeout: float) -> KeyCache:
    """A :class:`KeyCache` on the monotonic clock."""
    return KeyCache(url, timeout, time.monotonic)


def decode(token: str, keys: KeyCache) -> dict[str, object]:
    """The claims of ``token`` if an RS256 key of ``keys`` signed it; else a 401 refusal.

    A ``Bearer`` prefix is dropped. Keys that cannot be fetched are a 500
    (API Gateway's answer to its own internal failures), never a verdict.
    """
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jws import extract_compact

    token = token.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise unauthorized()
    try:
        header = extract_compact(token.encode()).headers()
    except (JoseError, ValueError):
        raise unauthorized() from None
    if not isinstance(header, Mapping) or header.get("alg") != "RS256":
        raise unauthorized()  # "none", HS256 with a public key...: refused before any fetch
    kid = header.get("kid")
    try:
        key_set = keys.get(kid if isinstance(kid, str) else None)
    except (OSError, ValueError, JoseError):
        raise configuration_error() from None
    try:
        decoded = jwt.decode(token, key_set, algorithms=["RS256"])  # type: ignore[arg-type]  # a KeySet
    except (JoseError, ValueError):
        raise unauthorized() from None
    return dict(decoded.claims)


def check_times(claims: Mapping[str, object], now: float) -> TimeVerdict:
    """``exp`` (required), ``nbf`` and ``iat`` against ``now`` (epoch seconds)."""
    exp = number(claims.get("exp"))
    if exp is None:
        return "invalid"
    if now >= exp:
        return "expired"
    # RFC 7519 4.1.5: "MUST NOT be accepted for processing" before nbf.
    nbf = claims.get("nbf")
    if nbf is not None and ((when := number(nbf)) is None or when > now):
        return "invalid"
    # A token issued in the future (past the clock leeway) was not issued by this issuer.
    iat = claims.get("iat")
    if iat is not None and ((when := number(iat)) is None or when > now + _IAT_LEEWAY):
        return "invalid"
    return "ok"
