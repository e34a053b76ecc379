"""Tests for sigv4client.credentials: providers, refresh windows, concurrency.

Time is a FakeClock passed through the ``clock`` parameter. Where a test must
know that other callers are waiting, it waits (with a generous timeout that
only matters if the code under test is broken) until they have read the clock:
after that, each of them is bound to join the refresh in progress.
"""

from __future__ import annotations

import asyncio
import doctest
import functools
import json
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import botocore.session
import pytest

import sigv4client.credentials as credentials_pkg
from sigv4client.credentials import (
    AsyncCredentialsProvider,
    BotocoreSessionProvider,
    CredentialsProvider,
    RefreshingCredentialsProvider,
    StaticCredentialsProvider,
    _base,
    _botocore,
    _refreshing,
    aget,
    resolve_provider,
)
from sigv4client.exceptions import (
    CredentialsError,
    CredentialsExpiredError,
    InvalidInputError,
    NaiveDatetimeError,
)
from sigv4client.models import Credentials
from tests.support.clock import FakeClock

START = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
WAIT = 10.0  # seconds; reached only when the code under test hangs
SECRET_MARKERS = ("secret-for-", "token-for-", "SECRETKEY", "SESSIONTOKEN")


class Issuer:
    """Issues numbered credentials whose secret and token name their key."""

    def __init__(self, clock: FakeClock, lifetime: timedelta | None = timedelta(hours=1)) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.count = 0
        self.issued_at = clock.now
        self._lock = threading.Lock()

    def __call__(self) -> Credentials:
        with self._lock:
            self.count += 1
            n = self.count
            self.issued_at = self.clock.now
        key = f"ASIA{n:016d}"
        expiration = None if self.lifetime is None else self.issued_at + self.lifetime
        return Credentials(
            access_key_id=key,
            secret_access_key="secret-for-" + key,
            session_token="token-for-" + key,
            expiration=expiration,
        )


def assert_whole(creds: Credentials) -> None:
    """The key, secret and token come from the same issue: no torn snapshot."""
    key = creds.access_key_id
    assert creds.secret_access_key == "secret-for-" + key
    assert creds.session_token == "token-for-" + key


def assert_no_secret(text: str) -> None:
    for marker in SECRET_MARKERS:
        assert marker not in text, text


def make(
    lifetime: timedelta | None = timedelta(hours=1), **kwargs: object
) -> tuple[RefreshingCredentialsProvider, FakeClock, Issuer]:
    clock = FakeClock(START)
    issuer = Issuer(clock, lifetime)
    provider = RefreshingCredentialsProvider(issuer, clock=clock, **kwargs)  # type: ignore[arg-type]
    return provider, clock, issuer


def blocking(
    refresh: Callable[[], Credentials],
    release: threading.Event,
    entered: threading.Event | None = None,
) -> Callable[[], Credentials]:
    """``refresh`` that waits for ``release`` (and signals ``entered``) first."""

    def held() -> Credentials:
        if entered is not None:
            entered.set()
        assert release.wait(WAIT)
        return refresh()

    return held


# -- package surface -------------------------------------------------------


def test_all_is_sorted_and_complete() -> None:
    assert credentials_pkg.__all__ == sorted(credentials_pkg.__all__)
    assert set(credentials_pkg.__all__) == {
        "AsyncCredentialsProvider",
        "BotocoreSessionProvider",
        "CredentialsProvider",
        "RefreshingCredentialsProvider",
        "StaticCredentialsProvider",
        "aget",
        "resolve_provider",
    }
    for name in credentials_pkg.__all__:
        assert getattr(credentials_pkg, name).__doc__


@pytest.mark.parametrize("module", [credentials_pkg, _base, _botocore, _refreshing])
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0


def test_providers_satisfy_the_protocols() -> None:
    provider, _, _ = make()
    for p in (
        provider,
        StaticCredentialsProvider(Issuer(FakeClock(START))()),
        BotocoreSessionProvider(botocore.session.Session()),
    ):
        assert isinstance(p, CredentialsProvider)
        assert isinstance(p, AsyncCredentialsProvider)


# -- static, resolve_provider, aget ------------------------------------------


def test_static_provider_returns_the_same_value() -> None:
    creds = Issuer(FakeClock(START))()
    provider = StaticCredentialsProvider(creds)
    assert provider.get_credentials() is creds
    assert asyncio.run(provider.aget_credentials()) is creds
    assert_no_secret(repr(provider) + str(provider))
    assert creds.access_key_id in repr(provider)


def test_static_provider_refuses_a_non_credentials_value_without_echoing_it() -> None:
    with pytest.raises(InvalidInputError) as info:
        StaticCredentialsProvider({"secret": "secret-for-X"})  # type: ignore[arg-type]
    assert "dict" in str(info.value)
    assert_no_secret(str(info.value))


def test_resolve_provider() -> None:
    creds = Issuer(FakeClock(START))()
    wrapped = resolve_provider(creds)
    assert isinstance(wrapped, StaticCredentialsProvider)
    assert wrapped.get_credentials() is creds
    provider, _, _ = make()
    assert resolve_provider(provider) is provider


def test_resolve_provider_refuses_other_values_clearly() -> None:
    with pytest.raises(InvalidInputError, match="Credentials or a provider") as info:
        resolve_provider(("AKID", "secret-for-AKID"))  # type: ignore[arg-type]
    assert "tuple" in str(info.value)
    assert_no_secret(str(info.value))

    class AsyncOnly:
        async def aget_credentials(self) -> Credentials:
            raise AssertionError

    with pytest.raises(InvalidInputError, match="aget"):
        resolve_provider(AsyncOnly())  # type: ignore[arg-type]


