"""Credentials from a boto3 or botocore session: whatever botocore's chain resolves."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol

from ..exceptions import CredentialsError, InvalidInputError
from ..models import Credentials
from ._base import to_thread

_HOW_TO_CONFIGURE = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
    "credentials), or add a profile to ~/.aws/credentials or ~/.aws/config "
    "(`aws configure`, `aws configure sso`) and select it with AWS_PROFILE or "
    "BotocoreSessionProvider(profile_name=...)"
)


class BotoFrozenCredentialsLike(Protocol):
    """botocore's ``ReadOnlyCredentials`` named tuple, as far as we read it."""

    @property
    def access_key(self) -> str | None: ...

    @property
    def secret_key(self) -> str | None: ...

    @property
    def token(self) -> str | None: ...


class _BotocoreCredentials(Protocol):
    """botocore's ``Credentials`` and ``RefreshableCredentials``, as far as we call them."""

    def get_frozen_credentials(self) -> BotoFrozenCredentialsLike | None: ...


class _Session(Protocol):
    """A ``boto3.Session`` or a ``botocore.session.Session``."""

    def get_credentials(self) -> _BotocoreCredentials | None: ...


class BotocoreFailure(Exception):
    """What botocore raised, as its type and message only: the ``__cause__`` we chain.

    botocore's exception may hold more than its message shows, and what it
    was reading is a credentials source: json's ``JSONDecodeError`` keeps a
    ``credential_process``'s whole output in ``doc``, and the configparser
    error behind a ``ConfigParseError`` (its ``kwargs`` and ``__context__``)
    quotes the line of the credentials file it could not parse.
    """

    def __init__(self, exc: BaseException) -> None:
        super().__init__(f"{type(exc).__name__}: {exc}")


class BotocoreSessionProvider:
    """Credentials resolved by botocore: environment, profiles, SSO, assume-role, IMDS...

    ``session`` is a ``boto3.Session`` or a ``botocore.session.Session``; by
    default a new botocore session, for ``profile_name`` if given. botocore
    caches and refreshes its own temporary credentials; each call here takes
    one frozen snapshot of them (so the key and secret always belong together)
    and converts it. ``expiration`` is botocore's expiry time for refreshable
    credentials, in UTC, and ``None`` for long-lived keys.

    Raises :class:`~sigv4client.exceptions.CredentialsError` when botocore
    finds no credentials or fails to load them (the cause is chained).

    >>> import botocore.session
    >>> from sigv4client.credentials import BotocoreSessionProvider
    >>> session = botocore.session.Session()
    >>> session.set_credentials("AKIDEXAMPLE", "example-secret")
    >>> BotocoreSessionProvider(session).get_credentials()
    Credentials(access_key_id='AKIDEXAMPLE', expiration=None)
    """

    __slots__ = ("_profile_name", "_session")

    def __init__(self, session: _Session | None = None, *, profile_name: str | None = None) -> None:
        checked_profile: object = profile_name
        if checked_profile is not None and (
            not isinstance(checked_profile, str) or not checked_profile
        ):
            raise InvalidInputError("profile_name must be a non-empty string or None")
        if session is None:
            # Deferred: importing botocore costs more than the rest of this
            # package, and signing with explicit credentials never needs it.
            import botocore.session

            session = botocore.session.Session(profile=profile_name)
        elif profile_name is not None:
            raise InvalidInputError(
                "pass either session= or profile_name=, not both; "
                "a session carries its own profile, e.g. boto3.Session(profile_name=...)"
            )
        elif not callable(getattr(session, "get_credentials", None)):
            raise InvalidInputError(
                f"session must be a boto3.Session or botocore.session.Session, "
                f"got {type(session).__name__}"
            )
        self._session: _Session = session
        self._profile_name = profile_name

    def get_credentials(self) -> Credentials:
        """Return a snapshot of the session's current credentials (may block to refresh)."""
        try:
            found = self._session.get_credentials()
            frozen, expiry = (None, None) if found is None else _read_frozen(found)
        except Exception as exc:
            # botocore's chain raises BotoCoreError subclasses, ClientError (STS,
            # SSO), RuntimeError (refreshed but still expired), OSError and
            # ValueError (unreadable config): to a caller all mean the same.
            cause = BotocoreFailure(exc)
        else:
            return self._credentials(frozen, expiry)
        # Raised outside the handler, from the stand-in: botocore's exception is
        # neither the cause nor the context (see BotocoreFailure).
        raise CredentialsError(
            f"botocore could not load credentials for profile {self._profile()!r} "
            f"({cause}); check that profile, or {_HOW_TO_CONFIGURE}"
        ) from cause

    def _credentials(
        self, frozen: BotoFrozenCredentialsLike | None, expiry: datetime | None
    ) -> Credentials:
        """The snapshot botocore returned, checked."""
        if frozen is None:
            raise CredentialsError(
                f"no AWS credentials found (profile {self._profile()!r}): {_HOW_TO_CONFIGURE}"
            )
        access_key, secret_key = frozen.access_key, frozen.secret_key
        if not access_key or not secret_key:
            raise CredentialsError(
                f"botocore found credentials for profile {self._profile()!r} without an access "
                f"key id or secret key; {_HOW_TO_CONFIGURE}"
            )
        try:
            return Credentials(
                access_key_id=access_key,
                secret_access_key=secret_key,
                session_token=frozen.token,
                expiration=expiry,
            )
        except InvalidInputError as exc:
            raise CredentialsError(
                f"botocore returned unusable credentials for profile {self._profile()!r}: {exc}"
            ) from exc

    async def aget_credentials(self) -> Credentials:
        """:meth:`get_credentials` in a worker thread: botocore may do file or network I/O."""
        return await to_thread(self.get_credentials)

    def _profile(self) -> str:
        """The profile name for messages; never raises."""
        if self._profile_name is not None:
            return self._profile_name
        try:
            # boto3.Session has profile_name, botocore's Session has profile.
            name = getattr(self._session, "profile_name", None) or getattr(
                self._session, "profile", None
            )
        except Exception:
            name = None
        return name if isinstance(name, str) and name else "default"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(profile={self._profile()!r})"


def _read_frozen(
    found: _BotocoreCredentials,
) -> tuple[BotoFrozenCredentialsLike | None, datetime | None]:
    """One frozen snapshot and the expiry that goes with it.

    botocore keeps the expiry outside the frozen tuple and, on refresh,
    publishes the new tuple just before the new expiry. Reading the expiry on
    both sides of the snapshot and retrying when the two reads differ pairs a
    snapshot with its own expiry, or at worst with the previous, earlier one:
    that only makes a wrapping refresher act sooner, never later.
    """
    for _ in range(3):
        before = getattr(found, "_expiry_time", None)
        frozen = found.get_frozen_credentials()
        after = getattr(found, "_expiry_time", None)
        if before == after:
            return frozen, _as_utc(after)
    first, last = _as_utc(before), _as_utc(after)
    if first is None or last is None:
        return frozen, first or last
    return frozen, min(first, last)


def _as_utc(value: object) -> datetime | None:
    """botocore's expiry as an aware UTC datetime; ``None`` when there is none."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        # botocore parses expiries with dateutil, which gives an aware datetime
        # whenever the source carries an offset; AWS always states UTC.
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
