"""What each step of the aiohttp middleware costs between two round trips.

``python bench/in_situ_steps.py [--rounds N]`` prints one JSON object.

bench/in_situ.py times whole signers where a client signs; this times the
steps of one signature by the aiohttp middleware (W1: the same GET, a
credentials value), each alone, in the same place: one aiohttp session per
step, whose middleware runs that step on the request it is about to send
(then sends it unsigned), all sessions taking turns in a shuffled order, one
keep-alive GET to the loopback server (bench/loopback.py) per step run. A
session whose middleware does nothing gives the cost of timing an empty step.
The same steps timed in a loop (best of 5 batches) are reported beside them.

The steps are private functions of this checkout (``sigv4client.integrations.
aiohttp``, ``sigv4client.signing``, ``sigv4client._canonical``): this is a
profile of the code as it is, to read, not a contract.

Output: ``{"in_situ": {"step": [s, ...]}, "in_a_loop": {"step": s}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loopback  # noqa: E402
from turns import aiohttp_turns  # noqa: E402
from workloads import ACCESS_KEY, REGION, SECRET_KEY, SERVICE, SESSION_TOKEN  # noqa: E402

import sigv4client  # noqa: E402
from sigv4client import _canonical, signing  # noqa: E402
from sigv4client.integrations import aiohttp as middleware  # noqa: E402
from sigv4client.integrations._common import origin_of  # noqa: E402

CREDS = sigv4client.Credentials(
    access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=SESSION_TOKEN
)
HEADERS = {"Accept": "application/json", "X-Tenant-Id": "tenant-42"}
Step = Callable[[Any], object]


def steps() -> dict[str, Step]:
    """Each step, as a function of the aiohttp request it runs on."""
    sigv4 = middleware.SigV4Middleware(CREDS, region=REGION, service=SERVICE)
    signer = sigv4._signer
    config = signer.config_for("https://h.example/")
    made: dict[str, Any] = {}  # what a step needs from the steps before it, made once

    def parts(r: Any) -> Any:
        return middleware._parts(r, middleware._text_of(r.url), b"")

    def once(key: str, r: Any, make: Callable[[Any], Any]) -> Any:
        if key not in made:
            made[key] = make(r)
        return made[key]

    def signed(r: Any) -> Any:
        return signer.sign_parts(*parts(r), CREDS)

    def target(r: Any) -> Any:
        return _canonical.signing_target(
            middleware._text_of(r.url), config.normalize_path, config.double_encode_path
        )

    def result(r: Any) -> Any:
        request = sigv4client.HttpRequest(
            method="GET", url=str(r.url), headers=once("p", r, parts)[2]
        )
        return sigv4client.sign(request, CREDS, config)

    def hashing(r: Any) -> Any:
        fields = once("result", r, result)
        return signing._sha256(fields.canonical_request.encode()).hexdigest()

    def hmac(r: Any) -> Any:
        fields = once("result", r, result)
        key = signing._key_for(CREDS, config, fields.amz_date)
        return key.signature(fields.canonical_request[-64:], fields.amz_date)

    return {
        "(nothing: the cost of timing a step)": lambda r: None,
        "the URL's text (_text_of)": lambda r: middleware._text_of(r.url),
        "the redirect rule's reads (two context variables, the origin)": lambda r: (
            middleware._CALL_HOPS.get(),
            middleware._LAST_HOP.get(),
            origin_of(middleware._text_of(r.url)),
        ),
        "what to hash (_body)": sigv4._body,
        "the credentials (ready)": lambda r: signer.ready(),
        "the headers read into pairs (_parts)": parts,
        "the URL's canonical form (a cached signing_target)": target,
        "the clock": lambda r: signing._time(),
        "the logging check": lambda r: signing.logger.isEnabledFor(10),
        "a SHA-256 of the canonical request": hashing,
        "the signing key, the string to sign and its HMAC": hmac,
        "the signature of the parts (sign_parts)": lambda r: signer.sign_parts(
            *once("p", r, parts), CREDS
        ),
        "the three headers written (_write)": lambda r: middleware._write(
            r, middleware._text_of(r.url), once("signed", r, signed)
        ),
        "the whole signature (_parts, sign_parts, _write)": lambda r: sigv4._sign(
            r, middleware._text_of(r.url)
        ),
    }


async def measure(
    url: str, rounds: int, todo: dict[str, Step]
) -> tuple[dict[str, list[float]], Any]:
    """Each step's samples between round trips, and one of the requests they ran on."""
    import aiohttp

    samples: dict[str, list[float]] = {name: [] for name in todo}
    seen: list[Any] = []

    def timed(name: str, step: Step) -> Any:
        clock = time.perf_counter
        out = samples[name]

        async def run_step(request: Any, handler: Any) -> Any:
            t0 = clock()
            step(request)
            out.append(clock() - t0)
            if not seen and step is nothing:  # a request as aiohttp made it, unsigned
                seen.append(request)
            return await handler(request)

        return run_step

    nothing = next(iter(todo.values()))  # the first step does nothing
    sessions = [
        (n, aiohttp.ClientSession(middlewares=(timed(n, s),)), HEADERS) for n, s in todo.items()
    ]

    def warmed() -> None:  # the first rounds warm up the connections
        for xs in samples.values():
            xs.clear()

    try:
        await aiohttp_turns(url, sessions, rounds, warm_up=20, warmed=warmed)
    finally:
        for _, session, _ in sessions:
            await session.close()
    return samples, seen[0]


def in_a_loop(request: Any, todo: dict[str, Step], n: int = 2000) -> dict[str, float]:
    """Each step on ``request`` (one the sessions sent), best of 5 batches of ``n``."""
    out = {}
    clock = time.perf_counter
    for name, step in todo.items():
        best = float("inf")
        for _ in range(5):
            t0 = clock()
            for _ in range(n):
                step(request)
            best = min(best, (clock() - t0) / n)
        out[name] = best
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1000, help="runs of each step")
    args = parser.parse_args()
    with loopback.running() as port:
        url = f"http://127.0.0.1:{port}/prod/items/42?limit=10&next=a%2Fb"
        samples, request = asyncio.run(measure(url, args.rounds, steps()))
    loop = in_a_loop(request, steps())
    print(json.dumps({"in_situ": samples, "in_a_loop": loop}))


if __name__ == "__main__":
    main()