def test_aget_prefers_the_async_method() -> None:
    creds = Issuer(FakeClock(START))()

    class Both:
        def get_credentials(self) -> Credentials:
            raise AssertionError("the sync method must not be used")

        async def aget_credentials(self) -> Credentials:
            return creds

    assert asyncio.run(aget(Both())) is creds


def test_aget_runs_a_sync_provider_in_a_thread() -> None:
    creds = Issuer(FakeClock(START))()
    threads: list[int] = []

    class SyncOnly:
        def get_credentials(self) -> Credentials:
            threads.append(threading.get_ident())
            return creds

    assert asyncio.run(aget(SyncOnly())) is creds
    assert threads
    assert threads != [threading.get_ident()]


def test_aget_refuses_a_non_provider() -> None:
    with pytest.raises(InvalidInputError, match="object"):
        asyncio.run(aget(object()))  # type: ignore[arg-type]


# -- RefreshingCredentialsProvider: windows -----------------------------------


def test_first_call_fetches_and_later_calls_reuse() -> None:
    provider, clock, issuer = make()
    first = provider.get_credentials()
    for _ in range(100):
        clock.advance(seconds=20)  # up to 33 minutes: before the advisory window
        assert provider.get_credentials() is first
    assert issuer.count == 1


def test_one_refresh_per_window_over_many_lifetimes() -> None:
    provider, clock, issuer = make()
    keys = set()
    for _ in range(10 * 60):  # ten hours, one call a minute
        creds = provider.get_credentials()
        assert creds.expiration is not None
        assert creds.expiration > clock.now
        keys.add(creds.access_key_id)
        clock.advance(minutes=1)
    # One-hour credentials are replaced when 15 minutes remain: every 45 minutes.
    assert issuer.count == len(keys) == 1 + (10 * 60 - 1) // 45


def test_advisory_window_one_caller_refreshes_the_others_keep_going() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    release, entered = threading.Event(), threading.Event()
    first = issuer()
    provider = RefreshingCredentialsProvider(
        blocking(issuer, release, entered), clock=clock, initial=first
    )
    clock.advance(minutes=47)  # 13 minutes left: advisory, not mandatory
    with ThreadPoolExecutor(2) as pool:
        refresher = pool.submit(provider.get_credentials)
        assert entered.wait(WAIT)
        # While that refresh is held, everyone else gets the current snapshot.
        others = pool.submit(lambda: [provider.get_credentials() for _ in range(50)])
        assert all(c is first for c in others.result(WAIT))
        assert asyncio.run(provider.aget_credentials()) is first
        release.set()
        new = refresher.result(WAIT)
    assert new is not first
    assert provider.get_credentials() is new
    assert issuer.count == 2


def test_failed_advisory_refresh_keeps_the_snapshot_and_logs_without_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(START)
    first = Issuer(clock)()

    def failing() -> Credentials:
        raise ConnectionError("sts unreachable")

    provider = RefreshingCredentialsProvider(failing, clock=clock, initial=first)
    clock.advance(minutes=46)
    with caplog.at_level(logging.DEBUG, logger="sigv4client.credentials"):
        assert provider.get_credentials() is first
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].name == "sigv4client.credentials"
    assert "ConnectionError: sts unreachable" in warnings[0].getMessage()
    for record in caplog.records:
        assert_no_secret(record.getMessage())


def test_mandatory_window_callers_wait_for_exactly_one_refresh() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    release, entered = threading.Event(), threading.Event()
    first = issuer()
    provider = RefreshingCredentialsProvider(
        blocking(issuer, release, entered), clock=clock, initial=first
    )
    clock.advance(minutes=55)  # 5 minutes left: mandatory
    with ThreadPoolExecutor(8) as pool:
        leader = pool.submit(provider.get_credentials)
        assert entered.wait(WAIT)
        calls = clock.calls
        waiters = [pool.submit(provider.get_credentials) for _ in range(7)]
        clock.wait_for_calls(calls + 7)  # all seven have looked: they must wait
        assert not any(w.done() for w in waiters)
        release.set()
        results = [f.result(WAIT) for f in [leader, *waiters]]
    assert issuer.count == 2
    assert all(r is results[0] for r in results)
    assert results[0] is not first
    assert_whole(results[0])


def test_failed_mandatory_refresh_raises_credentials_error_with_the_cause() -> None:
    clock = FakeClock(START)
    first = Issuer(clock)()
    boom = ConnectionError("sts unreachable")

    def failing() -> Credentials:
        raise boom

    provider = RefreshingCredentialsProvider(failing, clock=clock, initial=first)
    clock.advance(minutes=52)
    with pytest.raises(CredentialsError) as info:
        provider.get_credentials()
    assert type(info.value) is CredentialsError  # not yet expired
    assert info.value.__cause__ is boom
    assert first.access_key_id in str(info.value)
    assert_no_secret(str(info.value))


def test_expired_and_failing_raises_credentials_expired_error() -> None:
    clock = FakeClock(START)
    first = Issuer(clock)()
    boom = ConnectionError("sts unreachable")

    def failing() -> Credentials:
        raise boom

    provider = RefreshingCredentialsProvider(failing, clock=clock, initial=first)
    clock.advance(hours=2)
    with pytest.raises(CredentialsExpiredError) as info:
        provider.get_credentials()
    assert info.value.__cause__ is boom
    assert_no_secret(str(info.value))
    with pytest.raises(CredentialsExpiredError):
        asyncio.run(provider.aget_credentials())


