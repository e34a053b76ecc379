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
  or in a dedicated daemon thread (``refresh``), so cancelling the caller that
  started it leaves it running for the others. Not the loop's default
  executor: sync callers running in that pool could fill it while they wait
  for a refresh queued behind them.
- A flight records what must make progress for it to land: the thread that
  runs ``refresh`` (set by the worker itself when it starts) and the event
  loop that runs ``async_refresh``. A caller on that thread, or inside that
  refresh task, gets an error instead of waiting for itself; a caller that
  finds the flight's loop stopped or closed abandons the flight and starts
  another; and no caller waits longer than ``refresh_timeout`` before doing
  the same.
- A failed refresh is remembered (when, what, how many in a row) so that the
  next attempt waits for a capped exponential backoff instead of hammering
  the source of the credentials.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import enum
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, NamedTuple

from ..exceptions import (
    CredentialsError,
    CredentialsExpiredError,
    InvalidInputError,
    NaiveDatetimeError,
)
from ..models import Credentials
from ._base import require_credentials

if TYPE_CHECKING:
    # At run time asyncio is imported where an event loop already runs (it has
    # loaded it): a sync caller does not pay for it.
    import asyncio

logger = logging.getLogger("sigv4client.credentials")

# After the n-th failed refresh in a row, no new refresh starts for
# min(_BACKOFF_FIRST * 2 ** (n - 1), _BACKOFF_MAX): 1 s, 2 s, 4 s ... 60 s.
_BACKOFF_FIRST = timedelta(seconds=1)
_BACKOFF_MAX = timedelta(seconds=60)

# The windows never exceed these fractions of a credential's lifetime, so
# short-lived credentials are used for most of their life instead of being
# refreshed on every call (see RefreshingCredentialsProvider).
_ADVISORY_FRACTION = 3
_MANDATORY_FRACTION = 6


_time = time.time


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


# The default clock as this module defined it: _current()'s fast path reads
# time.time() in its place only for a provider using this very function (not
# one a test put in _utc_now's place, nor a subclass's own _now or _due).
_DEFAULT_CLOCK = _utc_now


# How long before the first instant a refresh is due at the fast path of
# _current() stops answering on its own: the exact path decides from then on,
# so that time.time() and datetime.now() (microseconds, rounded) never disagree
# about a window.
_FAST_PATH_MARGIN = 0.001


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """Credentials with the two instants at which they become due for refresh."""

    credentials: Credentials
    # (advisory_at, mandatory_at); None for credentials that never expire.
    due_at: tuple[datetime, datetime] | None
    # time.time() below which no refresh is due, by a margin: the earlier of
    # the two instants as seconds since the epoch, less _FAST_PATH_MARGIN
    # (infinity if never due).
    fresh_until: float


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

    __slots__ = ("abandoned", "future", "loop", "loop_owner", "sync_owner")

    def __init__(
        self,
        *,
        sync_owner: int | None,
        loop: asyncio.AbstractEventLoop | None = None,
        loop_owner: int | None = None,
    ) -> None:
        self.future: concurrent.futures.Future[_Outcome] = concurrent.futures.Future()
        # Threads that must make progress for this flight to finish: the thread
        # blocked in a sync refresh (set by a refresh worker thread when it
        # starts), or the thread whose event loop runs async_refresh. Blocking
        # either of them on the flight would deadlock.
        self.sync_owner = sync_owner
        self.loop_owner = loop_owner
        # The loop that runs async_refresh: if it stops, the flight never lands.
        self.loop = loop
        # Set under the provider's lock when a caller gave up on this flight and
        # started another: its late outcome is then published to nobody.
        self.abandoned = False

    def orphaned(self) -> bool:
        """Whether the loop running this flight's refresh stopped or closed."""
        loop = self.loop
        return loop is not None and (loop.is_closed() or not loop.is_running())


# The flight the current context is refreshing, set inside async_refresh's
# task (whose context is its own copy) to catch a refresh awaiting itself.
_REFRESHING: contextvars.ContextVar[_Flight | None] = contextvars.ContextVar(
    "sigv4client_refreshing", default=None
)


