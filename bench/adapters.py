"""What the adapters add to a real request, and what importing the package costs.

``python bench/adapters.py [--rounds N]`` prints one JSON object:

- ``adapters``: for requests, httpx and aiohttp, one keep-alive ``GET`` to the
  loopback server (bench/loopback.py, which answers 200 at once) sent with the
  same headers unsigned and signed, one request of each in turn, each timed on
  its own (seconds). The unsigned baseline sends the headers the signature
  adds, precomputed, so that the difference is the adapter's and the
  signer's work, not the bytes. requests runs with ``trust_env=False`` (else a
  ``~/.netrc`` lookup on every request flatters the baseline).
- ``invoke``: ``SigV4Client.invoke()`` calls per second, without and with a
  ``requests.Session``.
- ``startup``: fresh interpreters, interleaved: ``pass``, ``import sigv4client``,
  importing the core names from it, ``import botocore.auth``, ``import
  requests``, and ``sigv4client --presign`` with credentials in the
  environment (seconds each run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

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
    items = list(variants.items())
    clock = time.perf_counter
    for r in range(rounds):
        k = r % len(items)
        for name, send in items[k:] + items[:k]:
            t0 = clock()
            send()
            samples[name].append(clock() - t0)
    return samples


def _sync_client(
    get: Any, url: str, baseline: dict[str, str], auth: Any, rounds: int
) -> dict[str, list[float]]:
    variants = {
        "unsigned": lambda: get(url, headers=baseline).raise_for_status(),
        "signed": lambda: get(url, headers=HEADERS, auth=auth).raise_for_status(),
    }
    for send in variants.values():
        for _ in range(30):  # warm-up: the connection, the caches
            send()
    return _interleave(variants, rounds)


def adapters(url: str, rounds: int) -> dict[str, dict[str, list[float]]]:
    import httpx
    import requests

    from sigv4client.integrations.httpx import SigV4HttpxAuth

    baseline = _signed_headers(url)
    out: dict[str, dict[str, list[float]]] = {}

    session = requests.Session()
    session.trust_env = False
    auth = sigv4client.SigV4Auth(CREDS, region=REGION, service=SERVICE)
    out["requests"] = _sync_client(session.get, url, baseline, auth, rounds)
    session.close()

    client = httpx.Client(trust_env=False)
    hauth = SigV4HttpxAuth(CREDS, region=REGION, service=SERVICE)
    out["httpx"] = _sync_client(client.get, url, baseline, hauth, rounds)
    client.close()

    out["aiohttp"] = asyncio.run(_aiohttp(url, baseline, rounds))
    return out


async def _aiohttp(url: str, baseline: dict[str, str], rounds: int) -> dict[str, list[float]]:
    import aiohttp

    from sigv4client.integrations.aiohttp import SigV4Middleware

    async def no_op(request: Any, handler: Any) -> Any:
        return await handler(request)

    sigv4 = SigV4Middleware(CREDS, region=REGION, service=SERVICE)
    samples: dict[str, list[float]] = {"unsigned": [], "unsigned, a no-op middleware": []}
    samples["signed"] = []
    async with (
        aiohttp.ClientSession() as plain,
        aiohttp.ClientSession(middlewares=(no_op,)) as passthrough,
        aiohttp.ClientSession(middlewares=(sigv4,)) as signed,
    ):
        variants = [
            ("unsigned", plain, baseline),
            ("unsigned, a no-op middleware", passthrough, baseline),
            ("signed", signed, HEADERS),
        ]
        clock = time.perf_counter
        for r in range(rounds + 30):
            k = r % len(variants)
            for name, session, headers in variants[k:] + variants[:k]:
                t0 = clock()
                async with session.get(url, headers=headers) as response:
                    response.raise_for_status()
                    await response.read()
                if r >= 30:  # the first rounds warm up the connection and caches
                    samples[name].append(clock() - t0)
    return samples


def invoke(port: int, calls: int) -> dict[str, float]:
    import requests

    client = sigv4client.SigV4Client.new_client(
        endpoint=f"http://127.0.0.1:{port}/prod",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        session_token=SESSION_TOKEN,
        region=REGION,
    )
    out = {}
    session = requests.Session()
    for name, kwargs in (("default", {}), ("with a requests.Session", {"session": session})):
        client.invoke(path="/items/42", **kwargs)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        for _ in range(calls):
            client.invoke(path="/items/42", **kwargs)  # type: ignore[arg-type]
        out[name] = calls / (time.perf_counter() - t0)
    session.close()
    return out


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
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "loopback.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}/prod/items/42?limit=10&next=a%2Fb"
        results: dict[str, Any] = {"adapters": adapters(url, args.rounds)}
        results["invoke"] = invoke(port, max(100, args.rounds // 4))
    finally:
        server.terminate()
        server.wait()
    results["startup"] = startup(args.startup_rounds)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