def test_failing_first_fetch_raises_credentials_error() -> None:
    def failing() -> Credentials:
        raise KeyError("Credentials")

    provider = RefreshingCredentialsProvider(failing, clock=FakeClock(START))
    with pytest.raises(CredentialsError, match="could not obtain credentials") as info:
        provider.get_credentials()
    assert type(info.value) is CredentialsError
    assert isinstance(info.value.__cause__, KeyError)


def test_waiters_share_a_failed_mandatory_refresh_instead_of_retrying_in_turn() -> None:
    clock = FakeClock(START)
    first = Issuer(clock)()
    release, entered = threading.Event(), threading.Event()
    attempts = []

    def failing() -> Credentials:
        attempts.append(1)
        raise ConnectionError("sts unreachable")

    provider = RefreshingCredentialsProvider(
        blocking(failing, release, entered), clock=clock, initial=first
    )
    clock.advance(minutes=55)
    with ThreadPoolExecutor(6) as pool:
        leader = pool.submit(provider.get_credentials)
        assert entered.wait(WAIT)
        calls = clock.calls
        waiters = [pool.submit(provider.get_credentials) for _ in range(5)]
        clock.wait_for_calls(calls + 5)
        release.set()
        for f in [leader, *waiters]:
            with pytest.raises(CredentialsError):
                f.result(WAIT)
    assert len(attempts) == 1


def test_refresh_returning_expired_credentials_is_a_failure_not_a_loop() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock, lifetime=timedelta(seconds=-1))
    provider = RefreshingCredentialsProvider(issuer, clock=clock)
    with pytest.raises(CredentialsError) as info:
        provider.get_credentials()
    assert isinstance(info.value.__cause__, CredentialsExpiredError)
    assert "check the system clock" in str(info.value)
    assert issuer.count == 1


def test_refresh_returning_credentials_inside_the_mandatory_window_uses_them() -> None:
    # Configured windows far longer than the credentials live: scaling keeps
    # them usable instead of refreshing again at once.
    provider, _clock, issuer = make(
        lifetime=timedelta(minutes=5),
        advisory_refresh=timedelta(hours=2),
        mandatory_refresh=timedelta(hours=1),
    )
    first = provider.get_credentials()
    assert provider.get_credentials() is first
    assert issuer.count == 1


def test_refresh_returning_a_wrong_type_is_a_credentials_error() -> None:
    provider = RefreshingCredentialsProvider(lambda: {"k": "v"}, clock=FakeClock(START))  # type: ignore[arg-type,return-value]
    with pytest.raises(CredentialsError, match="refresh returned dict"):
        provider.get_credentials()


def test_ninety_second_credentials_are_reused_then_refreshed_before_expiry() -> None:
    provider, clock, issuer = make(lifetime=timedelta(seconds=90))
    first = provider.get_credentials()
    for _ in range(450):  # the first 45 seconds, ten calls a second
        assert provider.get_credentials() is first
        clock.advance(seconds=0.1)
    assert issuer.count == 1
    clock.now = START + timedelta(seconds=59)
    assert provider.get_credentials() is first  # advisory window: the last 30 s
    clock.now = START + timedelta(seconds=61)
    second = provider.get_credentials()
    assert second is not first
    assert issuer.count == 2
    assert first.expiration is not None
    assert clock.now < first.expiration


def test_fifteen_minute_credentials_last_ten_minutes() -> None:
    provider, clock, issuer = make(lifetime=timedelta(minutes=15))
    first = provider.get_credentials()
    clock.advance(minutes=9, seconds=59)
    assert provider.get_credentials() is first
    clock.advance(seconds=2)
    assert provider.get_credentials() is not first
    assert issuer.count == 2


def test_credentials_without_expiration_are_never_refreshed() -> None:
    provider, clock, issuer = make(lifetime=None)
    first = provider.get_credentials()
    for _ in range(100):
        clock.advance(days=30)
        assert provider.get_credentials() is first
    assert issuer.count == 1


def test_initial_credentials_are_used_without_a_fetch() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    first = issuer()
    provider = RefreshingCredentialsProvider(issuer, clock=clock, initial=first)
    assert provider.get_credentials() is first
    assert issuer.count == 1


def test_expired_initial_credentials_are_refreshed() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    first = issuer()
    clock.advance(hours=2)
    provider = RefreshingCredentialsProvider(issuer, clock=clock, initial=first)
    assert provider.get_credentials() is not first
    assert issuer.count == 2


def test_invalidate_forces_one_refresh() -> None:
    provider, _, issuer = make()
    first = provider.get_credentials()
    provider.invalidate()
    second = provider.get_credentials()
    assert second is not first
    assert provider.get_credentials() is second
    assert issuer.count == 2


def test_invalidate_with_stale_credentials_leaves_new_ones_alone() -> None:
    provider, _, issuer = make()
    first = provider.get_credentials()
    provider.invalidate(first)
    second = provider.get_credentials()
    provider.invalidate(first)  # a late 403 for a request signed with `first`
    assert provider.get_credentials() is second
    assert issuer.count == 2


def test_invalidated_credentials_that_cannot_be_refreshed_raise() -> None:
    clock = FakeClock(START)
    first = Issuer(clock, lifetime=None)()

    def failing() -> Credentials:
        raise ConnectionError("down")

    provider = RefreshingCredentialsProvider(failing, clock=clock, initial=first)
    provider.invalidate()
    with pytest.raises(CredentialsError, match="invalidated"):
        provider.get_credentials()


