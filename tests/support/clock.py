"""A clock the test moves by hand, for every ``clock=`` parameter."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

#: How long ``wait_for_calls`` waits: reached only when the code under test hangs.
WAIT = 10.0


class FakeClock:
    """An aware UTC clock, moved by hand; safe to read and move from any thread.

    Call it for the time (as the code under test does). ``now`` reads or sets
    the time without counting as a call; ``advance`` moves it on. ``calls``
    counts the readings, so a test can wait until its callers reached the clock
    (``wait_for_calls``).
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start if start is not None else datetime.now(timezone.utc)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._cond = threading.Condition()
        self.calls = 0

    def __call__(self) -> datetime:
        with self._cond:
            self.calls += 1
            self._cond.notify_all()
            return self._now

    @property
    def now(self) -> datetime:
        """The time, without counting as a call."""
        with self._cond:
            return self._now

    @now.setter
    def now(self, when: datetime) -> None:
        with self._cond:
            self._now = when

    def advance(self, delta: timedelta = timedelta(0), /, **units: float) -> None:
        """Move the time on by ``delta`` and/or ``timedelta(**units)``."""
        with self._cond:
            self._now += delta + timedelta(**units)

    def wait_for_calls(self, n: int) -> None:
        """Wait until the clock has been read ``n`` times in all."""
        with self._cond:
            assert self._cond.wait_for(lambda: self.calls >= n, WAIT), (self.calls, n)
