"""Variants taking turns, one request each per round, in a shuffled order.

What bench/adapters.py, bench/in_situ.py and bench/in_situ_steps.py share: each
variant (a client, or an aiohttp session whose middleware does one thing) sends
one request per round, the order of each round shuffled, so that all of them
share the machine's ups and downs and none always runs after the same one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def orders(items: list[T], rounds: int) -> Iterator[list[T]]:
    """The order of ``items`` in each of ``rounds`` rounds: shuffled, the same for every run.

    A rotation would leave each item always after the same one, and which code
    ran just before (warm in the CPU's caches, or not) shifts a variant by
    about half a percent.
    """
    rng = random.Random(13)
    for _ in range(rounds):
        order = list(items)
        rng.shuffle(order)
        yield order


async def aiohttp_turns(
    url: str,
    sessions: list[tuple[K, Any, dict[str, str] | None]],
    rounds: int,
    *,
    warm_up: int,
    warmed: Callable[[], None] | None = None,
) -> dict[K, list[float]]:
    """Each session's round trips: one keep-alive GET to ``url`` per round, in turns.

    ``sessions`` holds (key, aiohttp session, headers to send). The first
    ``warm_up`` rounds warm up the connections and caches and are not kept;
    ``warmed`` is called after them (to clear what the middlewares recorded).
    Returns the seconds of each of the ``rounds`` kept round trips, by key.
    """
    samples: dict[K, list[float]] = {key: [] for key, _, _ in sessions}
    clock = time.perf_counter
    for r, order in enumerate(orders(sessions, warm_up + rounds)):
        if r == warm_up and warmed is not None:
            warmed()
        for key, session, headers in order:
            t0 = clock()
            async with session.get(url, headers=headers) as response:
                response.raise_for_status()
                await response.read()
            if r >= warm_up:
                samples[key].append(clock() - t0)
    return samples