def test_naive_clock_is_refused() -> None:
    provider = RefreshingCredentialsProvider(
        Issuer(FakeClock(START)), clock=lambda: datetime(2024, 1, 1)
    )
    with pytest.raises(NaiveDatetimeError):
        provider.get_credentials()
    assert issubclass(NaiveDatetimeError, InvalidInputError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"advisory_refresh": timedelta(minutes=5), "mandatory_refresh": timedelta(minutes=10)},
        {"mandatory_refresh": timedelta(seconds=-1)},
        {"advisory_refresh": 900},
        {"clock": "now"},
        {"async_refresh": 3},
        {"initial": ("AKID", "secret-for-AKID")},
        {"refresh_timeout": timedelta(0)},
        {"refresh_timeout": 60},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError) as info:
        RefreshingCredentialsProvider(Issuer(FakeClock(START)), **kwargs)  # type: ignore[arg-type]
    assert_no_secret(str(info.value))


def test_refresh_must_be_callable() -> None:
    with pytest.raises(InvalidInputError, match="refresh must be a callable"):
        RefreshingCredentialsProvider(None)  # type: ignore[arg-type]


def test_reentrant_refresh_raises_instead_of_deadlocking() -> None:
    holder: list[RefreshingCredentialsProvider] = []

    def reentrant() -> Credentials:
        return holder[0].get_credentials()

    provider = RefreshingCredentialsProvider(reentrant, clock=FakeClock(START))
    holder.append(provider)
    with pytest.raises(CredentialsError) as info:
        provider.get_credentials()
    assert "same thread" in str(info.value.__cause__)


def test_an_interrupted_refresh_lets_a_waiter_start_another() -> None:
    class Interrupt(BaseException):
        pass

    clock = FakeClock(START)
    issuer = Issuer(clock)
    release, entered = threading.Event(), threading.Event()
    attempts = []

    def refresh() -> Credentials:
        attempts.append(1)
        if len(attempts) == 1:
            entered.set()
            assert release.wait(WAIT)
            raise Interrupt
        return issuer()

    provider = RefreshingCredentialsProvider(refresh, clock=clock)
    with ThreadPoolExecutor(2) as pool:
        leader = pool.submit(provider.get_credentials)
        assert entered.wait(WAIT)
        calls = clock.calls
        waiter = pool.submit(provider.get_credentials)
        clock.wait_for_calls(calls + 1)
        release.set()
        with pytest.raises(Interrupt):
            leader.result(WAIT)
        assert_whole(waiter.result(WAIT))
    assert len(attempts) == 2


# -- RefreshingCredentialsProvider: racing threads ----------------------------


def test_racing_threads_one_refresh_per_expiry_and_no_torn_snapshot() -> None:
    threads, calls_per_phase = 16, 200
    provider, clock, issuer = make()
    provider.get_credentials()
    # Where each phase puts the clock, after the last issue: advisory,
    # mandatory, and past expiry. Each must cause exactly one refresh.
    offsets = [timedelta(minutes=m) for m in (46, 55, 61, 47, 52, 75)]
    barrier = threading.Barrier(threads + 1)

    def worker() -> list[Credentials]:
        seen: list[Credentials] = []
        for _ in offsets:
            barrier.wait(WAIT)  # the clock is set: go
            seen.extend(provider.get_credentials() for _ in range(calls_per_phase))
            barrier.wait(WAIT)  # phase done
        return seen

    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(worker) for _ in range(threads)]
        for phase, offset in enumerate(offsets):
            clock.now = issuer.issued_at + offset
            barrier.wait(WAIT)
            barrier.wait(WAIT)
            assert issuer.count == phase + 2
        results = [f.result(WAIT) for f in futures]

    for seen in results:
        assert len(seen) == len(offsets) * calls_per_phase
        numbers = [int(c.access_key_id[4:]) for c in seen]
        assert numbers == sorted(numbers)  # never back to an older snapshot
        for creds in seen:
            assert_whole(creds)


# -- RefreshingCredentialsProvider: asyncio ------------------------------------


def test_async_thousand_tasks_one_refresh_with_threaded_refresh() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    release = threading.Event()
    provider = RefreshingCredentialsProvider(blocking(issuer, release), clock=clock)

    async def burst() -> list[Credentials]:
        tasks = [asyncio.create_task(provider.aget_credentials()) for _ in range(1000)]
        await asyncio.sleep(0)  # every task runs up to its wait on the one refresh
        assert not any(t.done() for t in tasks)
        release.set()
        results = await asyncio.gather(*tasks)
        release.clear()
        return results

    async def main() -> None:
        first = await burst()  # the first fetch
        assert issuer.count == 1
        clock.advance(minutes=55)  # across into the mandatory window
        second = await burst()
        assert issuer.count == 2
        for results in (first, second):
            assert all(r is results[0] for r in results)
            assert_whole(results[0])
        assert second[0] is not first[0]

    asyncio.run(main())


def test_async_thousand_tasks_one_refresh_with_async_refresh() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    sync_calls = []

    def sync_refresh() -> Credentials:
        sync_calls.append(1)
        return issuer()

    async def main() -> None:
        gate = asyncio.Event()
        loop_thread = threading.get_ident()
        refresh_threads = []

        async def async_refresh() -> Credentials:
            refresh_threads.append(threading.get_ident())
            await gate.wait()
            return issuer()

        provider = RefreshingCredentialsProvider(
            sync_refresh, async_refresh=async_refresh, clock=clock
        )
        for phase in range(3):
            tasks = [asyncio.create_task(provider.aget_credentials()) for _ in range(1000)]
            await asyncio.sleep(0)
            assert not any(t.done() for t in tasks)
            gate.set()
            results = await asyncio.gather(*tasks)
            gate.clear()
            assert issuer.count == phase + 1
            assert all(r is results[0] for r in results)
            assert_whole(results[0])
            clock.advance(hours=2)  # past expiry
        assert refresh_threads == [loop_thread] * 3

    asyncio.run(main())
    assert sync_calls == []


