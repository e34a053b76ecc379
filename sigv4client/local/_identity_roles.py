"""An identity pool's role choice: its providers, its role mappings, and the rules that pick a role.

Pure: no server, clock or network. :func:`choose_role` reads a verified token's
claims as Cognito's "role-based access control" documents it:

- no mapping for the provider: the pool's authenticated role;
- ``Token``: ``CustomRoleArn`` if it is among ``cognito:roles``, else
  ``cognito:preferred_role``, else ``AmbiguousRoleResolution``;
- ``Rules``: the first rule whose claim matches, else ``AmbiguousRoleResolution``
  (``AuthenticatedRole``: the pool's authenticated role; ``Deny``: refused).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ..exceptions import InvalidConfigError

__all__ = [
    "AmbiguousRoleResolution",
    "MappingRule",
    "MatchType",
    "OidcProvider",
    "RoleMapping",
    "RoleRefused",
    "choose_role",
    "role_arn",
]

#: How a ``Rules`` rule compares the claim with its ``value``.
MatchType = Literal["Equals", "Contains", "StartsWith", "NotEqual"]
#: What a mapping does when no rule (or no preferred role) decides.
AmbiguousRoleResolution = Literal["AuthenticatedRole", "Deny"]

# RFC 7518's private JWK members (RSA, EC/OKP "d", oct "k").
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_MATCH_TYPES = ("Equals", "Contains", "StartsWith", "NotEqual")
_RESOLUTIONS = ("AuthenticatedRole", "Deny")
# botocore's model of RoleARN / CustomRoleArn: 20 to 2048 characters; an IAM role's ARN.
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$", re.ASCII)
# botocore's model of MappingRule.Claim: 1 to 64 characters of [\p{L}\p{M}\p{S}\p{N}\p{P}].
_CLAIM = re.compile(r"^[^\s\x00-\x1f\x7f]{1,64}$")


def role_arn(value: object, where: str) -> str:
    """``value`` if it is an IAM role's ARN; else InvalidConfigError naming ``where``."""
    if not isinstance(value, str) or not _ROLE_ARN.match(value):
        raise InvalidConfigError(
            f"{where}: {value!r} is not a role ARN such as 'arn:aws:iam::123456789012:role/Name'"
        )
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class MappingRule:
    """One rule of a ``Rules`` role mapping: if the token's ``claim`` matches, ``role_arn``.

    ``match_type``: ``Equals``, ``Contains`` (substring), ``StartsWith`` or
    ``NotEqual``. A claim that holds a list (``cognito:groups``) matches when
    one element does (``NotEqual``: when no element equals ``value``); a
    missing claim, or one holding JSON objects or nulls, matches nothing,
    ``NotEqual`` included. ``true``/``false`` and numbers read as JSON writes them.

    >>> MappingRule(claim="cognito:groups", match_type="Contains", value="admins",
    ...             role_arn="arn:aws:iam::123456789012:role/Admin").role_arn
    'arn:aws:iam::123456789012:role/Admin'
    """

    claim: str
    match_type: MatchType
    value: str
    role_arn: str

    def __post_init__(self) -> None:
        if not isinstance(self.claim, str) or not _CLAIM.match(self.claim):
            raise InvalidConfigError(f"rule claim {self.claim!r}: 1 to 64 printable characters")
        if self.match_type not in _MATCH_TYPES:
            raise InvalidConfigError(
                f"rule match_type {self.match_type!r}: one of {', '.join(_MATCH_TYPES)}"
            )
        if not isinstance(self.value, str) or not 1 <= len(self.value) <= 128:
            raise InvalidConfigError(f"rule value {self.value!r}: 1 to 128 characters")
        role_arn(self.role_arn, f"the rule on {self.claim!r}")

    def matches(self, claims: Mapping[str, object]) -> bool:
        """Whether the token's claims satisfy this rule."""
        found = claims.get(self.claim)
        items = found if isinstance(found, list) else [found]
        # JSON null or an object (in a list or not) has no text a rule could compare.
        if found is None or any(v is None or isinstance(v, (dict, list)) for v in items):
            return False
        values = [_claim_text(v) for v in items]
        if self.match_type == "NotEqual":
            return self.value not in values
        if self.match_type == "Equals":
            return self.value in values
        if self.match_type == "Contains":
            return any(self.value in v for v in values)
        return any(v.startswith(self.value) for v in values)


