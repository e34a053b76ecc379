"""A provider that holds a credentials snapshot and refreshes it ahead of expiry.

Concurrency design (one refresh at a time across threads, tasks and event
loops, and no lock ever held across I/O or an ``await``):

- The current value is one immutable ``_Snapshot``, replaced by a single
  attribute assignment; readers take it without a lock and can never see a key
  from one refresh with the secret of another.
- A refresh in progress is a ``_Flight``: a ``concurrent.futures.Future`` that
  every caller who needs the refresh waits on. ``self._lock`` (a
  ``threading.Lock``) guards only the decision "start a flight or join the
  current one" and the publication of its result, a few microseconds at most,
  so taking it on an event loop thread does not stall the loop.
- Sync callers wait with ``future.result()``; async callers through a
  done-callback that wakes their own loop with ``call_soon_threadsafe``, which
  works from any loop in any thread. No ``asyncio.Lock`` is used: it would
  bind to one loop (Python 3.10+) and could not exclude threads.
- The refresh of an async caller runs in a task of its own (``async_refresh``)
  or in the loop's default executor (``refresh``, as ``asyncio.to_thread``
  would), so cancelling the caller that started it leaves it running for the
  others.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import enum
import functools
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from ..exceptions import (
    CredentialsError,
    CredentialsExpiredError,
    InvalidInputError,
    NaiveDatetimeError,
)
from ..models import Credentials
from ._base import require_credentials

logger = logging.getLogger("sigv4client.credentials")

# The windows never exceed these fractions of a credential's lifetime, so
# short-lived credentials are used for most of their life instead of being
# refreshed on every call (see RefreshingCredentialsProvider).
_ADVISORY_FRACTION = 3
_MANDATORY_FRACTION = 6


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """Credentials with the two instants at which they become due for refresh."""

    credentials: Credentials
    # (advisory_at, mandatory_at); None for credentials that never expire.
    due_at: tuple[datetime, datetime] | None


class _Due(enum.Enum):
    NO = "no refresh due"
    ADVISORY = "advisory"
    MANDATORY = "mandatory"


# What a flight ends with: the new snapshot, the exception the refresh raised
# (or a CredentialsError describing a bad result), or None when it was
# abandoned (cancelled, interrupted) and a waiter should start another.
_Outcome = _Snapshot | Exception | None


class _Flight:
    """One refresh in progress, shared by every caller that waits for it."""

    __slots__ = ("future", "loop_owner", "sync_owner")

    def __init__(self, *, sync_owner: int | None, loop_owner: int | None) -> None:
        self.future: concurrent.futures.Future[_Outcome] = concurrent.futures.Future()
        # Threads that must make progress for this flight to finish: the thread
        # blocked in a sync refresh, or the thread whose event loop runs
        # async_refresh. Blocking either of them on the flight would deadlock.
        self.sync_owner = sync_owner
        self.loop_owner = loop_owner


class _Ticket(NamedTuple):
    due: _Due
    snapshot: _Snapshot | None
    flight: _Flight
    lead: bool


class RefreshingCredentialsProvider:
    """Temporary credentials, refreshed ahead of expiry, one refresh at a time.

    ``refresh`` returns fresh :class:`~sigv4client.models.Credentials` (an STS,
    SSO or Cognito call...). The provider keeps the last result and calls
    ``refresh`` again only when it is due:

    - **advisory window** (the credentials expire within ``advisory_refresh``):
      one caller refreshes while every other caller gets the current, still
      valid credentials at once. If that refresh fails, the failure is logged
      and the current credentials are returned.
    - **mandatory window** (they expire within ``mandatory_refresh``), no
      credentials yet, or after :meth:`invalidate`: callers wait for the one
      refresh in progress. If it fails they get
      :class:`~sigv4client.exceptions.CredentialsError` chaining the cause, or
      :class:`~sigv4client.exceptions.CredentialsExpiredError` once the
      current credentials have expired.

    **Windows scale down for short-lived credentials.** With a lifetime ``L``
    (from the moment a refresh returned, by ``clock``, to ``expiration``) the
    effective windows are ``min(advisory_refresh, L / 3)`` and
    ``min(mandatory_refresh, L / 6)``. One-hour credentials get the full 15
    and 10 minutes (botocore's windows); 15-minute STS credentials are
    refreshed after 10 minutes, not on every call; moto's 90-second
    credentials are used for 60 seconds and must be replaced 15 seconds
    before they expire.

    Credentials without ``expiration`` are fetched once and never refreshed.
    A refresh that returns credentials that have already expired counts as a
    failed refresh (``CredentialsExpiredError``); it is not retried in a loop.

    ``get_credentials()`` blocks its caller during a mandatory refresh.
    ``aget_credentials()`` never blocks the event loop: it awaits
    ``async_refresh`` if given, else runs ``refresh`` in a worker thread. Both
    share the same snapshot and the same single refresh, across threads,
    tasks and event loops.

    ``clock`` returns the current time as an aware datetime (default: UTC
    now); ``initial`` seeds the provider with credentials already in hand.

    >>> from datetime import datetime, timedelta, timezone
    >>> from sigv4client.credentials import RefreshingCredentialsProvider
    >>> from sigv4client.models import Credentials
    >>> def fetch() -> Credentials:  # e.g. an STS AssumeRole call
    ...     return Credentials(
    ...         access_key_id="ASIAEXAMPLE", secret_access_key="example-secret",
    ...         session_token="example-token",
    ...         expiration=datetime.now(timezone.utc) + timedelta(hours=1))
    >>> provider = RefreshingCredentialsProvider(fetch)
    >>> provider.get_credentials().access_key_id
    'ASIAEXAMPLE'
    >>> import asyncio
    >>> asyncio.run(provider.aget_credentials()).access_key_id  # the same snapshot
    'ASIAEXAMPLE'
    """

    def __init__(
        self,
        refresh: Callable[[], Credentials],
        *,
        async_refresh: Callable[[], Awaitable[Credentials]] | None = None,
        clock: Callable[[], datetime] | None = None,
        advisory_refresh: timedelta = timedelta(minutes=15),
        mandatory_refresh: timedelta = timedelta(minutes=10),
        initial: Credentials | None = None,
    ) -> None:
        _require_callable(refresh, "refresh", optional=False)
        _require_callable(async_refresh, "async_refresh", optional=True)
        _require_callable(clock, "clock", optional=True)
        _require_window(advisory_refresh, "advisory_refresh")
        _require_window(mandatory_refresh, "mandatory_refresh")
        if mandatory_refresh > advisory_refresh:
            raise InvalidInputError(
                f"mandatory_refresh ({mandatory_refresh}) must not exceed advisory_refresh "
                f"({advisory_refresh}): callers block in the mandatory window, which must "
                "come after the advisory one"
            )
        self._refresh = refresh
        self._async_refresh = async_refresh
        self._clock: Callable[[], datetime] = clock if clock is not None else _utc_now
        self._advisory = advisory_refresh
        self._mandatory = mandatory_refresh
        self._lock = threading.Lock()
        self._flight: _Flight | None = None
        # The snapshot invalidate() condemned; compared by identity, so a
        # snapshot published after the invalidation is unaffected.
        self._invalidated: _Snapshot | None = None
        # Strong references to refresh tasks started for async callers, which
        # the event loop itself only holds weakly.
        self._tasks: set[asyncio.Task[None]] = set()
        self._snapshot: _Snapshot | None = None
        if initial is not None:
            self._snapshot = self._make_snapshot(
                require_credentials(initial, "RefreshingCredentialsProvider(initial=)"),
                self._now(),
            )

    # -- the two entry points -------------------------------------------------

    def get_credentials(self) -> Credentials:
        """Return current credentials, refreshing them first when due (may block)."""
        me = threading.get_ident()
        while True:
            now = self._now()
            ready = self._ready(self._snapshot, now)
            if ready is not None:
                return ready
            joined = self._join(now, sync_owner=me, loop_owner=None)
            if isinstance(joined, Credentials):
                return joined
            if joined.lead:
                self._fly(joined.flight)
            elif joined.due is _Due.ADVISORY and joined.snapshot is not None:
                return joined.snapshot.credentials
            elif me in (joined.flight.sync_owner, joined.flight.loop_owner):
                raise CredentialsError(
                    "get_credentials() would wait for a refresh that this same thread runs "
                    "(called from inside refresh, or from the event loop that runs "
                    "async_refresh); in async code use `await aget_credentials()`"
                )
            outcome = joined.flight.future.result()
            if outcome is None:
                continue  # the refresh was abandoned: start another
            return self._settle(outcome, joined)

    async def aget_credentials(self) -> Credentials:
        """Return current credentials, refreshing them first when due; never blocks the loop."""
        loop = asyncio.get_running_loop()
        me = threading.get_ident()
        while True:
            now = self._now()
            ready = self._ready(self._snapshot, now)
            if ready is not None:
                return ready
            loop_owner = me if self._async_refresh is not None else None
            joined = self._join(now, sync_owner=None, loop_owner=loop_owner)
            if isinstance(joined, Credentials):
                return joined
            if joined.lead:
                self._launch(joined.flight, loop)
            elif joined.due is _Due.ADVISORY and joined.snapshot is not None:
                return joined.snapshot.credentials
            elif me == joined.flight.sync_owner:
                raise CredentialsError(
                    "aget_credentials() would wait for a refresh that this same thread runs "
                    "(called from an event loop started inside refresh)"
                )
            outcome = await _wait(joined.flight, loop)
            if outcome is None:
                continue
            return self._settle(outcome, joined)

    def invalidate(self, credentials: Credentials | None = None) -> None:
        """Force the next call to refresh, e.g. after a 403 ``ExpiredToken``.

        Pass the ``credentials`` the failed request was signed with to
        invalidate only if they are still the current ones: when many requests
        fail at once, the first invalidation causes one refresh and the later
        ones leave the new credentials alone.
        """
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and (
                credentials is None or snapshot.credentials == credentials
            ):
                self._invalidated = snapshot
                logger.debug("credentials for %r invalidated", snapshot.credentials.access_key_id)

    def __repr__(self) -> str:
        snapshot = self._snapshot
        current = None if snapshot is None else snapshot.credentials
        # Name the callable, never repr it: a functools.partial shows its
        # arguments, which may be a password or a refresh token.
        name = getattr(self._refresh, "__qualname__", None) or type(self._refresh).__qualname__
        # Credentials' repr leaves out the secret key and the token.
        return f"{type(self).__name__}(refresh={name}, credentials={current!r})"

    # -- state ----------------------------------------------------------------

    def _now(self) -> datetime:
        now: object = self._clock()
        if not isinstance(now, datetime):
            raise InvalidInputError(f"clock must return a datetime, got {type(now).__name__}")
        if now.tzinfo is None or now.utcoffset() is None:
            raise NaiveDatetimeError(
                "clock returned a naive datetime; return an aware one, "
                "e.g. datetime.now(timezone.utc)"
            )
        return now

    def _make_snapshot(self, credentials: Credentials, now: datetime) -> _Snapshot:
        expiration = credentials.expiration
        if expiration is None:
            return _Snapshot(credentials, None)
        lifetime = max(expiration - now, timedelta(0))
        advisory = min(self._advisory, lifetime / _ADVISORY_FRACTION)
        mandatory = min(self._mandatory, lifetime / _MANDATORY_FRACTION)
        return _Snapshot(credentials, (expiration - advisory, expiration - mandatory))

    def _due(self, snapshot: _Snapshot | None, now: datetime) -> _Due:
        if snapshot is None or snapshot is self._invalidated:
            return _Due.MANDATORY
        if snapshot.due_at is None:
            return _Due.NO
        advisory_at, mandatory_at = snapshot.due_at
        if now >= mandatory_at:
            return _Due.MANDATORY
        if now >= advisory_at:
            return _Due.ADVISORY
        return _Due.NO

    def _ready(self, snapshot: _Snapshot | None, now: datetime) -> Credentials | None:
        """The snapshot's credentials if no refresh is due: the lock-free fast path."""
        if snapshot is not None and self._due(snapshot, now) is _Due.NO:
            return snapshot.credentials
        return None

    def _join(
        self, now: datetime, *, sync_owner: int | None, loop_owner: int | None
    ) -> Credentials | _Ticket:
        """Under the lock: credentials if another caller just refreshed, else a flight.

        The caller leads a new flight (``lead``) or joins the one in progress.
        """
        with self._lock:
            snapshot = self._snapshot
            due = self._due(snapshot, now)
            if snapshot is not None and due is _Due.NO:
                return snapshot.credentials
            if self._flight is not None:
                return _Ticket(due, snapshot, self._flight, lead=False)
            flight = self._flight = _Flight(sync_owner=sync_owner, loop_owner=loop_owner)
        key = None if snapshot is None else snapshot.credentials.access_key_id
        reason = "invalidated" if snapshot is self._invalidated else due.value
        logger.debug("refreshing credentials (current: %r, %s)", key, reason)
        return _Ticket(due, snapshot, flight, lead=True)

    # -- running a refresh ----------------------------------------------------

    def _launch(self, flight: _Flight, loop: asyncio.AbstractEventLoop) -> None:
        """Start an async caller's refresh in a task or thread of its own.

        Either outlives the caller: cancelling the caller that happened to
        start the refresh must not fail it for the others.
        """
        if self._async_refresh is None:
            # What asyncio.to_thread does, minus its wrapping task: the work
            # is submitted right here, so it runs even if the loop cancels
            # its tasks before they start.
            call = functools.partial(contextvars.copy_context().run, self._fly, flight)
            try:
                loop.run_in_executor(None, call)
            except RuntimeError as exc:  # the executor has been shut down
                self._land(flight, exc)
            return
        task = loop.create_task(self._fly_async(flight, self._async_refresh))
        self._tasks.add(task)

        def forget(done: asyncio.Task[None]) -> None:
            self._tasks.discard(done)
            if not flight.future.done():
                # Cancelled (perhaps before it even started): let a waiter
                # start another flight.
                self._land(flight, None)

        task.add_done_callback(forget)

    def _fly(self, flight: _Flight) -> None:
        """Run ``refresh`` in this thread and publish its outcome to ``flight``."""
        try:
            outcome: _Outcome = self._accept(self._refresh())
        except Exception as exc:
            outcome = exc
        except BaseException:
            self._land(flight, None)
            raise
        self._land(flight, outcome)

    async def _fly_async(
        self, flight: _Flight, refresh: Callable[[], Awaitable[Credentials]]
    ) -> None:
        """Await ``async_refresh`` and publish its outcome to ``flight``."""
        try:
            outcome: _Outcome = self._accept(await refresh())
        except Exception as exc:
            outcome = exc
        # A cancelled refresh lands in _launch's done callback.
        self._land(flight, outcome)

    def _accept(self, result: object) -> _Snapshot | Exception:
        """Check what a refresh returned and make it a snapshot."""
        if not isinstance(result, Credentials):
            return CredentialsError(
                f"refresh returned {type(result).__name__}, expected sigv4client.Credentials"
            )
        now = self._now()
        expiration = result.expiration
        if expiration is not None and expiration <= now:
            return CredentialsExpiredError(
                f"refresh returned credentials for {result.access_key_id!r} that expired at "
                f"{expiration.isoformat()} (now: {now.isoformat()}); check the system clock "
                "and the source of the credentials"
            )
        return self._make_snapshot(result, now)

    def _land(self, flight: _Flight, outcome: _Outcome) -> None:
        """Publish a flight's outcome: the new snapshot first, then wake the waiters."""
        if isinstance(outcome, Exception):
            logger.warning("refreshing credentials failed: %s", _describe(outcome))
        elif isinstance(outcome, _Snapshot):
            expiration = outcome.credentials.expiration
            logger.debug(
                "refreshed credentials: %r, expiring at %s",
                outcome.credentials.access_key_id,
                "never" if expiration is None else expiration.isoformat(),
            )
        with self._lock:
            if isinstance(outcome, _Snapshot):
                self._snapshot = outcome
            if self._flight is flight:
                self._flight = None
        flight.future.set_result(outcome)

    def _settle(self, outcome: _Snapshot | Exception, ticket: _Ticket) -> Credentials:
        """What a caller gets from a finished flight."""
        if isinstance(outcome, _Snapshot):
            return outcome.credentials
        snapshot = ticket.snapshot
        now = self._now()
        if snapshot is not None and ticket.due is _Due.ADVISORY and not _expired(snapshot, now):
            # The failure was logged in _land; the current credentials still work.
            return snapshot.credentials
        raise _failure(snapshot, outcome, now) from outcome


async def _wait(flight: _Flight, loop: asyncio.AbstractEventLoop) -> _Outcome:
    """Await a flight's outcome on ``loop``, whichever thread or loop lands it.

    Unlike ``asyncio.wrap_future``, cancelling this waiter never cancels the
    shared future, and a waiter whose loop has closed is simply skipped.
    """
    waiter: asyncio.Future[_Outcome] = loop.create_future()

    def fulfil(outcome: _Outcome) -> None:
        if not waiter.done():  # the waiting task may have been cancelled
            waiter.set_result(outcome)

    def wake(done: concurrent.futures.Future[_Outcome]) -> None:
        # RuntimeError: the loop has closed, nobody is left waiting on it.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(fulfil, done.result())

    flight.future.add_done_callback(wake)
    return await waiter


def _expired(snapshot: _Snapshot, now: datetime) -> bool:
    expiration = snapshot.credentials.expiration
    return expiration is not None and expiration <= now


def _failure(snapshot: _Snapshot | None, exc: Exception, now: datetime) -> CredentialsError:
    """The error for a caller that needed a refresh that failed."""
    reason = _describe(exc)
    if snapshot is None:
        return CredentialsError(f"could not obtain credentials: the refresh failed ({reason})")
    key = snapshot.credentials.access_key_id
    expiration = snapshot.credentials.expiration
    if expiration is None:
        return CredentialsError(
            f"could not refresh the invalidated credentials for {key!r}: {reason}"
        )
    if expiration <= now:
        return CredentialsExpiredError(
            f"the credentials for {key!r} expired at {expiration.isoformat()} and refreshing "
            f"them failed ({reason})"
        )
    return CredentialsError(
        f"could not refresh the credentials for {key!r}, which expire at "
        f"{expiration.isoformat()} ({reason})"
    )


def _describe(exc: BaseException) -> str:
    """The exception's type and message, cut short, for errors and logs.

    Our own exceptions never carry secrets; this is the same text a traceback
    of the chained cause would show anyway.
    """
    text = str(exc)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _require_callable(value: object, what: str, *, optional: bool) -> None:
    if (value is None and not optional) or (value is not None and not callable(value)):
        raise InvalidInputError(f"{what} must be a callable, got {type(value).__name__}")


def _require_window(value: object, what: str) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidInputError(f"{what} must be a timedelta of zero or more, got {value!r}")