def test_async_advisory_window_does_not_make_other_tasks_wait() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    first = issuer()

    async def main() -> None:
        gate = asyncio.Event()

        async def async_refresh() -> Credentials:
            await gate.wait()
            return issuer()

        provider = RefreshingCredentialsProvider(
            issuer, async_refresh=async_refresh, clock=clock, initial=first
        )
        clock.advance(minutes=48)
        tasks = [asyncio.create_task(provider.aget_credentials()) for _ in range(100)]
        await asyncio.sleep(0)
        assert [t.done() for t in tasks] == [False] + [True] * 99
        assert all(t.result() is first for t in tasks[1:])
        gate.set()
        new = await tasks[0]
        assert new is not first
        assert await provider.aget_credentials() is new

    asyncio.run(main())
    assert issuer.count == 2


def test_async_failed_mandatory_refresh_one_attempt_all_tasks_fail() -> None:
    clock = FakeClock(START)
    first = Issuer(clock)()
    attempts = []

    async def main() -> None:
        gate = asyncio.Event()

        async def async_refresh() -> Credentials:
            attempts.append(1)
            await gate.wait()
            raise ConnectionError("sts unreachable")

        provider = RefreshingCredentialsProvider(
            Issuer(clock), async_refresh=async_refresh, clock=clock, initial=first
        )
        clock.advance(minutes=55)
        tasks = [asyncio.create_task(provider.aget_credentials()) for _ in range(200)]
        await asyncio.sleep(0)
        gate.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(type(r) is CredentialsError for r in results)
        assert all(isinstance(r.__cause__, ConnectionError) for r in results)  # type: ignore[union-attr]

    asyncio.run(main())
    assert len(attempts) == 1


def test_async_cancelling_the_task_that_started_a_refresh_does_not_fail_the_others() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)

    async def main() -> None:
        gate = asyncio.Event()

        async def async_refresh() -> Credentials:
            await gate.wait()
            return issuer()

        provider = RefreshingCredentialsProvider(issuer, async_refresh=async_refresh, clock=clock)
        leader = asyncio.create_task(provider.aget_credentials())
        await asyncio.sleep(0)
        follower = asyncio.create_task(provider.aget_credentials())
        await asyncio.sleep(0)
        leader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leader
        gate.set()
        assert_whole(await follower)

    asyncio.run(main())
    assert issuer.count == 1


def test_async_refresh_cancelled_at_loop_shutdown_lets_another_caller_refresh() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    started = threading.Event()

    async def async_refresh() -> Credentials:
        started.set()
        await asyncio.Event().wait()  # never returns: cancelled at shutdown
        raise AssertionError

    provider = RefreshingCredentialsProvider(issuer, async_refresh=async_refresh, clock=clock)

    async def abandon() -> None:
        asyncio.get_running_loop().create_task(provider.aget_credentials())
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(abandon())  # ends with the refresh pending; asyncio.run cancels it
    assert started.is_set()
    with ThreadPoolExecutor(1) as pool:  # not stuck behind the abandoned refresh
        assert_whole(pool.submit(provider.get_credentials).result(WAIT))
    assert issuer.count == 1


def test_sync_call_on_the_loop_running_async_refresh_raises_instead_of_deadlocking() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)

    async def main() -> None:
        gate = asyncio.Event()

        async def async_refresh() -> Credentials:
            await gate.wait()
            return issuer()

        provider = RefreshingCredentialsProvider(issuer, async_refresh=async_refresh, clock=clock)
        task = asyncio.create_task(provider.aget_credentials())
        await asyncio.sleep(0)
        with pytest.raises(CredentialsError, match="aget_credentials"):
            provider.get_credentials()
        gate.set()
        assert_whole(await task)

    asyncio.run(main())


def test_threads_and_two_event_loops_share_one_refresh() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    release = threading.Event()
    provider = RefreshingCredentialsProvider(blocking(issuer, release), clock=clock)

    async def many() -> list[Credentials]:
        return await asyncio.gather(*(provider.aget_credentials() for _ in range(100)))

    with ThreadPoolExecutor(4) as pool:
        calls = clock.calls
        loops = [pool.submit(asyncio.run, many()) for _ in range(2)]
        syncs = [pool.submit(provider.get_credentials) for _ in range(2)]
        clock.wait_for_calls(calls + 202)  # everyone has looked: all wait on one refresh
        release.set()
        results = [c for f in loops for c in f.result(WAIT)] + [f.result(WAIT) for f in syncs]
    assert issuer.count == 1
    assert len(results) == 202
    assert all(r is results[0] for r in results)


def test_async_path_with_fresh_credentials_needs_no_thread() -> None:
    provider, _, issuer = make()
    first = provider.get_credentials()

    async def main() -> list[Credentials]:
        return await asyncio.gather(*(provider.aget_credentials() for _ in range(100)))

    assert all(r is first for r in asyncio.run(main()))
    assert issuer.count == 1


# -- RefreshingCredentialsProvider: regressions (deadlocks, orphans, backoff) --


def test_sync_callers_in_the_default_executor_do_not_starve_an_async_callers_refresh() -> None:
    # The async caller's refresh used to be queued on the loop's default
    # executor, behind a sync caller that held its only worker while waiting
    # for that same refresh.
    clock = FakeClock(START)
    issuer = Issuer(clock)
    release, go = threading.Event(), threading.Event()
    provider = RefreshingCredentialsProvider(blocking(issuer, release), clock=clock)

    def sync_caller() -> Credentials:  # e.g. requests + SigV4Auth via asyncio.to_thread
        assert go.wait(WAIT)
        return provider.get_credentials()

    async def main() -> list[Credentials]:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(1))  # asyncio.run shuts it down
        sync = loop.run_in_executor(None, sync_caller)  # holds the only worker
        leader = asyncio.create_task(provider.aget_credentials())
        await asyncio.sleep(0)  # the leader starts the flight
        calls = clock.calls
        go.set()
        clock.wait_for_calls(calls + 1)  # the sync caller has looked: it joins the flight
        release.set()
        return await asyncio.wait_for(asyncio.gather(leader, sync), WAIT)

    results = asyncio.run(main())
    assert results[0] is results[1]
    assert_whole(results[0])
    assert issuer.count == 1


