"""SRP-6a as Amazon Cognito user pools run it (the ``USER_SRP_AUTH`` flow).

Pure functions: no clock, no randomness, no I/O. The random exponent ``a`` and
the time of the claim are arguments; :func:`new_ephemeral` and
:func:`utc_now` are the thin defaults a caller may use.

One login, in the spec's names (RFC 2945, RFC 5054; ``|`` is concatenation,
``H`` is SHA-256, ``pad`` is :func:`pad_hex` as bytes)::

    client  a random, A = g^a % N              InitiateAuth(SRP_A = hex(A))
    server  SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP   (challenge PASSWORD_VERIFIER)
    client  u = H(pad(A) | pad(B))                       (refuse u == 0, B % N == 0)
            x = H(pad(salt) | H(pool_name | user_id_for_srp | ":" | password))
            S = (B - k * g^x) ^ (a + u * x) % N
            key = HKDF-SHA256(ikm=pad(S), salt=pad(u), info="Caldera Derived Key")[:16]
            signature = base64(HMAC-SHA256(key, pool_name | user_id_for_srp
                                                | secret_block | timestamp))
                                           RespondToAuthChallenge(PASSWORD_CLAIM_SIGNATURE, ...)

``pool_name`` is the part of the user pool id after the underscore
(``us-east-1_AbC123`` gives ``AbC123``). A worked example:

>>> from datetime import datetime, timezone
>>> format_timestamp(datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc))
'Tue Mar 3 09:05:07 UTC 2026'
>>> secret_hash("alice", "client-id", "client-secret")
'qROqM+PMKX09MK8ulDVm8LCWdCRqQQEUG9HcF+N7/S4='
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..exceptions import ChallengeError, InvalidInputError, NaiveDatetimeError

__all__ = [
    "G",
    "INFO_BITS",
    "K",
    "N",
    "N_HEX",
    "PasswordClaim",
    "PasswordVerifierParams",
    "SrpEphemeral",
    "compute_device_claim",
    "compute_password_claim",
    "compute_premaster_secret",
    "compute_u",
    "compute_x",
    "device_secret_verifier",
    "format_timestamp",
    "hkdf_caldera",
    "new_device_password",
    "new_ephemeral",
    "pad_hex",
    "password_authentication_key",
    "password_claim_signature",
    "pool_name",
    "secret_hash",
    "utc_now",
]

#: The 3072-bit MODP prime of RFC 3526 section 4, which RFC 5054 appendix A
#: reuses as its 3072-bit SRP group and Cognito uses for every user pool:
#: ``N = 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 * pi) + 1690314)``
#: (the test suite recomputes it from this formula).
N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
#: The group prime as an integer.
N = int(N_HEX, 16)
#: The group generator (RFC 5054: g = 2 for the 3072-bit group).
G = 2
#: The HKDF ``info`` string every Cognito SDK uses.
INFO_BITS = b"Caldera Derived Key"

# Cognito's English names, indexed by datetime.weekday() and month - 1. Spelled
# out because strftime("%a %b") follows the process locale (LC_TIME), and a
# "Di Mär" timestamp makes Cognito refuse an otherwise correct signature.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# At least 256 bits of entropy for the private exponent; the Cognito SDKs draw
# 128 bytes, and so does new_ephemeral().
_MIN_RANDOM_BYTES = 32
_DEFAULT_RANDOM_BYTES = 128


def _pad(value: int) -> bytes:
    # Java's BigInteger.toByteArray() for a non-negative number, which is what
    # the Cognito server hashes: big-endian, shortest form, and one leading zero
    # byte when the top bit is set (so the number does not read as negative).
    # bit_length() // 8 + 1 gives exactly that length, and one zero byte for 0.
    return value.to_bytes(value.bit_length() // 8 + 1, "big")


def _hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _to_int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def pad_hex(value: int) -> str:
    """Cognito's hex form of a non-negative integer for hashing.

    Even length, and a leading ``00`` when the first digit is 8-f (the high bit
    is set), as in every Cognito SDK.

    >>> pad_hex(0x7F), pad_hex(0x80), pad_hex(0xABC)
    ('7f', '0080', '0abc')
    """
    if value < 0:
        raise InvalidInputError("pad_hex takes a non-negative integer")
    return _pad(value).hex()


#: The SRP-6a multiplier ``k = H(pad(N) | pad(g))`` (RFC 5054 section 2.5.3,
#: with Cognito's padding: ``pad(g)`` is the single byte 0x02, not g padded to N).
K = _to_int(_hash(_pad(N) + _pad(G)))


def pool_name(user_pool_id: str) -> str:
    """The part of a user pool id after the underscore, which SRP hashes.

    >>> pool_name("us-east-1_AbC123")
    'AbC123'
    """
    region, sep, name = user_pool_id.partition("_")
    if not sep or not region or not name:
        raise InvalidInputError(
            f"user pool id {user_pool_id!r} is not of the form '<region>_<id>', "
            "e.g. 'us-east-1_AbC123'"
        )
    return name


def secret_hash(username: str, client_id: str, client_secret: str) -> str:
    """The ``SECRET_HASH`` Cognito requires when the app client has a secret.

    ``base64(HMAC-SHA256(key=client_secret, msg=username | client_id))``; the
    username is the one sent in the same call (see the module docs of
    :mod:`sigv4client.cognito.user` for which one to use on refresh).
    """
    digest = hmac.new(
        client_secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC (the default clock)."""
    return datetime.now(timezone.utc)


