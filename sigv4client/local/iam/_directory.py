"""Local IAM identities: users, roles and their sessions, behind the access keys they sign with.

An :class:`IamDirectory` is what an account's IAM holds, offline: users with
access keys, roles with a trust policy, inline and managed policy documents,
tags. Every access key it issues resolves to an :class:`IamIdentity`: the
principal ARN, its account, the policies attached to it, and the request
context keys IAM sets from it (``aws:userid``, ``aws:username``,
``aws:PrincipalTag/…``, and whatever the session carries, such as the
``cognito-identity.amazonaws.com:*`` keys of an identity-pool session).

The directory is the gateway's :data:`~sigv4client.verification.SecretResolver`
(:meth:`IamDirectory.resolve_secret`) and the source of the caller's identity
policies (:meth:`IamDirectory.identity`). It checks no trust policy itself:
whoever assumes a role for a caller (the local identity pool) evaluates the
role's :attr:`IamRole.trust_policy` first, with :func:`evaluate`.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

from ...models import Credentials
from ._evaluate import _ACCOUNT, _CALL_KEYS, ContextValue, PolicyInput, _parse_document
from ._match import PolicyError

__all__ = ["IamDirectory", "IamIdentity", "IamRole", "IamUser"]

_UTC = timezone.utc
# IAM's names: users and roles 1-64 characters of [\w+=,.@-]; sessions 2-64.
_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
_SESSION = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
_TAG_KEY = re.compile(r"^[\w .:/=+@-]{1,128}$", re.ASCII)
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_NO_TAGS: Mapping[str, str] = MappingProxyType({})
# The global keys IAM derives from the principal: a session's context cannot set them.
_PRINCIPAL_KEYS = frozenset(
    {"aws:userid", "aws:username", "aws:principalaccount", "aws:principalarn", "aws:principaltype"}
)
# What a session's context can never stand for: the principal's keys and the call's.
_NOT_SESSION_KEYS = _PRINCIPAL_KEYS | _CALL_KEYS


def _unique_id(prefix: str) -> str:
    """An IAM-style id: a four-letter prefix (AKIA, ASIA, AIDA, AROA) and 16 characters."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


@dataclass(frozen=True, slots=True, kw_only=True)
class IamIdentity:
    """Who an access key stands for, as IAM sees a request signed with it.

    ``arn`` is the principal (``arn:aws:iam::ACCOUNT:user/NAME`` or
    ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``); ``user_id`` is
    ``aws:userid`` (``AIDA…`` for a user, ``AROA…:SESSION`` for a role
    session); ``policies`` the identity policies attached (inline and managed,
    as ``(name, document)``); ``tags`` the principal's tags; ``context`` the
    further request context keys the session carries.
    """

    arn: str
    account_id: str
    user_id: str
    policies: tuple[tuple[str, Mapping[str, object]], ...] = field(repr=False)
    tags: Mapping[str, str] = field(default_factory=lambda: _NO_TAGS)
    context: Mapping[str, ContextValue] = field(default_factory=lambda: _NO_TAGS, repr=False)

    @property
    def username(self) -> str | None:
        """``aws:username``: the user's name for an IAM user, else None."""
        resource = self.arn.split(":", 5)[-1]
        return resource.rsplit("/", 1)[1] if resource.startswith("user/") else None

    def request_context(self) -> dict[str, ContextValue]:
        """The context keys IAM sets from this principal, for :func:`evaluate`.

        The session's :attr:`context` never stands for a key IAM derives from
        the principal itself (``aws:userid``, ``aws:username``,
        ``aws:PrincipalAccount``, ``aws:PrincipalArn``) nor for one of the call
        itself (``aws:SourceIp``, ``aws:SourceVpce``, the time...), in any case:
        a session naming a VPC endpoint is no call through it.
        """
        keys: dict[str, ContextValue] = {
            k: v for k, v in self.context.items() if k.lower() not in _NOT_SESSION_KEYS
        }
        keys["aws:userid"] = self.user_id
        keys["aws:PrincipalAccount"] = self.account_id
        if self.username is not None:
            keys["aws:username"] = self.username
        for name, value in self.tags.items():
            keys[f"aws:PrincipalTag/{name}"] = value
        return keys


@dataclass(frozen=True, slots=True, kw_only=True)
class IamUser:
    """A local IAM user and the access key made for it."""

    arn: str
    credentials: Credentials


@dataclass(frozen=True, slots=True, kw_only=True)
class IamRole:
    """A local IAM role: its policies, tags and the trust policy that says who may assume it."""

    arn: str
    name: str
    account_id: str
    role_id: str
    policies: tuple[tuple[str, Mapping[str, object]], ...] = field(repr=False)
    tags: Mapping[str, str] = field(default_factory=lambda: _NO_TAGS)
    trust_policy: Mapping[str, object] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class _Key:
    credentials: Credentials
    identity: IamIdentity