def test_reentrant_refresh_started_from_async_raises_instead_of_deadlocking() -> None:
    holder: list[RefreshingCredentialsProvider] = []
    workers: list[threading.Thread] = []

    def reentrant() -> Credentials:
        workers.append(threading.current_thread())
        return holder[0].get_credentials()

    provider = RefreshingCredentialsProvider(reentrant, clock=FakeClock(START))
    holder.append(provider)

    async def main() -> Credentials:
        return await asyncio.wait_for(provider.aget_credentials(), WAIT)

    with pytest.raises(CredentialsError) as info:
        asyncio.run(main())
    assert "same thread" in str(info.value.__cause__)
    workers[0].join(WAIT)  # the refresh thread is not left blocked either
    assert not workers[0].is_alive()
    assert workers[0] is not threading.current_thread()


def test_reentrant_async_refresh_raises_instead_of_deadlocking() -> None:
    holder: list[RefreshingCredentialsProvider] = []

    async def reentrant() -> Credentials:
        return await holder[0].aget_credentials()

    clock = FakeClock(START)
    provider = RefreshingCredentialsProvider(Issuer(clock), async_refresh=reentrant, clock=clock)
    holder.append(provider)

    async def main() -> Credentials:
        return await asyncio.wait_for(provider.aget_credentials(), WAIT)

    with pytest.raises(CredentialsError) as info:
        asyncio.run(main())
    assert "inside async_refresh" in str(info.value.__cause__)


def test_a_refresh_left_on_a_stopped_event_loop_is_abandoned_not_waited_for() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    started = threading.Event()

    async def async_refresh() -> Credentials:
        started.set()
        await asyncio.Event().wait()  # outlives the loop's run
        raise AssertionError

    provider = RefreshingCredentialsProvider(issuer, async_refresh=async_refresh, clock=clock)
    loop = asyncio.new_event_loop()  # a sync facade's private loop
    try:

        async def give_up() -> None:
            caller = asyncio.create_task(provider.aget_credentials())
            while not started.is_set():
                await asyncio.sleep(0)
            caller.cancel()  # as asyncio.wait_for does when it times out

        loop.run_until_complete(give_up())
        # The loop is idle, not closed; the refresh task is pending on it.
        with ThreadPoolExecutor(1) as pool:
            creds = pool.submit(provider.get_credentials).result(WAIT)
        assert_whole(creds)
        assert asyncio.run(provider.aget_credentials()) is creds
        # The abandoned refresh ending later leaves the new credentials alone.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        assert provider.get_credentials() is creds
    finally:
        loop.close()
    assert issuer.count == 1


@pytest.mark.parametrize("waiter", ["sync", "async"])
def test_a_waiter_that_times_out_takes_over_a_stuck_refresh(waiter: str) -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    release, entered = threading.Event(), threading.Event()
    attempts = []

    def refresh() -> Credentials:
        attempts.append(1)
        if len(attempts) == 1:  # the first refresh hangs until released
            entered.set()
            assert release.wait(WAIT)
        return issuer()

    provider = RefreshingCredentialsProvider(
        refresh, clock=clock, refresh_timeout=timedelta(milliseconds=10)
    )

    async def take_over() -> Credentials:
        return await asyncio.wait_for(provider.aget_credentials(), WAIT)

    with ThreadPoolExecutor(2) as pool:
        stuck = pool.submit(provider.get_credentials)
        assert entered.wait(WAIT)
        if waiter == "sync":
            taken_over = pool.submit(provider.get_credentials).result(WAIT)
        else:
            taken_over = asyncio.run(take_over())
        assert_whole(taken_over)
        release.set()
        assert stuck.result(WAIT) is taken_over  # its late result is not published
    assert provider.get_credentials() is taken_over
    assert len(attempts) == 2


def test_backoff_doubles_from_one_second_up_to_a_minute() -> None:
    got = [_refreshing._backoff(n).total_seconds() for n in range(1, 10)]
    assert got == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert _refreshing._backoff(10**6) == timedelta(seconds=60)


def test_failed_advisory_refresh_backs_off_and_serves_the_snapshot_meanwhile() -> None:
    clock = FakeClock(START)
    first = Issuer(clock)()
    attempts = []

    def failing() -> Credentials:
        attempts.append(clock.now)
        raise ConnectionError("sts unreachable")

    provider = RefreshingCredentialsProvider(failing, clock=clock, initial=first)
    clock.advance(minutes=46)
    for n, backoff in enumerate([1, 2, 4, 8, 16, 32, 60, 60], start=1):
        for _ in range(100):
            assert provider.get_credentials() is first
        assert asyncio.run(provider.aget_credentials()) is first
        assert len(attempts) == n  # one refresh, then none until the backoff ends
        clock.advance(seconds=backoff, milliseconds=-1)
        assert provider.get_credentials() is first
        assert len(attempts) == n
        clock.advance(milliseconds=1)