def format_timestamp(now: datetime) -> str:
    """Cognito's claim timestamp, Java's ``EEE MMM d HH:mm:ss z yyyy`` in UTC.

    English day and month names whatever the locale; the day of the month is
    not padded (``Mar 3``), hours, minutes and seconds are.

    >>> from datetime import datetime, timedelta, timezone
    >>> format_timestamp(datetime(2026, 3, 3, 10, 5, 7, tzinfo=timezone(timedelta(hours=1))))
    'Tue Mar 3 09:05:07 UTC 2026'
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise NaiveDatetimeError(
            "the SRP timestamp needs an aware datetime, e.g. datetime.now(timezone.utc)"
        )
    utc = now.astimezone(timezone.utc)
    return (
        f"{_WEEKDAYS[utc.weekday()]} {_MONTHS[utc.month - 1]} {utc.day} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} UTC {utc.year}"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SrpEphemeral:
    """The client's one-time SRP values: the secret exponent ``a`` and ``A = g^a % N``.

    Make one per login with :func:`new_ephemeral` (or
    :meth:`from_random_bytes` to pin ``a`` in a test); ``a`` stays out of ``repr``.
    """

    a: int = field(repr=False)
    big_a: int = field(repr=False)

    @classmethod
    def from_random_bytes(cls, random_bytes: bytes) -> SrpEphemeral:
        """Derive ``a`` from at least 32 random bytes (``a = int(bytes) % N``)."""
        if len(random_bytes) < _MIN_RANDOM_BYTES:
            raise InvalidInputError(
                f"the SRP exponent needs at least {_MIN_RANDOM_BYTES} random bytes, "
                f"got {len(random_bytes)}"
            )
        return cls.from_exponent(_to_int(random_bytes) % N)

    @classmethod
    def from_exponent(cls, a: int) -> SrpEphemeral:
        """Use ``a`` as given (1 <= a < N); for tests and interoperability checks."""
        # a == 0 would send A = 1 and make S guessable. (RFC 5054 2.5.4's
        # A % N != 0 holds for every a: N is prime, so g^a % N is never 0.)
        if not 0 < a < N:
            raise InvalidInputError("the SRP exponent a must satisfy 0 < a < N")
        return cls(a=a, big_a=pow(G, a, N))

    @property
    def srp_a(self) -> str:
        """``A`` as the ``SRP_A`` auth parameter: lowercase hex, unpadded."""
        return format(self.big_a, "x")


def new_ephemeral(rng: Callable[[int], bytes] = secrets.token_bytes) -> SrpEphemeral:
    """A fresh :class:`SrpEphemeral` from ``rng(128)`` (default: :func:`secrets.token_bytes`)."""
    return SrpEphemeral.from_random_bytes(rng(_DEFAULT_RANDOM_BYTES))


def compute_u(big_a: int, big_b: int) -> int:
    """The scrambling parameter ``u = H(pad(A) | pad(B))``.

    Raises :class:`ChallengeError` for ``u == 0`` (RFC 5054 2.6: abort).
    """
    u = _to_int(_hash(_pad(big_a) + _pad(big_b)))
    if u == 0:
        raise ChallengeError("the SRP exchange produced u = 0; refusing it (log in again)")
    return u


def compute_x(*, pool_name: str, user_id_for_srp: str, password: str, salt: int) -> int:
    """The private key ``x = H(pad(salt) | H(pool_name | user_id_for_srp | ":" | password))``."""
    inner = _hash(f"{pool_name}{user_id_for_srp}:{password}".encode())
    return _to_int(_hash(_pad(salt) + inner))


def compute_premaster_secret(*, ephemeral: SrpEphemeral, big_b: int, x: int, u: int) -> int:
    """The shared secret ``S = (B - k * g^x) ^ (a + u * x) % N``."""
    base = (big_b - K * pow(G, x, N)) % N
    return pow(base, ephemeral.a + u * x, N)


def hkdf_caldera(ikm: bytes, salt: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) with info ``"Caldera Derived Key"``, first 16 bytes.

    One expand round is enough: 16 bytes are less than one SHA-256 block, so
    ``T(1) = HMAC(PRK, info | 0x01)`` truncated is the whole output.
    """
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, INFO_BITS + b"\x01", hashlib.sha256).digest()[:16]


