"""The no-refresh-due answer of RefreshingCredentialsProvider, read from time.time().

With the default clock, ``_current()`` (the first step of ``get_credentials``,
``aget_credentials`` and the adapters' ``ready()``) answers from one float
compare while the credentials are well inside their fresh window, and leaves
every other case to the exact path, which reads an aware datetime. These
tests pin that the float compare never answers where the exact path would
start a refresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigv4client import Credentials
from sigv4client.credentials import RefreshingCredentialsProvider, _refreshing

START = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


class Issuer:
    """A refresh callable that hands out credentials expiring ``lifetime`` from now."""

    def __init__(
        self,
        lifetime: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.lifetime, self.clock = lifetime, clock
        self.issued: list[Credentials] = []

    def __call__(self) -> Credentials:
        credentials = Credentials(
            access_key_id=f"AKID{len(self.issued)}",
            secret_access_key="secret",
            expiration=self.clock() + self.lifetime,
        )
        self.issued.append(credentials)
        return credentials


@given(
    expiration=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.timezones()
    ),
    lifetime=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=12)),
    windows=st.sampled_from([(15, 10), (60, 1), (30, 30)]),
    instant=st.sampled_from([0, 1, 2]),
    offset=st.floats(min_value=-5.0, max_value=5.0),
)
def test_the_float_compare_answers_only_inside_the_window_the_exact_path_sees(
    expiration: datetime,
    lifetime: timedelta,
    windows: tuple[int, int],
    instant: int,
    offset: float,
) -> None:
    advisory, mandatory = (timedelta(minutes=m) for m in windows)
    provider = RefreshingCredentialsProvider(
        Issuer(lifetime), advisory_refresh=advisory, mandatory_refresh=mandatory
    )
    snapshot = provider._make_snapshot(
        Credentials(access_key_id="AKID", secret_access_key="s", expiration=expiration),
        expiration - lifetime,
    )
    assert snapshot.due_at is not None
    # A reading near the advisory instant, the mandatory one or the expiry, as
    # time.time() gives it.
    near = (*snapshot.due_at, expiration)[instant]
    reading = near.timestamp() + offset / 1000
    if reading < snapshot.fresh_until:
        # Where the float compare answers, datetime.now() at that reading (what
        # the exact path reads, to the microsecond) finds no refresh due.
        now = datetime.fromtimestamp(reading, timezone.utc)
        assert provider._due(snapshot, now) is _refreshing._Due.NO
        assert now < expiration


def test_an_expiry_in_a_zone_with_daylight_saving_is_refreshed_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Credentials expiring at 03:10 on the day New York's clocks skip from 02:00
    # to 03:00 (07:10 UTC). Fifteen minutes before that, on the wall clock, is
    # 02:55, an hour that does not exist there: read with the winter offset it
    # is 07:55 UTC, after the expiry. The instants a refresh is due at are
    # computed in UTC, and the fast path never answers past either.
    expiration = datetime(2026, 3, 8, 3, 10, tzinfo=ZoneInfo("America/New_York"))
    in_utc = expiration.astimezone(timezone.utc)
    provider = RefreshingCredentialsProvider(Issuer(timedelta(hours=1)))
    old = Credentials(access_key_id="OLD", secret_access_key="s", expiration=expiration)
    snapshot = provider._snapshot = provider._make_snapshot(old, in_utc - timedelta(hours=1))
    assert snapshot.due_at is not None
    assert snapshot.due_at == (in_utc - timedelta(minutes=15), in_utc - timedelta(minutes=10))
    for minutes in (-11, -9, 0, 20, 44):  # around the mandatory instant and past the expiry
        reading = (in_utc + timedelta(minutes=minutes)).timestamp()
        monkeypatch.setattr(_refreshing, "_time", lambda reading=reading: reading)
        due = provider._due(snapshot, datetime.fromtimestamp(reading, timezone.utc))
        assert (provider._current() is None) is (due is not _refreshing._Due.NO)


def test_a_clock_the_provider_reads_another_way_never_takes_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # time.time() says the credentials are fresh; the provider's own reading of
    # the time says they expired: a subclass's _now(), or a clock put in the
    # module's default clock's place before the provider was made.
    late = datetime.now(timezone.utc) + timedelta(hours=3)

    class Later(RefreshingCredentialsProvider):
        def _now(self) -> datetime:
            return late

    monkeypatch.setattr(_refreshing, "_utc_now", lambda: late)
    for make in (Later, RefreshingCredentialsProvider):
        issuer = Issuer(timedelta(hours=5))  # valid at the provider's time
        expires = datetime.now(timezone.utc) + timedelta(hours=1)
        provider = make(
            issuer,
            initial=Credentials(access_key_id="OLD", secret_access_key="s", expiration=expires),
        )
        assert provider._current() is None
        assert provider.get_credentials().access_key_id == "AKID0"
        assert len(issuer.issued) == 1


def test_the_default_clock_takes_the_fast_path_and_leaves_the_edges_to_the_exact_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issuer = Issuer(timedelta(hours=1))
    provider = RefreshingCredentialsProvider(issuer)
    first = provider.get_credentials()
    snapshot = provider._snapshot
    assert snapshot is not None
    assert snapshot.due_at is not None
    readings: list[float] = []

    def reading(value: float) -> None:
        def clock() -> float:
            readings.append(value)
            return value

        monkeypatch.setattr(_refreshing, "_time", clock)

    # Well inside the window: answered by the float compare, no refresh.
    reading(snapshot.fresh_until - 60)
    assert provider.get_credentials() is first
    assert asyncio.run(provider.aget_credentials()) is first
    assert provider._current() is first
    assert len(readings) == 3
    # A reading past fresh_until: the exact path decides, from the real clock
    # (an hour before expiry: no refresh due).
    reading(snapshot.fresh_until + 3600)
    assert provider.get_credentials() is first
    assert len(issuer.issued) == 1
    # After invalidate(), the float compare never answers: the next call refreshes.
    reading(snapshot.fresh_until - 60)
    provider.invalidate()
    second = provider.get_credentials()
    assert second is not first
    assert len(issuer.issued) == 2


def test_a_clock_of_the_callers_own_never_takes_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The caller's clock is the only time the provider reads: here it says the
    # credentials are past their mandatory instant, while time.time() says they
    # are fresh. The provider refreshes.
    now = [START]
    issuer = Issuer(timedelta(hours=1), lambda: now[0])
    provider = RefreshingCredentialsProvider(issuer, clock=lambda: now[0])
    provider.get_credentials()
    snapshot = provider._snapshot
    assert snapshot is not None
    monkeypatch.setattr(_refreshing, "_time", lambda: snapshot.fresh_until - 3600)
    now[0] = START + timedelta(hours=2)
    assert provider._current() is None
    provider.get_credentials()
    assert len(issuer.issued) == 2


def test_credentials_that_never_expire_are_always_fresh() -> None:
    issuer = Issuer(timedelta(hours=1))
    provider = RefreshingCredentialsProvider(
        lambda: Credentials(access_key_id="AKID", secret_access_key="s")
    )
    credentials = provider.get_credentials()
    snapshot = provider._snapshot
    assert snapshot is not None
    assert snapshot.due_at is None
    assert snapshot.fresh_until == float("inf")
    assert provider._current() is credentials
    assert issuer.issued == []