def test_failed_mandatory_refresh_backs_off_and_reraises_the_cached_failure() -> None:
    clock = FakeClock(START)
    first = Issuer(clock)()
    boom = ConnectionError("sts unreachable")
    attempts = []

    def failing() -> Credentials:
        attempts.append(1)
        raise boom

    provider = RefreshingCredentialsProvider(failing, clock=clock, initial=first)
    clock.advance(minutes=55)
    with pytest.raises(CredentialsError) as info:
        provider.get_credentials()
    assert info.value.__cause__ is boom

    def storm() -> list[BaseException]:
        errors = []
        for _ in range(100):
            try:
                provider.get_credentials()
            except CredentialsError as exc:
                errors.append(exc)
        return errors

    with ThreadPoolExecutor(8) as pool:
        errors = [e for f in [pool.submit(storm) for _ in range(8)] for e in f.result(WAIT)]
    assert len(errors) == 800
    for exc in errors:
        assert type(exc) is CredentialsError
        assert exc.__cause__ is boom
        assert "next attempt after" in str(exc)
        assert_no_secret(str(exc))
    with pytest.raises(CredentialsError) as async_info:
        asyncio.run(provider.aget_credentials())
    assert async_info.value.__cause__ is boom
    assert len(attempts) == 1
    clock.advance(seconds=1)
    with pytest.raises(CredentialsError):
        provider.get_credentials()
    assert len(attempts) == 2


def _flaky(
    issuer: Issuer,
) -> tuple[Callable[[], Credentials], list[bool], list[int]]:
    """A refresh that fails while ``down[0]``, else issues; ``calls`` counts its calls."""
    down = [True]
    calls: list[int] = []

    def refresh() -> Credentials:
        calls.append(1)
        if down[0]:
            raise ConnectionError("down")
        return issuer()

    return refresh, down, calls


def test_a_clock_set_back_after_a_failure_does_not_stretch_the_backoff() -> None:
    # Regression: the backoff was "now < failed_at + backoff"; with the clock
    # set back an hour after a failed refresh, no refresh started for an hour.
    clock = FakeClock(START)
    issuer = Issuer(clock)
    refresh, down, calls = _flaky(issuer)
    provider = RefreshingCredentialsProvider(refresh, clock=clock)
    with pytest.raises(CredentialsError):
        provider.get_credentials()
    clock.now = START - timedelta(hours=1)  # NTP steps the clock back
    down[0] = False
    assert provider.get_credentials().access_key_id
    assert len(calls) == 2


def test_backoff_ends_on_success_and_on_invalidate() -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    refresh, down, calls = _flaky(issuer)
    provider = RefreshingCredentialsProvider(refresh, clock=clock, initial=issuer())

    def fails() -> None:
        with pytest.raises(CredentialsError):
            provider.get_credentials()

    clock.advance(minutes=55)
    fails()
    clock.advance(seconds=1)
    fails()
    assert len(calls) == 2  # now backing off for 2 s
    clock.advance(seconds=2)
    down[0] = False
    second = provider.get_credentials()
    assert len(calls) == 3
    provider.invalidate()
    down[0] = True
    fails()
    fails()
    assert len(calls) == 4
    clock.advance(seconds=1)  # the success reset the count: 1 s, not 8 s
    fails()
    assert len(calls) == 5
    provider.invalidate()  # ends the backoff at once
    fails()
    assert len(calls) == 6
    assert second.access_key_id in repr(provider)


# -- no secrets ---------------------------------------------------------------


def test_refreshing_provider_repr_and_logs_hold_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(START)
    issuer = Issuer(clock)
    failures = iter([True, False])

    def sometimes(password: str) -> Credentials:
        if next(failures):
            raise ConnectionError("down")
        return issuer()

    provider = RefreshingCredentialsProvider(
        functools.partial(sometimes, password="SECRETKEY-password"),
        clock=clock,
        initial=issuer(),
    )
    with caplog.at_level(logging.DEBUG, logger="sigv4client.credentials"):
        text = repr(provider) + str(provider)
        clock.advance(minutes=50)
        with pytest.raises(CredentialsError) as info:
            provider.get_credentials()
        text += str(info.value)
        clock.advance(seconds=1)  # past the backoff after one failure
        provider.get_credentials()
        provider.invalidate()
        text += repr(provider)
    assert caplog.records
    text += "".join(r.getMessage() for r in caplog.records)
    assert_no_secret(text)
    assert "password" not in text
    assert "ASIA" in repr(provider)


# -- BotocoreSessionProvider --------------------------------------------------

_AWS_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_LOGIN_CACHE_DIRECTORY",
)

_CREDENTIALS_FILE = """\
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = SECRETKEY-default

[dev]
aws_access_key_id = ASIADEV
aws_secret_access_key = SECRETKEY-dev
aws_session_token = SESSIONTOKEN-dev
"""

