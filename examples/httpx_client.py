"""Sign every request of an httpx client, sync and async, with SigV4HttpxAuth.

Needs the ``httpx`` extra: ``pip install ".[httpx]"`` in a clone (or ``".[examples]"``).

One auth object serves both clients: SigV4HttpxClient and AsyncSigV4HttpxClient,
the httpx.Client and httpx.AsyncClient that keep credentials off redirects to
another origin (and sign same-origin redirects again). By default it starts a
local server that verifies signatures (with botocore) and sends, with the sync
client, a GET with query parameters, a JSON POST and a 4 MiB upload streamed
from a file (hashed in place, never read into memory); then, with the async
client, 20 concurrent GETs and a JSON POST. Give a real URL to call AWS with
the credentials botocore finds (environment, profile):

    python examples/httpx_client.py
    python examples/httpx_client.py --url https://abc.execute-api.eu-west-1.amazonaws.com/prod/items
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile

from sigv4client import Credentials

try:
    from sigv4client.integrations.httpx import (
        AsyncSigV4HttpxClient,
        SigV4HttpxAuth,
        SigV4HttpxClient,
    )
except ImportError as exc:  # the httpx extra is not installed
    sys.exit(
        "this example needs the httpx extra (httpx is not installed): "
        'pip install ".[httpx]" in a clone of sigv4client (".[examples]" installs '
        f"what every example needs) [{exc}]"
    )

from sigv4client.local import VerifyingServer

DEMO = Credentials(access_key_id="AKIDEXAMPLELOCAL", secret_access_key="example/local+secret")


def run_sync(url: str, auth: SigV4HttpxAuth) -> bool:
    ok = True
    with SigV4HttpxClient(auth=auth, timeout=30) as client:
        resp = client.get(url, params={"limit": 10, "q": "a b/c"})
        print(f"GET {resp.url} -> HTTP {resp.status_code}")
        ok &= resp.is_success
        resp = client.post(url, json={"content": "hello"})
        print(f"POST {resp.url} -> HTTP {resp.status_code}")
        ok &= resp.is_success
        with tempfile.TemporaryFile() as f:
            f.write(b"x" * (4 << 20))
            f.seek(0)
            resp = client.put(url, content=f)  # streamed, hashed in chunks
            print(f"PUT (4 MiB streamed from a file) -> HTTP {resp.status_code}")
            ok &= resp.is_success
    return ok


async def run_async(url: str, auth: SigV4HttpxAuth) -> bool:
    async with AsyncSigV4HttpxClient(auth=auth, timeout=30) as client:
        responses = await asyncio.gather(
            *(client.get(url, params={"n": str(n)}) for n in range(20))
        )
        statuses = sorted({r.status_code for r in responses})
        print(f"async: 20 concurrent GETs -> HTTP {', '.join(map(str, statuses))}")
        resp = await client.post(url, json={"content": "hello from asyncio"})
        print(f"async: POST {resp.url} -> HTTP {resp.status_code}")
        return all(r.is_success for r in responses) and resp.is_success


def run(url: str, auth: SigV4HttpxAuth) -> int:
    ok = run_sync(url, auth)
    ok &= asyncio.run(run_async(url, auth))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="URL to call; default: a local verifying server")
    parser.add_argument("--region", default=None, help="default: read from the AWS host name")
    args = parser.parse_args(argv)
    if args.url:
        from sigv4client.credentials import BotocoreSessionProvider

        return run(args.url, SigV4HttpxAuth(BotocoreSessionProvider(), region=args.region))
    with VerifyingServer(
        {DEMO.access_key_id: DEMO.secret_access_key}, region="us-east-1"
    ) as server:
        print(f"local verifying server at {server.url}")
        return run(server.url + "/prod/items", SigV4HttpxAuth(DEMO, region="us-east-1"))


if __name__ == "__main__":
    sys.exit(main())