def _claim_text(value: object) -> str:
    # JSON true/false as IAM and Cognito write them, numbers as written.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleMapping:
    """How the pool picks the role for one provider's tokens (a ``RoleMappings`` entry).

    ``type="Token"`` reads ``cognito:roles`` / ``cognito:preferred_role`` (and
    honours ``CustomRoleArn``); ``type="Rules"`` tries ``rules`` in order, first
    match wins (at most 25, as Cognito allows). ``ambiguous_role_resolution``
    decides when neither does: ``"AuthenticatedRole"`` or ``"Deny"``.

    >>> RoleMapping(type="Token", ambiguous_role_resolution="Deny").type
    'Token'
    """

    type: Literal["Token", "Rules"]
    ambiguous_role_resolution: AmbiguousRoleResolution
    rules: tuple[MappingRule, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in ("Token", "Rules"):
            raise InvalidConfigError(f"role mapping type {self.type!r}: 'Token' or 'Rules'")
        if self.ambiguous_role_resolution not in _RESOLUTIONS:
            raise InvalidConfigError(
                f"ambiguous_role_resolution {self.ambiguous_role_resolution!r}: "
                "'AuthenticatedRole' or 'Deny'"
            )
        if not isinstance(self.rules, tuple) or not all(
            isinstance(r, MappingRule) for r in self.rules
        ):
            raise InvalidConfigError("rules is a tuple of MappingRule")
        if self.type == "Rules" and not 1 <= len(self.rules) <= 25:
            raise InvalidConfigError("a 'Rules' mapping has 1 to 25 rules")
        if self.type == "Token" and self.rules:
            raise InvalidConfigError("a 'Token' mapping has no rules; use type='Rules' for them")


@dataclass(frozen=True, slots=True, kw_only=True)
class OidcProvider:
    """An OpenID Connect provider the pool trusts: its issuer, audiences and keys.

    ``issuer`` is the ``iss`` its tokens carry (``https://...``); the pool's
    ``Logins`` key for it is the issuer without ``https://`` (:attr:`name`).
    ``audiences``: the client ids accepted in ``aud``. The keys: ``jwks``, a
    JWK set as a dict (the public keys, e.g. from joserfc's
    ``KeySet.as_dict(private=False)``), or ``jwks_url`` to fetch it from.
    Tokens are verified as RS256.

    >>> OidcProvider(issuer="https://login.example.com", audiences=("app",),
    ...              jwks={"keys": []}).name
    'login.example.com'
    """

    issuer: str
    audiences: tuple[str, ...]
    jwks: Mapping[str, object] | None = None
    jwks_url: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, str) or not self.issuer.startswith("https://"):
            raise InvalidConfigError(
                f"issuer must be the provider's https:// URL, as its tokens' iss, "
                f"got {self.issuer!r}"
            )
        if (
            not isinstance(self.audiences, tuple)
            or not self.audiences
            or not all(isinstance(a, str) and a for a in self.audiences)
        ):
            raise InvalidConfigError("audiences is a non-empty tuple of client ids")
        if (self.jwks is None) == (self.jwks_url is None):
            raise InvalidConfigError("give the provider's keys: jwks= or jwks_url=, one of them")
        if self.jwks_url is not None and not self.jwks_url.startswith(("http://", "https://")):
            raise InvalidConfigError(f"jwks_url must be an http(s) URL, got {self.jwks_url!r}")
        if self.jwks is not None:
            keys = self.jwks.get("keys")
            if not isinstance(keys, list):
                raise InvalidConfigError("jwks is a JWK set: a dict with a 'keys' list")
            if any(isinstance(k, Mapping) and _PRIVATE_MEMBERS & set(k) for k in keys):
                # A verifier needs the public keys only; a private one would show in reprs.
                raise InvalidConfigError(
                    "jwks holds a private key: give the provider's public keys "
                    "(joserfc's KeySet.as_dict(private=False))"
                )

    @property
    def name(self) -> str:
        """The ``Logins`` key of this provider: its issuer without ``https://``."""
        return self.issuer.removeprefix("https://").rstrip("/")


class RoleRefused(Exception):
    """No role for this login: ``code`` is Cognito's error type, ``message`` its text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


def choose_role(
    *,
    mapping: RoleMapping | None,
    claims: Mapping[str, object],
    roles: Sequence[str],
    preferred_role: str | None,
    custom_role_arn: str | None,
    authenticated_role: str,
) -> str:
    """The role for an authenticated login; :class:`RoleRefused` when the pool refuses.

    ``roles`` and ``preferred_role`` are the token's ``cognito:roles`` and
    ``cognito:preferred_role`` (read from the token, or derived from its
    user-pool groups by the caller).
    """
    if mapping is None or mapping.type == "Rules":
        if custom_role_arn is not None:
            raise RoleRefused(
                "NotAuthorizedException",
                f"CustomRoleArn {custom_role_arn} is honoured only by a 'Token' role "
                "mapping: give the provider RoleMapping(type='Token', ...) or leave "
                "CustomRoleArn out",
            )
        if mapping is None:
            return authenticated_role
        for rule in mapping.rules:
            if rule.matches(claims):
                return rule.role_arn
    else:
        if custom_role_arn is not None:
            if custom_role_arn in roles:
                return custom_role_arn
            raise RoleRefused(
                "NotAuthorizedException",
                f"CustomRoleArn {custom_role_arn} is not among the token's cognito:roles; "
                "put the user in a group with that role, or ask for one of its roles",
            )
        if preferred_role is not None:
            return preferred_role
    if mapping.ambiguous_role_resolution == "AuthenticatedRole":
        return authenticated_role
    raise RoleRefused(
        "NotAuthorizedException", "The ambiguous role mapping rules denied this request."
    )