class IamDirectory:
    """Local IAM for one or more accounts: users, roles, policies, and the keys they sign with.

    ``account_id`` is the account of whatever is added without one. ``clock``
    gives the time that minted role sessions expire against (default: UTC now).
    Thread-safe: the gateway resolves keys from its serving threads while a
    test adds users.

    >>> iam = IamDirectory("111122223333")
    >>> ana = iam.add_user("ana", policies=[{"Version": "2012-10-17", "Statement": [
    ...     {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}])
    >>> ana.arn
    'arn:aws:iam::111122223333:user/ana'
    >>> iam.identity(ana.credentials.access_key_id).arn
    'arn:aws:iam::111122223333:user/ana'
    """

    def __init__(
        self,
        account_id: str = "123456789012",
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.account_id = _account(account_id)
        self._clock = clock or (lambda: datetime.now(_UTC))
        self._lock = threading.Lock()
        self._managed: dict[str, tuple[str, Mapping[str, object]]] = {}
        self._users: dict[str, IamIdentity] = {}
        self._roles: dict[str, IamRole] = {}
        self._keys: dict[str, _Key] = {}

    # --- policies ----------------------------------------------------------------------

    def add_policy(
        self, name: str, document: Mapping[str, object], *, account_id: str | None = None
    ) -> str:
        """Add a customer managed policy; returns its ARN, for ``managed_policies``."""
        _name(name, "policy name")
        account = _account(account_id or self.account_id)
        _parse_document(document, f"policy {name!r}", resource_policy=False)
        arn = f"arn:aws:iam::{account}:policy/{name}"
        with self._lock:
            if arn in self._managed:
                raise PolicyError(f"a managed policy {arn} exists already")
            self._managed[arn] = (name, MappingProxyType(dict(document)))
        return arn

    def _policies(
        self, owner: str, inline: Sequence[PolicyInput], managed: Sequence[str]
    ) -> tuple[tuple[str, Mapping[str, object]], ...]:
        if isinstance(managed, str):
            raise PolicyError("managed_policies is a list of policy ARNs, not one string")
        out: list[tuple[str, Mapping[str, object]]] = []
        for i, policy in enumerate(inline):
            name, document = policy if isinstance(policy, tuple) else (f"inline-{i + 1}", policy)
            _parse_document(document, f"policy {name!r} of {owner}", resource_policy=False)
            out.append((name, MappingProxyType(dict(document))))
        with self._lock:
            for arn in managed:
                found = self._managed.get(arn)
                if found is None:
                    raise PolicyError(
                        f"{owner}: no managed policy {arn!r}; add it first with add_policy()"
                    )
                out.append(found)
        return tuple(out)

    # --- users ---------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        policies: Sequence[PolicyInput] = (),
        managed_policies: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        account_id: str | None = None,
    ) -> IamUser:
        """Add an IAM user with one access key; returns its ARN and credentials."""
        _name(name, "user name")
        account = _account(account_id or self.account_id)
        arn = f"arn:aws:iam::{account}:user/{name}"
        identity = IamIdentity(
            arn=arn,
            account_id=account,
            user_id=_unique_id("AIDA"),
            policies=self._policies(f"user {name}", policies, managed_policies),
            tags=_tags(tags),
        )
        with self._lock:
            if arn in self._users:
                raise PolicyError(f"a user {arn} exists already; use create_access_key()")
            self._users[arn] = identity
        return IamUser(arn=arn, credentials=self._issue("AKIA", identity, None))

    def create_access_key(self, user_arn: str) -> Credentials:
        """Another long-term access key for a user added before."""
        with self._lock:
            identity = self._users.get(user_arn)
        if identity is None:
            raise PolicyError(f"no user {user_arn!r}; add it first with add_user()")
        return self._issue("AKIA", identity, None)

    # --- roles ---------------------------------------------------------------------------

    def add_role(
        self,
        name: str,
        *,
        policies: Sequence[PolicyInput] = (),
        managed_policies: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        trust_policy: Mapping[str, object] | None = None,
        account_id: str | None = None,
    ) -> IamRole:
        """Add an IAM role; assume it with :meth:`assume_role`."""
        _name(name, "role name")
        account = _account(account_id or self.account_id)
        if trust_policy is not None:
            _parse_document(trust_policy, f"the trust policy of role {name}", resource_policy=True)
        role = IamRole(
            arn=f"arn:aws:iam::{account}:role/{name}",
            name=name,
            account_id=account,
            role_id=_unique_id("AROA"),
            policies=self._policies(f"role {name}", policies, managed_policies),
            tags=_tags(tags),
            trust_policy=None if trust_policy is None else MappingProxyType(dict(trust_policy)),
        )
        with self._lock:
            if role.arn in self._roles:
                raise PolicyError(f"a role {role.arn} exists already")
            self._roles[role.arn] = role
        return role

    def role(self, role_arn: str) -> IamRole | None:
        """The role with this ARN, or None."""
        with self._lock:
            return self._roles.get(role_arn)

    def assume_role(
        self,
        role_arn: str,
        session_name: str,
        *,
        duration: timedelta = timedelta(hours=1),
        context: Mapping[str, ContextValue] | None = None,
    ) -> Credentials:
        """Temporary credentials for a session of the role, as STS issues them.

        The session's principal is ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``
        with the role's policies and tags; every call signed with these
        credentials carries ``aws:TokenIssueTime``, ``aws:MultiFactorAuthPresent``
        (``"false"``) and the request context keys ``context`` adds. A key of the
        call (``aws:SourceIp``, ``aws:SourceVpce``, the time...) or of the principal
        (``aws:PrincipalArn``...) in ``context`` is a :class:`PolicyError`: no
        session can choose it. The role's trust policy is not checked here: the
        caller that assumes the role does it.
        """
        role = self.role(role_arn)
        if role is None:
            raise PolicyError(f"no role {role_arn!r}; add it first with add_role()")
        if not _SESSION.match(session_name):
            raise PolicyError(
                f"session name {session_name!r}: 2 to 64 characters of letters, digits and +=,.@_-"
            )
        if not timedelta(minutes=15) <= duration <= timedelta(hours=12):
            raise PolicyError("duration: between 15 minutes and 12 hours, as STS allows")
        fixed = sorted(k for k in context or {} if k.lower() in _NOT_SESSION_KEYS)
        if fixed:
            # Dropped silently, the key would look set while every call ignored it.
            raise PolicyError(
                f"context: {fixed[0]!r} is a key IAM sets from the call itself or from the "
                "principal, which no session can choose; leave it out (the gateway sets "
                "the call's keys: simulate where a call comes from with "
                "gateway.simulate_network(...))"
            )
        issued = self._clock()
        # IAM: a call signed with temporary credentials carries aws:TokenIssueTime
        # and aws:MultiFactorAuthPresent ("false": STS here asks for no MFA);
        # ``context`` may say otherwise, e.g. to stand for an MFA session.
        token_keys: dict[str, ContextValue] = {
            "aws:TokenIssueTime": issued.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:MultiFactorAuthPresent": "false",
        }
        given = {k.lower() for k in context or {}}
        identity = IamIdentity(
            arn=f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{session_name}",
            account_id=role.account_id,
            user_id=f"{role.role_id}:{session_name}",
            policies=role.policies,
            tags=role.tags,
            context=MappingProxyType(
                {
                    **{k: v for k, v in token_keys.items() if k.lower() not in given},
                    **(context or {}),
                }
            ),
        )
        return self._issue("ASIA", identity, issued + duration)

    # --- what the gateway asks -----------------------------------------------------------

    def _issue(
        self, prefix: str, identity: IamIdentity, expiration: datetime | None
    ) -> Credentials:
        credentials = Credentials(
            access_key_id=_unique_id(prefix),
            secret_access_key=secrets.token_urlsafe(30),
            session_token=None if expiration is None else secrets.token_urlsafe(96),
            expiration=expiration,
        )
        with self._lock:
            self._keys[credentials.access_key_id] = _Key(credentials, identity)
        return credentials

    def resolve_secret(self, access_key_id: str) -> Credentials | None:
        """The credentials issued with ``access_key_id``, or None: a ``SecretResolver``."""
        with self._lock:
            found = self._keys.get(access_key_id)
        return None if found is None else found.credentials

    def identity(self, access_key_id: str) -> IamIdentity | None:
        """Who ``access_key_id`` stands for, or None if this directory never issued it."""
        with self._lock:
            found = self._keys.get(access_key_id)
        return None if found is None else found.identity

    def __repr__(self) -> str:
        with self._lock:
            users, roles, keys = len(self._users), len(self._roles), len(self._keys)
        return (
            f"IamDirectory(account_id={self.account_id!r}, users={users}, roles={roles}, "
            f"keys={keys})"
        )


def _account(value: object) -> str:
    if not isinstance(value, str) or not _ACCOUNT.match(value):
        raise PolicyError(f"an account id is 12 digits, got {value!r}")
    return value


def _name(value: object, what: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise PolicyError(f"{what} {value!r}: 1 to 64 characters of letters, digits and +=,.@_-")


def _tags(tags: Mapping[str, str] | None) -> Mapping[str, str]:
    if not tags:
        return _NO_TAGS
    for key, value in tags.items():
        if not isinstance(key, str) or not _TAG_KEY.match(key) or key.lower().startswith("aws:"):
            raise PolicyError(f"tag key {key!r}: 1 to 128 characters, not starting with 'aws:'")
        if not isinstance(value, str) or len(value) > 256:
            raise PolicyError(f"tag {key!r}: the value is a string of at most 256 characters")
    return MappingProxyType(dict(tags))
