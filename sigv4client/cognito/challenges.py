"""Challenges Cognito may put between a password and the tokens, as typed frozen values.

Each kind of challenge is its own class, so a handler can ``match`` on it and
reads typed fields, never a raw ``ChallengeParameters`` dict::

    def answer(challenge: Challenge) -> Answer:
        match challenge:
            case SoftwareTokenMfa():
                return input("code from your authenticator app: ")
            case NewPasswordRequired(required_attributes=required):
                return NewPassword(password=getpass("new password: "),
                                   attributes={name: input(f"{name}: ") for name in required})
        raise RuntimeError(f"cannot answer {challenge.name}")

    tokens = user.login("alice", password, on_challenge=answer)

Without ``on_challenge``, :meth:`CognitoUser.login` raises
:class:`ChallengeRequired` carrying the challenge; answer it with
:meth:`CognitoUser.respond`, which returns the tokens or the next challenge.

The answer is a ``str`` (the code, the new password, the chosen MFA type, the
custom answer) or, for a new password with required attributes, a
:class:`NewPassword`. A challenge keeps Cognito's session, which is only good
for a few minutes (the app client's ``AuthSessionValidity``, 3 by default).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar
from urllib.parse import quote, urlencode

from ..exceptions import ChallengeError

__all__ = [
    "SelectChallenge",
    "SmsOtp",
    "otpauth_uri",
    "Answer",
    "Challenge",
    "ChallengeHandler",
    "ChallengeName",
    "ChallengeRequired",
    "CustomChallenge",
    "EmailOtp",
    "MfaSetup",
    "NewPassword",
    "NewPasswordRequired",
    "SelectMfaType",
    "SmsMfa",
    "SoftwareTokenMfa",
]


class ChallengeName(str, enum.Enum):
    """The names Cognito gives the challenges this package can answer."""

    # The S105 waivers: ruff reads these challenge names as hard-coded passwords.
    NEW_PASSWORD_REQUIRED = "NEW_PASSWORD_REQUIRED"  # noqa: S105
    SMS_MFA = "SMS_MFA"
    SOFTWARE_TOKEN_MFA = "SOFTWARE_TOKEN_MFA"  # noqa: S105
    SELECT_MFA_TYPE = "SELECT_MFA_TYPE"
    MFA_SETUP = "MFA_SETUP"
    EMAIL_OTP = "EMAIL_OTP"
    CUSTOM_CHALLENGE = "CUSTOM_CHALLENGE"
    #: The choice-based (``USER_AUTH``) flow's first question, and its SMS code.
    SELECT_CHALLENGE = "SELECT_CHALLENGE"
    SMS_OTP = "SMS_OTP"


@dataclass(frozen=True, slots=True, kw_only=True)
class Challenge:
    """A step Cognito requires before it issues tokens (the base of every kind).

    ``username`` is Cognito's name for the user, sent back with the answer;
    ``session`` is Cognito's opaque session, kept out of ``repr``.
    """

    #: Which challenge this is.
    name: ClassVar[ChallengeName]

    username: str
    session: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewPasswordRequired(Challenge):
    """The user must choose a new password (e.g. after an admin created it).

    ``required_attributes`` are the attribute names (``given_name``, not
    ``userAttributes.given_name``) the pool requires and the user lacks: give
    them in :class:`NewPassword`. ``user_attributes`` are the user's current
    attributes as ``(name, value)`` pairs, left out of ``repr`` (they are
    personal data).
    """

    name: ClassVar[ChallengeName] = ChallengeName.NEW_PASSWORD_REQUIRED
    required_attributes: tuple[str, ...] = ()
    user_attributes: tuple[tuple[str, str], ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsMfa(Challenge):
    """Cognito sent a code by SMS; answer with the code. ``destination`` is masked."""

    name: ClassVar[ChallengeName] = ChallengeName.SMS_MFA
    destination: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SoftwareTokenMfa(Challenge):
    """Answer with the current 6-digit code of the user's authenticator app (TOTP)."""

    name: ClassVar[ChallengeName] = ChallengeName.SOFTWARE_TOKEN_MFA
    device_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailOtp(Challenge):
    """Cognito sent a code by email; answer with the code. ``destination`` is masked."""

    name: ClassVar[ChallengeName] = ChallengeName.EMAIL_OTP
    destination: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsOtp(Challenge):
    """Passwordless sign-in: Cognito sent a code by SMS; answer with it (``destination`` masked)."""

    name: ClassVar[ChallengeName] = ChallengeName.SMS_OTP
    destination: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectChallenge(Challenge):
    """``USER_AUTH``: choose how to sign in; answer with one of ``options``.

    Cognito's names: ``"PASSWORD"`` and ``"PASSWORD_SRP"`` (the password given
    to ``login()`` is used; SRP keeps it in this process), ``"EMAIL_OTP"`` and
    ``"SMS_OTP"`` (a code is sent; its challenge follows), ``"WEB_AUTHN"``
    (not supported here).
    """

    name: ClassVar[ChallengeName] = ChallengeName.SELECT_CHALLENGE
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectMfaType(Challenge):
    """The user has several MFA methods: answer with one of ``options``.

    The options are Cognito's names: ``"SOFTWARE_TOKEN_MFA"``, ``"SMS_MFA"``,
    ``"EMAIL_OTP"`` (email MFA; the API reference's example says ``EMAIL_MFA``,
    which Cognito does not offer). The answer is sent as given, so answer with
    an option as offered; the chosen method's challenge follows.
    """

    name: ClassVar[ChallengeName] = ChallengeName.SELECT_MFA_TYPE
    options: tuple[str, ...] = ()