_CONFIG_FILE = """\
[default]
region = us-east-1

[profile from-config]
aws_access_key_id = AKIDCONFIG
aws_secret_access_key = SECRETKEY-config
"""


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An AWS configuration made only of temporary files: no real one, no IMDS."""
    for name in _AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    config, shared = tmp_path / "config", tmp_path / "credentials"
    config.write_text(_CONFIG_FILE)
    shared.write_text(_CREDENTIALS_FILE)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    # No credentials must mean a quick error, not a probe of 169.254.169.254.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aws/sso or login cache
    return config, shared


@pytest.mark.usefixtures("aws_files")
def test_botocore_default_profile() -> None:
    creds = BotocoreSessionProvider().get_credentials()
    assert creds == Credentials(access_key_id="AKIDDEFAULT", secret_access_key="SECRETKEY-default")


@pytest.mark.usefixtures("aws_files")
def test_botocore_profile_name_and_session_token() -> None:
    provider = BotocoreSessionProvider(profile_name="dev")
    creds = provider.get_credentials()
    assert creds.access_key_id == "ASIADEV"
    assert creds.secret_access_key == "SECRETKEY-dev"
    assert creds.session_token == "SESSIONTOKEN-dev"
    assert creds.expiration is None
    assert repr(provider) == "BotocoreSessionProvider(profile='dev')"
    assert asyncio.run(provider.aget_credentials()) == creds


@pytest.mark.usefixtures("aws_files")
def test_botocore_profile_from_config_file_and_aws_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "from-config")
    provider = BotocoreSessionProvider()
    assert provider.get_credentials().access_key_id == "AKIDCONFIG"
    assert "from-config" in repr(provider)


@pytest.mark.usefixtures("aws_files")
def test_boto3_session() -> None:
    provider = BotocoreSessionProvider(boto3.Session(profile_name="dev"))
    assert provider.get_credentials().access_key_id == "ASIADEV"
    assert repr(provider) == "BotocoreSessionProvider(profile='dev')"
    assert_no_secret(repr(provider))


@pytest.mark.usefixtures("aws_files")
def test_botocore_environment_credentials_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRETKEY-env")
    assert BotocoreSessionProvider().get_credentials().access_key_id == "AKIDENV"


@pytest.mark.usefixtures("aws_files")
def test_botocore_refreshable_credentials_carry_their_expiry_in_utc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRETKEY-env")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "SESSIONTOKEN-env")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T02:00:00+02:00")
    creds = BotocoreSessionProvider().get_credentials()
    assert creds.session_token == "SESSIONTOKEN-env"
    assert creds.expiration == datetime(2099, 1, 1, tzinfo=timezone.utc)
    assert creds.expiration is not None
    assert creds.expiration.tzinfo is timezone.utc


def test_no_credentials_error_says_how_to_configure(
    aws_files: tuple[Path, Path],
) -> None:
    config, shared = aws_files
    config.write_text("")
    shared.write_text("")
    with pytest.raises(CredentialsError) as info:
        BotocoreSessionProvider().get_credentials()
    message = str(info.value)
    assert "no AWS credentials found" in message
    assert "AWS_ACCESS_KEY_ID" in message
    assert "AWS_SECRET_ACCESS_KEY" in message
    assert "profile" in message
    with pytest.raises(CredentialsError):
        asyncio.run(BotocoreSessionProvider().aget_credentials())


@pytest.mark.usefixtures("aws_files")
def test_unknown_profile_is_a_credentials_error_naming_it() -> None:
    with pytest.raises(CredentialsError, match="no-such-profile") as info:
        BotocoreSessionProvider(profile_name="no-such-profile").get_credentials()
    assert info.value.__cause__ is not None
    assert_no_secret(str(info.value))


def _chain_texts(exc: BaseException | None, seen: set[int] | None = None) -> list[str]:
    """What an exception and everything it chains hold: messages, args, attributes."""
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return []
    seen.add(id(exc))
    texts = [repr(exc), str(exc), *map(repr, exc.args)]
    texts += [repr(value) for value in getattr(exc, "__dict__", {}).values()]
    return texts + _chain_texts(exc.__cause__, seen) + _chain_texts(exc.__context__, seen)


@pytest.mark.parametrize("broken", ["credential_process output", "credentials file line"])
def test_a_botocore_failure_chains_nothing_that_holds_the_secret(
    aws_files: tuple[Path, Path], broken: str
) -> None:
    # Regression: the CredentialsError chained botocore's exception, whose own
    # chain and attributes hold what botocore was reading: json's JSONDecodeError
    # keeps a credential_process's whole output in .doc (here, valid JSON followed
    # by a line of text), and configparser's ParsingError, botocore's
    # ConfigParseError's __context__, quotes the line it could not parse.
    config, shared = aws_files
    secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRET"
    if broken == "credential_process output":
        script = config.parent / "process.py"
        output = {"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": secret}
        script.write_text(f"print({json.dumps(output)!r})\nprint('done')\n")
        config.write_text(f"[default]\ncredential_process = {sys.executable} {script}\n")
        shared.write_text("")
    else:
        shared.write_text(f"[default]\naws_access_key_id = AKID\naws_secret_access_key {secret}\n")
    with pytest.raises(CredentialsError) as info:
        BotocoreSessionProvider().get_credentials()
    assert info.value.__cause__ is not None  # still says what botocore raised
    assert "botocore could not load credentials" in str(info.value)
    for text in _chain_texts(info.value):
        assert secret not in text, text


@pytest.mark.usefixtures("aws_files")
def test_botocore_expired_credentials_are_a_credentials_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRETKEY-env")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "SESSIONTOKEN-env")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", "2001-01-01T00:00:00Z")
    with pytest.raises(CredentialsError) as info:
        BotocoreSessionProvider().get_credentials()
    assert_no_secret(str(info.value))


def test_botocore_session_with_set_credentials() -> None:
    session = botocore.session.Session()
    session.set_credentials("AKIDSET", "SECRETKEY-set", "SESSIONTOKEN-set")
    creds = BotocoreSessionProvider(session).get_credentials()
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == (
        "AKIDSET",
        "SECRETKEY-set",
        "SESSIONTOKEN-set",
    )


def test_botocore_provider_argument_checks() -> None:
    with pytest.raises(InvalidInputError, match="not both"):
        BotocoreSessionProvider(botocore.session.Session(), profile_name="dev")
    with pytest.raises(InvalidInputError, match="profile_name"):
        BotocoreSessionProvider(profile_name="")
    with pytest.raises(InvalidInputError, match="Session"):
        BotocoreSessionProvider(object())  # type: ignore[arg-type]
