"""What each signer costs where a client signs: between two round trips, not in a loop.

``python bench/in_situ.py [--rounds N]`` prints one JSON object.

In a loop, a signer runs with its code and data in the CPU's caches. A client
signs once per request, and between two signatures its HTTP library sends,
waits, parses and wakes up: the signer starts cold. Here each signer of the
main table signs W1 (the same GET) and W1-cold (a new path and query each
request, new credentials every 100) inside an aiohttp middleware, one
keep-alive GET to the loopback server (bench/loopback.py) per signature, all
the signers' sessions taking turns in a shuffled order. Only the signer's call
is timed (its own request object built, as in the main table); the round trip
of a session without middleware is timed in the same turns, so that each cost
can be read as a share of it. Each signer's output is checked against botocore
before it is timed (not the crypto floor's: it makes no signature). The same
calls timed in a loop (best of 5 batches) are reported beside them.

Output: ``{"round_trip": [s, ...], "in_situ": {"W1 | signer": [s, ...]},
"in_a_loop": {"W1 | signer": s}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loopback  # noqa: E402
import signers as sg  # noqa: E402
from turns import aiohttp_turns  # noqa: E402
from workloads import Workload, workloads  # noqa: E402

WORKLOADS = ("W1", "W1-cold")


class Subject:
    """One signer on one workload: the next request's arguments, and its timings."""

    def __init__(self, w: Workload, signer: sg.Signer, run: sg.Run) -> None:
        self.name = f"{w.key} | {signer.name}"
        self.w, self.signer, self.run = w, signer, run
        self._i: Iterator[int] = iter(range(1 << 62))
        self.samples: list[float] = []

    def next_args(self) -> tuple[str, sg.Headers, int]:
        w = self.w
        if not w.distinct:
            return w.url, w.headers, 0
        i = next(self._i)
        return w.url_for(i), w.headers_for(i), w.credentials_index(i)

    def check(self) -> None:
        url, headers, k = self.next_args()
        try:
            wire = self.signer.wire(self.w, headers, self.run(url, headers, k))
        except NotImplementedError:
            return  # not a signer (the crypto floor): nothing to check
        problem = sg.check_signature(wire)
        if problem:
            raise SystemExit(f"{self.name}: the signature is not botocore's: {problem}")

    def in_a_loop(self, n: int = 2000) -> float:
        args = [self.next_args() for _ in range(n)]
        run, clock = self.run, time.perf_counter
        best = float("inf")
        for _ in range(5):
            t0 = clock()
            for url, headers, k in args:
                run(url, headers, k)
            best = min(best, (clock() - t0) / n)
        return best


def subjects() -> list[Subject]:
    out = []
    by_key = {w.key: w for w in workloads(b"")}
    for key in WORKLOADS:
        w = by_key[key]
        for signer in sg.all_signers():
            run = signer.make(w)
            if run is not None and signer.name != "(requests prepare only)":
                out.append(Subject(w, signer, run))
    return out


async def measure(url: str, rounds: int, todo: list[Subject]) -> list[float]:
    import aiohttp

    def middleware(subject: Subject) -> Any:
        clock = time.perf_counter

        async def sign_here(request: Any, handler: Any) -> Any:
            url, headers, k = subject.next_args()  # prepared before the clock starts
            t0 = clock()
            subject.run(url, headers, k)
            subject.samples.append(clock() - t0)
            return await handler(request)

        return sign_here

    sessions: list[tuple[str | None, Any, None]] = [(None, aiohttp.ClientSession(), None)]
    sessions += [(s.name, aiohttp.ClientSession(middlewares=(middleware(s),)), None) for s in todo]

    def warmed() -> None:  # the first rounds warm up the connections
        for s in todo:
            s.samples.clear()

    try:
        trips = await aiohttp_turns(url, sessions, rounds, warm_up=20, warmed=warmed)
    finally:
        for _, session, _ in sessions:
            await session.close()
    return trips[None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=600, help="signatures per signer")
    args = parser.parse_args()
    todo = subjects()
    for s in todo:
        s.check()
    loop = {s.name: s.in_a_loop() for s in todo}
    with loopback.running() as port:
        url = f"http://127.0.0.1:{port}/prod/items/42?limit=10&next=a%2Fb"
        plain = asyncio.run(measure(url, args.rounds, todo))
    print(
        json.dumps(
            {
                "round_trip": plain,
                "in_situ": {s.name: s.samples for s in todo},
                "in_a_loop": loop,
            }
        )
    )


if __name__ == "__main__":
    main()