class _Failed(NamedTuple):
    """The last refresh failure: no new refresh is started before ``retry_at``."""

    failed_at: datetime
    exc: Exception
    attempt: int  # failures in a row, from 1

    @property
    def retry_at(self) -> datetime:
        return self.failed_at + _backoff(self.attempt)

    def backing_off(self, now: datetime) -> bool:
        """Whether ``now`` falls inside the backoff that followed this failure.

        A ``now`` before the failure means the clock was set back (NTP, a
        suspended VM): the backoff is over rather than stretched by the step,
        which would refuse every refresh until the clock caught up again.
        """
        return self.failed_at <= now < self.retry_at


def _backoff(attempt: int) -> timedelta:
    """How long to wait after the ``attempt``-th failed refresh in a row."""
    # Capped before multiplying so that a long run of failures cannot overflow.
    return min(_BACKOFF_FIRST * (1 << min(attempt - 1, 16)), _BACKOFF_MAX)


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

    **Failures back off.** After the ``n``-th failed refresh in a row no new
    refresh starts for ``min(2 ** (n - 1), 60)`` seconds, by ``clock``. Meanwhile
    callers in the advisory window get the current credentials, and callers
    that need a refresh get the ``CredentialsError`` (or
    ``CredentialsExpiredError``) of the last failure, chaining its cause,
    without calling ``refresh``. A successful refresh or :meth:`invalidate`
    ends the backoff.

    ``get_credentials()`` blocks its caller during a mandatory refresh.
    ``aget_credentials()`` never blocks the event loop: it awaits
    ``async_refresh`` if given, else runs ``refresh`` in a dedicated daemon
    thread (never the loop's default executor, which sync callers waiting for
    that refresh could be holding). Both share the same snapshot and the same
    single refresh, across threads, tasks and event loops.

    A refresh that calls this provider again (``refresh`` calling
    ``get_credentials()``, ``async_refresh`` awaiting ``aget_credentials()``,
    or a sync call on the loop running ``async_refresh``) raises
    ``CredentialsError`` instead of waiting for itself, whichever entry point
    started it. A caller never waits on a refresh that cannot finish: if the
    event loop running ``async_refresh`` has stopped (a timed-out
    ``run_until_complete``) or closed, the caller abandons that refresh and
    starts another; and a caller that has waited ``refresh_timeout`` (default
    one minute) for a refresh does the same.

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
        refresh_timeout: timedelta = timedelta(minutes=1),
    ) -> None:
        _require_callable(refresh, "refresh", optional=False)
        _require_callable(async_refresh, "async_refresh", optional=True)
        _require_callable(clock, "clock", optional=True)
        _require_window(advisory_refresh, "advisory_refresh")
        _require_window(mandatory_refresh, "mandatory_refresh")
        if not isinstance(refresh_timeout, timedelta) or refresh_timeout <= timedelta(0):
            raise InvalidInputError(
                f"refresh_timeout must be a positive timedelta, got {refresh_timeout!r}"
            )
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
        self._timeout = refresh_timeout.total_seconds()
        self._lock = threading.Lock()
        self._flight: _Flight | None = None
        # The last failed refresh, until one succeeds or invalidate() is called.
        self._failed: _Failed | None = None
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
        ready = self._current()  # the common case: no refresh due
        if ready is not None:
            return ready
        me = threading.get_ident()
        stale: _Flight | None = None
        while True:
            now = self._now()
            ready = self._ready(self._snapshot, now)
            if ready is not None:
                return ready
            joined = self._join(now, sync_owner=me, stale=stale)
            stale = None
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
            try:
                outcome = joined.flight.future.result(self._timeout)
            except concurrent.futures.TimeoutError:
                stale = joined.flight  # stuck: take it over
                continue
            if outcome is None:
                continue  # the refresh was abandoned: start another
            return self._settle(outcome, joined)

    async def aget_credentials(self) -> Credentials:
        """Return current credentials, refreshing them first when due; never blocks the loop."""
        ready = self._current()  # the common case: no refresh due
        if ready is not None:
            return ready
        import asyncio

        loop = asyncio.get_running_loop()
        me = threading.get_ident()
        stale: _Flight | None = None
        while True:
            now = self._now()
            ready = self._ready(self._snapshot, now)
            if ready is not None:
                return ready
            if self._async_refresh is not None:
                joined = self._join(now, sync_owner=None, loop=loop, loop_owner=me, stale=stale)
            else:
                # The worker thread records itself as sync_owner when it starts.
                joined = self._join(now, sync_owner=None, stale=stale)
            stale = None
            if isinstance(joined, Credentials):
                return joined
            if joined.lead:
                self._launch(joined.flight, loop)
            elif joined.due is _Due.ADVISORY and joined.snapshot is not None:
                return joined.snapshot.credentials
            elif me == joined.flight.sync_owner or _REFRESHING.get() is joined.flight:
                raise CredentialsError(
                    "aget_credentials() would wait for a refresh that it is part of "
                    "(called from inside async_refresh, or from an event loop started "
                    "inside refresh)"
                )
            try:
                outcome = await _wait(joined.flight, loop, self._timeout)
            except asyncio.TimeoutError:
                stale = joined.flight  # stuck: take it over
                continue
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
                self._failed = None  # the next call refreshes at once
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
            return _Snapshot(credentials, None, math.inf)
        # In UTC: an aware datetime's arithmetic is on its wall clock, and in a
        # zone with daylight saving "15 minutes before expiry" could land after it.
        expiration = expiration.astimezone(timezone.utc)
        lifetime = max(expiration - now, timedelta(0))
        advisory = min(self._advisory, lifetime / _ADVISORY_FRACTION)
        mandatory = min(self._mandatory, lifetime / _MANDATORY_FRACTION)
        advisory_at, mandatory_at = expiration - advisory, expiration - mandatory
        first = min(advisory_at, mandatory_at)
        return _Snapshot(
            credentials,
            (advisory_at, mandatory_at),
            first.timestamp() - _FAST_PATH_MARGIN,
        )

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

    def _current(self) -> Credentials | None:
        """The credentials at hand if no refresh is due now, else None; never waits.

        What both entry points return first, without their set-up: adapters
        signing on an event loop ask this before awaiting
        :meth:`aget_credentials`.
        """
        snapshot = self._snapshot
        if (
            snapshot is not None
            and _time() < snapshot.fresh_until
            and self._clock is _DEFAULT_CLOCK
            and type(self) is RefreshingCredentialsProvider
            and snapshot is not self._invalidated
        ):
            # The default clock, well before the first instant a refresh is due
            # at: what _due() answers, read as one float compare instead of an
            # aware datetime made and compared (a call frame and several
            # objects, on every request an adapter signs).
            return snapshot.credentials
        return self._ready(snapshot, self._now())

    def _ready(self, snapshot: _Snapshot | None, now: datetime) -> Credentials | None:
        """The snapshot's credentials if no refresh is due: the lock-free fast path."""
        if snapshot is not None and self._due(snapshot, now) is _Due.NO:
            return snapshot.credentials
        return None

    def _join(
        self,
        now: datetime,
        *,
        sync_owner: int | None,
        loop: asyncio.AbstractEventLoop | None = None,
        loop_owner: int | None = None,
        stale: _Flight | None = None,
    ) -> Credentials | _Ticket:
        """Under the lock: credentials if another caller just refreshed, else a flight.

        The caller leads a new flight (``lead``) or joins the one in progress.
        A flight that is ``stale`` (the caller timed out waiting for it) or
        orphaned (its loop stopped) is abandoned first. While a failed refresh
        backs off, the caller gets the current credentials in the advisory
        window, else the error of that failure.
        """
        abandoned: _Flight | None = None
        failed: _Failed | None = None
        with self._lock:
            snapshot = self._snapshot
            due = self._due(snapshot, now)
            if snapshot is not None and due is _Due.NO:
                return snapshot.credentials
            current = self._flight
            if current is not None and (current is stale or current.orphaned()):
                current.abandoned = True
                abandoned, current, self._flight = current, None, None
            if current is not None:
                return _Ticket(due, snapshot, current, lead=False)
            if self._failed is not None and self._failed.backing_off(now):
                failed = self._failed
            else:
                flight = self._flight = _Flight(
                    sync_owner=sync_owner, loop=loop, loop_owner=loop_owner
                )
        if abandoned is not None:
            logger.warning(
                "abandoned a credentials refresh that %s; starting another",
                "did not finish in time" if abandoned is stale else "lost its event loop",
            )
            # Its other waiters start over and join the new flight.
            _resolve(abandoned, None)
        if failed is not None:
            if due is _Due.ADVISORY and snapshot is not None:
                return snapshot.credentials
            retry = f"next attempt after {failed.retry_at.isoformat()}"
            raise _failure(snapshot, failed.exc, now, retry) from failed.exc
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
            # A thread of its own, not the loop's default executor: sync
            # callers running in that pool may be waiting for this very
            # flight, and a full pool would never run it. Started right here,
            # it runs even if the loop cancels its tasks or stops.
            worker = threading.Thread(
                target=contextvars.copy_context().run,
                args=(self._fly_detached, flight),
                name="sigv4client-credentials-refresh",
                daemon=True,
            )
            try:
                worker.start()
            except RuntimeError as exc:  # no more threads, or interpreter shutdown
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

    def _fly_detached(self, flight: _Flight) -> None:
        """Run an async caller's ``refresh`` in this worker thread."""
        # Before refresh runs: a nested call from it must see that it runs here.
        flight.sync_owner = threading.get_ident()
        self._fly(flight)

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
        _REFRESHING.set(flight)  # in this task's own copy of the context
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
        failed_at = self._failed_at() if isinstance(outcome, Exception) else None
        with self._lock:
            if self._flight is flight:
                self._flight = None
            if not flight.abandoned:  # else a newer flight speaks for the provider
                if isinstance(outcome, _Snapshot):
                    self._snapshot = outcome
                    self._failed = None
                elif isinstance(outcome, Exception) and failed_at is not None:
                    attempt = 1 if self._failed is None else self._failed.attempt + 1
                    self._failed = _Failed(failed_at, outcome, attempt)
        _resolve(flight, outcome)

    def _failed_at(self) -> datetime | None:
        """The time of a failure, or None (no backoff) if the clock itself fails."""
        try:
            return self._now()
        except Exception:
            return None

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