def _check_big_b(big_b: int) -> None:
    # RFC 5054 2.5.4: the client must abort if B % N == 0, else a server (or a
    # man in the middle) could force S to a known value.
    if big_b % N == 0:
        raise ChallengeError(
            "Cognito sent an SRP_B that is 0 modulo N; refusing it (a broken or "
            "impersonated server)"
        )


def password_authentication_key(
    *,
    pool_name: str,
    user_id_for_srp: str,
    password: str,
    salt: int,
    big_b: int,
    ephemeral: SrpEphemeral,
) -> bytes:
    """The 16-byte key that signs the password claim (HKDF of ``S`` salted by ``u``)."""
    _check_big_b(big_b)
    u = compute_u(ephemeral.big_a, big_b)
    x = compute_x(
        pool_name=pool_name, user_id_for_srp=user_id_for_srp, password=password, salt=salt
    )
    s = compute_premaster_secret(ephemeral=ephemeral, big_b=big_b, x=x, u=u)
    return hkdf_caldera(_pad(s), _pad(u))


def password_claim_signature(
    *, key: bytes, pool_name: str, user_id_for_srp: str, secret_block: bytes, timestamp: str
) -> str:
    """``PASSWORD_CLAIM_SIGNATURE``: base64 HMAC-SHA256 over the claim, keyed by ``key``."""
    message = pool_name.encode() + user_id_for_srp.encode() + secret_block + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii")


# Exactly what Java's BigInteger(s, 16) on Cognito's side reads as a
# non-negative number: ASCII hex digits, nothing else. int(s, 16) alone would
# also take a sign ("-1", which breaks the padding with OverflowError), a "0x"
# prefix, "_" separators, spaces and non-ASCII digits (full-width ones).
_HEX = re.compile(r"[0-9a-fA-F]+")


