"""Sign every request of an aiohttp.ClientSession with the SigV4Middleware.

Needs the ``aiohttp`` extra: ``pip install ".[aiohttp]"`` in a clone (or ``".[examples]"``).

The middleware runs for each request the session sends, redirects and retries
included. By default it starts a local server that verifies signatures (with
botocore) and sends a GET with query parameters, a JSON POST, a 4 MiB upload
streamed from a file (hashed in place in a worker thread, never read into
memory) and 20 concurrent GETs. Give a real URL to call AWS with the
credentials botocore finds (environment, profile):

    python examples/aiohttp_client.py
    python examples/aiohttp_client.py --url https://abc.execute-api.eu-west-1.amazonaws.com/prod/items
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile

try:
    import aiohttp
except ModuleNotFoundError as exc:  # the aiohttp extra is not installed
    sys.exit(
        f"this example needs the aiohttp extra ({exc.name} is not installed): "
        'pip install ".[aiohttp]" in a clone of sigv4client (".[examples]" installs '
        "what every example needs)"
    )

from sigv4client import Credentials
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.local import VerifyingServer

DEMO = Credentials(access_key_id="AKIDEXAMPLELOCAL", secret_access_key="example/local+secret")


async def run(url: str, sigv4: SigV4Middleware) -> int:
    ok = True
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(middlewares=(sigv4,), timeout=timeout) as session:
        async with session.get(url, params={"limit": "10", "q": "a b/c"}) as resp:
            await resp.read()  # read each answer: the connection goes back to the pool
            print(f"GET {resp.url} -> HTTP {resp.status}")
            ok &= resp.ok
        async with session.post(url, json={"content": "hello"}) as resp:
            await resp.read()
            print(f"POST {resp.url} -> HTTP {resp.status}")
            ok &= resp.ok
        with tempfile.TemporaryFile() as f:
            f.write(b"x" * (4 << 20))
            f.seek(0)
            async with session.put(url, data=f) as resp:  # streamed, hashed in chunks
                await resp.read()
                print(f"PUT (4 MiB streamed from a file) -> HTTP {resp.status}")
                ok &= resp.ok

        async def get(n: int) -> int:
            async with session.get(url, params={"n": str(n)}) as resp:
                await resp.read()
                return resp.status

        statuses = await asyncio.gather(*(get(n) for n in range(20)))
        print(f"20 concurrent GETs -> HTTP {', '.join(map(str, sorted(set(statuses))))}")
        ok &= all(200 <= s < 300 for s in statuses)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="URL to call; default: a local verifying server")
    parser.add_argument("--region", default=None, help="default: read from the AWS host name")
    args = parser.parse_args(argv)
    if args.url:
        from sigv4client.credentials import BotocoreSessionProvider

        sigv4 = SigV4Middleware(BotocoreSessionProvider(), region=args.region)
        return asyncio.run(run(args.url, sigv4))
    with VerifyingServer(
        {DEMO.access_key_id: DEMO.secret_access_key}, region="us-east-1"
    ) as server:
        print(f"local verifying server at {server.url}")
        sigv4 = SigV4Middleware(DEMO, region="us-east-1")
        return asyncio.run(run(server.url + "/prod/items", sigv4))


if __name__ == "__main__":
    sys.exit(main())