def _resolve(flight: _Flight, outcome: _Outcome) -> None:
    """Wake a flight's waiters, unless an abandoning caller already did."""
    with contextlib.suppress(concurrent.futures.InvalidStateError):
        flight.future.set_result(outcome)


async def _wait(flight: _Flight, loop: asyncio.AbstractEventLoop, timeout: float) -> _Outcome:
    """Await a flight's outcome on ``loop``, whichever thread or loop lands it.

    Unlike ``asyncio.wrap_future``, cancelling this waiter never cancels the
    shared future, and a waiter whose loop has closed is simply skipped.
    Raises ``asyncio.TimeoutError`` after ``timeout`` seconds.
    """
    import asyncio

    waiter: asyncio.Future[_Outcome] = loop.create_future()

    def fulfil(outcome: _Outcome) -> None:
        if not waiter.done():  # the waiting task may have been cancelled
            waiter.set_result(outcome)

    def wake(done: concurrent.futures.Future[_Outcome]) -> None:
        # RuntimeError: the loop has closed, nobody is left waiting on it.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(fulfil, done.result())

    flight.future.add_done_callback(wake)
    return await asyncio.wait_for(waiter, timeout)


def _expired(snapshot: _Snapshot, now: datetime) -> bool:
    expiration = snapshot.credentials.expiration
    return expiration is not None and expiration <= now


def _failure(
    snapshot: _Snapshot | None, exc: Exception, now: datetime, retry: str | None = None
) -> CredentialsError:
    """The error for a caller that needed a refresh that failed."""
    reason = _describe(exc) if retry is None else f"{_describe(exc)}; {retry}"
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