def _parse_hex(name: str, value: object) -> int:
    # Every hex value a server sends goes through here. The message names the
    # field and what was expected, never the value: a server value may be
    # secret, and a hostile one may be huge.
    if not isinstance(value, str) or _HEX.fullmatch(value) is None:
        got = (
            f"{len(value)} characters, not all of them hex digits"
            if isinstance(value, str)
            else f"a {type(value).__name__}"
        )
        raise ChallengeError(
            f"Cognito's PASSWORD_VERIFIER challenge has a {name} that is not hexadecimal "
            f"(expected only the digits 0-9, a-f and A-F; got {got}); the server, "
            "or something between it and you, is broken: log in again, and check "
            "the Cognito endpoint if it persists"
        )
    return int(value, 16)


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordVerifierParams:
    """The server's half of the exchange, from the ``PASSWORD_VERIFIER`` challenge.

    ``salt`` and ``srp_b`` are the hex strings Cognito sent, ``secret_block`` is
    the base64 text to sign and echo back, ``username`` Cognito's name for the
    user (what later challenge answers carry as ``USERNAME``).
    """

    user_id_for_srp: str
    username: str
    salt: str
    srp_b: str = field(repr=False)
    secret_block: str = field(repr=False)

    @classmethod
    def from_challenge_parameters(
        cls, parameters: Mapping[str, str], *, username: str
    ) -> PasswordVerifierParams:
        """Read ``ChallengeParameters``; ``username`` is used when Cognito sends none."""
        missing = [k for k in ("SALT", "SRP_B", "SECRET_BLOCK") if not parameters.get(k)]
        if missing:
            raise ChallengeError(
                f"Cognito's PASSWORD_VERIFIER challenge lacks {', '.join(missing)}"
            )
        user_id = parameters.get("USER_ID_FOR_SRP") or parameters.get("USERNAME") or username
        return cls(
            user_id_for_srp=user_id,
            username=parameters.get("USERNAME") or username,
            salt=parameters["SALT"],
            srp_b=parameters["SRP_B"],
            secret_block=parameters["SECRET_BLOCK"],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordClaim:
    """What answers ``PASSWORD_VERIFIER``: the timestamp, the echoed block, the signature."""

    timestamp: str
    secret_block: str = field(repr=False)
    signature: str = field(repr=False)


def compute_password_claim(
    *,
    user_pool_id: str,
    params: PasswordVerifierParams,
    password: str,
    ephemeral: SrpEphemeral,
    now: datetime,
) -> PasswordClaim:
    """Answer a ``PASSWORD_VERIFIER`` challenge: the recipe over the functions above.

    ``now`` is the claim time (aware); the signature covers its formatted form.
    Raises :class:`ChallengeError` when the server's values are malformed or
    unsafe (``B % N == 0``, ``u == 0``).
    """
    return _claim(
        name=pool_name(user_pool_id),
        user_id=params.user_id_for_srp,
        params=params,
        password=password,
        ephemeral=ephemeral,
        now=now,
    )


def compute_device_claim(
    *,
    device_group_key: str,
    device_key: str,
    device_password: str,
    params: PasswordVerifierParams,
    ephemeral: SrpEphemeral,
    now: datetime,
) -> PasswordClaim:
    """Answer ``DEVICE_PASSWORD_VERIFIER``: the password recipe with the device's names.

    The device group key stands where the pool name does, the device key where
    the user id does, and the device password (:func:`new_device_password`)
    where the user's password does.
    """
    return _claim(
        name=device_group_key,
        user_id=device_key,
        params=params,
        password=device_password,
        ephemeral=ephemeral,
        now=now,
    )


def new_device_password(rng: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A device's random password: base64 of 40 random bytes, as the Cognito SDKs make it."""
    return base64.b64encode(rng(40)).decode("ascii")


def device_secret_verifier(
    *, device_group_key: str, device_key: str, device_password: str, salt: int
) -> dict[str, str]:
    """``DeviceSecretVerifierConfig`` for ``ConfirmDevice``: ``g^x mod N`` and the salt.

    ``x = H(pad(salt) | H(group_key | device_key | ":" | password))``; both values
    go out as base64 of their padded big-endian bytes.
    """
    x = compute_x(
        pool_name=device_group_key,
        user_id_for_srp=device_key,
        password=device_password,
        salt=salt,
    )
    verifier = pow(G, x, N)
    return {
        "PasswordVerifier": base64.b64encode(_pad(verifier)).decode("ascii"),
        "Salt": base64.b64encode(_pad(salt)).decode("ascii"),
    }


def _claim(
    *,
    name: str,
    user_id: str,
    params: PasswordVerifierParams,
    password: str,
    ephemeral: SrpEphemeral,
    now: datetime,
) -> PasswordClaim:
    # Integers, not the hex text: the server hashes BigInteger(SALT, 16), so a
    # salt sent with leading zero digits hashes in its shortest padded form.
    salt = _parse_hex("SALT", params.salt)
    big_b = _parse_hex("SRP_B", params.srp_b)
    try:
        # Not validate=True: only well-formed base64 is expected, but moto sends
        # a UUID here and the lenient decoder (as in the Cognito SDKs) skips the
        # dashes. The echoed PASSWORD_CLAIM_SECRET_BLOCK is the text as received.
        block = base64.b64decode(params.secret_block)
    except (binascii.Error, ValueError):
        raise ChallengeError(
            "Cognito's PASSWORD_VERIFIER challenge has a SECRET_BLOCK that is not base64"
        ) from None
    key = password_authentication_key(
        pool_name=name,
        user_id_for_srp=user_id,
        password=password,
        salt=salt,
        big_b=big_b,
        ephemeral=ephemeral,
    )
    timestamp = format_timestamp(now)
    signature = password_claim_signature(
        key=key,
        pool_name=name,
        user_id_for_srp=user_id,
        secret_block=block,
        timestamp=timestamp,
    )
    return PasswordClaim(timestamp=timestamp, secret_block=params.secret_block, signature=signature)