def otpauth_uri(secret_code: str, *, issuer: str, account: str) -> str:
    """The ``otpauth://totp/<issuer>:<account>?secret=...&issuer=...`` URI of a TOTP secret.

    Authenticator apps read it from a QR code (Key Uri Format).

    >>> otpauth_uri("JBSWY3DPEHPK3PXP", issuer="Example", account="alice")
    'otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXP&issuer=Example'
    """
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret_code, "issuer": issuer})
    return f"otpauth://totp/{label}?{query}"


@dataclass(frozen=True, slots=True, kw_only=True)
class MfaSetup(Challenge):
    """The pool requires MFA and the user has none: set up an authenticator app.

    The TOTP secret is already associated with this login (the
    ``AssociateSoftwareToken`` call is made before you see this challenge):
    show ``secret_code`` or :meth:`otpauth_uri` (as a QR code) to the user,
    then answer with the first code the app shows. ``options`` are the methods
    Cognito offered (``MFAS_CAN_SETUP``). ``secret_code`` is out of ``repr``.
    """

    name: ClassVar[ChallengeName] = ChallengeName.MFA_SETUP
    options: tuple[str, ...] = ()
    secret_code: str = field(default="", repr=False)

    def otpauth_uri(self, *, issuer: str, account: str | None = None) -> str:
        """The ``otpauth://totp/...`` URI authenticator apps read from a QR code."""
        return otpauth_uri(self.secret_code, issuer=issuer, account=account or self.username)


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomChallenge(Challenge):
    """A challenge of the pool's own Lambda triggers; answer with a ``str``.

    ``parameters`` are the public challenge parameters as ``(name, value)``
    pairs, in Cognito's order; :meth:`get` looks one up.
    """

    name: ClassVar[ChallengeName] = ChallengeName.CUSTOM_CHALLENGE
    parameters: tuple[tuple[str, str], ...] = ()

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of the public challenge parameter ``key``, or ``default``."""
        return next((value for name, value in self.parameters if name == key), default)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewPassword:
    """The answer to :class:`NewPasswordRequired` when attributes are required.

    ``attributes`` maps attribute names (``given_name``) to values; a plain
    ``str`` answer is the same as ``NewPassword(password=...)``. The password
    stays out of ``repr``.
    """

    password: str = field(repr=False)
    attributes: Mapping[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # A read-only copy: the caller's dict may change after the answer is made.
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))


#: What answers a challenge: a code, a password, an MFA type or a custom answer
#: as ``str``, or a :class:`NewPassword` with attributes.
Answer = str | NewPassword

#: A callback for ``login(on_challenge=...)``: gets each challenge, returns its answer.
ChallengeHandler = Callable[[Challenge], Answer]


class ChallengeRequired(ChallengeError):
    """Cognito asked for a challenge and ``login()`` was given no ``on_challenge``.

    ``challenge`` is the typed challenge; answer it with
    :meth:`CognitoUser.respond`. The message names the challenge only.
    """

    def __init__(self, challenge: Challenge) -> None:
        super().__init__(
            f"Cognito requires the {challenge.name.value} challenge: answer it with "
            "CognitoUser.respond(error.challenge, answer), or pass on_challenge= to login()"
        )
        self.challenge = challenge

    # The base class pickles (message, code); this error is rebuilt from its
    # challenge instead, so the tuple differs from the one the base declares.
    def __reduce__(self) -> tuple[type[ChallengeRequired], tuple[Challenge]]:  # type: ignore[override]
        return (type(self), (self.challenge,))
