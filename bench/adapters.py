"""What the adapters add to a real request, and what importing the package costs.

``python bench/adapters.py [--rounds N]`` prints one JSON object:

- ``adapters``: for requests, httpx and aiohttp, one keep-alive ``GET`` to the
  loopback server (bench/loopback.py, which answers 200 at once) sent with the
  same headers unsigned and signed, one request of each in turn, each timed on
  its own (seconds). The unsigned baseline sends the headers the signature
  adds, precomputed, so that the difference is the adapter's and the
  signer's work, not the bytes. For aiohttp, three more unsigned variants
  send through a middleware: one that does nothing, one that does only the
  hashing any signer must do for that request (two SHA-256 and one HMAC, as
  cheaply as the standard library does them: the crypto floor), and one that
  calls ``sign()`` on the request the adapter signs (aiohttp's headers,
  translated once) and drops the result (the signer's work alone, where the
  middleware does it). requests runs with ``trust_env=False`` (else a
  ``~/.netrc`` lookup on every request flatters the baseline).
  Each client signs twice: with a ``Credentials`` value, and with a
  ``RefreshingCredentialsProvider`` holding credentials valid for hours (a
  snapshot taken per request, as SigV4Client and the Cognito chain do).
  With ``--before REV``, each client also sends the requests signed by the
  adapters of git revision REV (that revision's whole package, loaded from
  ``git archive`` under another name), interleaved with the others: a
  before/after comparison measured side by side, in one run.
- ``invoke``: ``SigV4Client.invoke()`` calls per second, without and with a
  ``requests.Session`` (and those of REV's client, with ``--before``).
- ``startup``: fresh interpreters, interleaved: ``pass``, ``import sigv4client``,
  importing the core names from it, ``import botocore.auth``, ``import
  requests``, and ``sigv4client --presign`` with credentials in the
  environment (seconds each run).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loopback  # noqa: E402
from revision import load_before  # noqa: E402
from signers import floor_hashing  # noqa: E402
from turns import aiohttp_turns, orders  # noqa: E402
from workloads import ACCESS_KEY, REGION, SECRET_KEY, SERVICE, SESSION_TOKEN  # noqa: E402

import sigv4client  # noqa: E402

CREDS = sigv4client.Credentials(
    access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=SESSION_TOKEN
)
HEADERS = {"Accept": "application/json", "X-Tenant-Id": "tenant-42"}


def _signed_headers(url: str) -> dict[str, str]:
    # The headers a signature adds, for the unsigned baseline to send as well.
    request = sigv4client.HttpRequest(method="GET", url=url, headers=HEADERS)
    config = sigv4client.SigningConfig(region=REGION, service=SERVICE)
    result = sigv4client.sign(request, CREDS, config)
    return {**HEADERS, **{n: v for n, v in result.headers if n != "Host"}}


def _interleave(variants: dict[str, Any], rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in variants}
    clock = time.perf_counter
    for order in orders(list(variants.items()), rounds):
        for name, send in order:
            t0 = clock()
            send()
            samples[name].append(clock() - t0)
    return samples


def _sync_client(
    get: Any, url: str, baseline: dict[str, str], auths: dict[str, Any], rounds: int
) -> dict[str, list[float]]:
    variants = {"unsigned": lambda: get(url, headers=baseline).raise_for_status()}
    for name, auth in auths.items():
        variants[name] = partial(_signed_get, get, url, auth)
    for send in variants.values():
        for _ in range(30):  # warm-up: the connection, the caches
            send()
    return _interleave(variants, rounds)


#: The aiohttp variants that send unsigned through a middleware: one that does
#: nothing, one that does only the hashing any signer must do for this request
#: (the crypto floor of bench/signers.py: two SHA-256 and one HMAC, on the
#: strings sign() hashes, the key's pad states kept), and one that calls sign()
#: on the same request and drops the result.
SIGN_ONLY_VARIANTS = (
    "unsigned, a no-op middleware",
    "unsigned, a middleware hashing only (the crypto floor)",
    "unsigned, a middleware calling sign() (result unused)",
)


def _signed_get(get: Any, url: str, auth: Any) -> None:
    get(url, headers=HEADERS, auth=auth).raise_for_status()


def _packages(before: Any, rev: str | None) -> dict[str, Any]:
    # The variant name of each package whose adapters sign: this one, and the old one.
    out: dict[str, Any] = {"signed": sigv4client}
    if before is not None:
        out[f"signed, before ({rev})"] = before
    return out


#: What each signed variant signs with, by the suffix of its name.
SOURCES = ("", ", refreshing provider")


def _sources(package: Any) -> dict[str, Any]:
    # A value, and a refreshing provider whose credentials last for hours.
    value = package.Credentials(
        access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=SESSION_TOKEN
    )

    def refresh() -> Any:
        return package.Credentials(
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
            session_token=SESSION_TOKEN,
            expiration=datetime.now(timezone.utc) + timedelta(hours=6),
        )

    credentials = importlib.import_module(f"{package.__name__}.credentials")
    provider = credentials.RefreshingCredentialsProvider(refresh)
    return dict(zip(SOURCES, (value, provider), strict=True))


def _signers(packages: dict[str, Any], module: str, cls: str) -> dict[str, Any]:
    # One adapter per package and per credentials source, by variant name.
    out: dict[str, Any] = {}
    for name, package in packages.items():
        adapter = getattr(importlib.import_module(f"{package.__name__}.{module}"), cls)
        for suffix, source in _sources(package).items():
            out[name + suffix] = adapter(source, region=REGION, service=SERVICE)
    return out


def adapters(
    url: str, rounds: int, before: Any = None, rev: str | None = None
) -> dict[str, dict[str, list[float]]]:
    import httpx
    import requests

    baseline = _signed_headers(url)
    out: dict[str, dict[str, list[float]]] = {}
    packages = _packages(before, rev)

    session = requests.Session()
    session.trust_env = False
    auths = _signers(packages, "integrations.requests", "SigV4Auth")
    out["requests"] = _sync_client(session.get, url, baseline, auths, rounds)
    session.close()

    client = httpx.Client(trust_env=False)
    auths = _signers(packages, "integrations.httpx", "SigV4HttpxAuth")
    out["httpx"] = _sync_client(client.get, url, baseline, auths, rounds)
    client.close()

    middlewares = _signers(packages, "integrations.aiohttp", "SigV4Middleware")
    out["aiohttp"] = asyncio.run(_aiohttp(url, baseline, rounds, middlewares))
    return out


async def _aiohttp(
    url: str, baseline: dict[str, str], rounds: int, middlewares: dict[str, Any]
) -> dict[str, list[float]]:
    import contextlib

    import aiohttp

    async def no_op(request: Any, handler: Any) -> Any:
        return await handler(request)

    config = sigv4client.SigningConfig(region=REGION, service=SERVICE)
    # What the adapter signs: the headers aiohttp sends (its Host, User-Agent,
    # Accept-Encoding too), without those the signature adds. Translated once.
    added = {"authorization", "x-amz-date", "x-amz-security-token"}
    same: list[Any] = []

    def the_request(request: Any) -> Any:
        # The request the adapter signs, translated once.
        if not same:
            headers = [(str(n), v) for n, v in request.headers.items() if n.lower() not in added]
            same.append(sigv4client.HttpRequest(method="GET", url=url, headers=headers))
        return same[0]

    async def sign_only(request: Any, handler: Any) -> Any:
        # The signer's own work, where the middleware does it, without the
        # adapter's: no translation, no redirect rule, the result unused.
        sigv4client.sign(the_request(request), CREDS, config)
        return await handler(request)

    floor: list[Any] = []

    async def hash_only(request: Any, handler: Any) -> Any:
        # The crypto floor's work on this request's strings (made once).
        if not floor:
            fields = sigv4client.sign(the_request(request), CREDS, config)
            floor.append(floor_hashing(fields.canonical_request, fields.string_to_sign, b""))
            if floor[0]() != fields.signature:  # the same hashing as the signature's
                raise SystemExit("the crypto floor's HMAC is not sign()'s signature")
        floor[0]()
        return await handler(request)

    no_op_name, hash_only_name, sign_only_name = SIGN_ONLY_VARIANTS
    async with contextlib.AsyncExitStack() as stack:
        plain = await stack.enter_async_context(aiohttp.ClientSession())
        passthrough = await stack.enter_async_context(aiohttp.ClientSession(middlewares=(no_op,)))
        hashing = await stack.enter_async_context(aiohttp.ClientSession(middlewares=(hash_only,)))
        signing = await stack.enter_async_context(aiohttp.ClientSession(middlewares=(sign_only,)))
        variants = [
            ("unsigned", plain, baseline),
            (no_op_name, passthrough, baseline),
            (hash_only_name, hashing, baseline),
            (sign_only_name, signing, baseline),
        ]
        for name, middleware in middlewares.items():
            session = await stack.enter_async_context(
                aiohttp.ClientSession(middlewares=(middleware,))
            )
            variants.append((name, session, HEADERS))
        # The first rounds warm up the connections and caches.
        return await aiohttp_turns(url, variants, rounds, warm_up=30)


def invoke(port: int, calls: int, before: Any = None, rev: str | None = None) -> dict[str, float]:
    """``SigV4Client.invoke()`` calls per second, its own session and a given one.

    With ``before``, that package's client too; the variants take turns in
    blocks of 25 calls, so that they share the machine's ups and downs.
    """
    import requests

    session = requests.Session()
    sends: dict[str, Any] = {}
    for name, package in _packages(before, rev).items():
        client = package.SigV4Client.new_client(
            endpoint=f"http://127.0.0.1:{port}/prod",
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            session_token=SESSION_TOKEN,
            region=REGION,
        )
        suffix = name.removeprefix("signed")
        sends["default" + suffix] = partial(client.invoke, path="/items/42")
        sends["with a requests.Session" + suffix] = partial(
            client.invoke, path="/items/42", session=session
        )
    spent = dict.fromkeys(sends, 0.0)
    for send in sends.values():
        send()  # the connection, the caches
    block = 25
    clock = time.perf_counter
    for _ in range(max(1, calls // block)):
        for name, send in sends.items():
            t0 = clock()
            for _ in range(block):
                send()
            spent[name] += clock() - t0
    session.close()
    return {name: max(1, calls // block) * block / seconds for name, seconds in spent.items()}


STARTUP = {
    "python -c pass": "pass",
    "import sigv4client": "import sigv4client",
    "from sigv4client import sign, presign, verify, ...": (
        "from sigv4client import sign, presign, verify, Credentials, SigningConfig, HttpRequest"
    ),
    "import botocore.auth": "import botocore.auth",
    "import requests": "import requests",
}


def startup(rounds: int) -> dict[str, list[float]]:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    cli = [
        "-c",
        "import sys; from sigv4client.cli import _entry; "
        "sys.argv = ['sigv4client', '--presign', "
        "'https://abc123.execute-api.us-east-1.amazonaws.com/prod/x']; _entry()",
    ]
    commands = {name: ["-c", code] for name, code in STARTUP.items()}
    commands["sigv4client --presign URL"] = cli
    samples: dict[str, list[float]] = {name: [] for name in commands}
    items = list(commands.items())
    for r in range(rounds):
        k = r % len(items)
        for name, args in items[k:] + items[:k]:
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, *args], check=True, env=env, cwd="/", stdout=subprocess.DEVNULL
            )
            samples[name].append(time.perf_counter() - t0)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1000, help="requests per variant")
    parser.add_argument("--startup-rounds", type=int, default=21)
    parser.add_argument(
        "--before", metavar="REV", help="also time the adapters of this git revision"
    )
    args = parser.parse_args()
    before_dir = tempfile.TemporaryDirectory(prefix="sigv4client-before-")
    before = load_before(args.before, before_dir.name) if args.before else None
    try:
        with loopback.running() as port:
            url = f"http://127.0.0.1:{port}/prod/items/42?limit=10&next=a%2Fb"
            results: dict[str, Any] = {"adapters": adapters(url, args.rounds, before, args.before)}
            results["invoke"] = invoke(port, max(100, args.rounds // 4), before, args.before)
    finally:
        before_dir.cleanup()
    results["startup"] = startup(args.startup_rounds)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
