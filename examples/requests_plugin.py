"""Sign every request of a requests.Session with the SigV4Auth plugin.

By default it starts a local server that verifies signatures (with botocore)
and sends a GET with query parameters, a JSON POST and a streamed file upload.
Give a real URL to call AWS with the credentials botocore finds (env, profile):

    python examples/requests_plugin.py
    python examples/requests_plugin.py --url https://abc.execute-api.eu-west-1.amazonaws.com/prod/items
"""

from __future__ import annotations

import argparse
import sys
import tempfile

import requests

from sigv4client import Credentials, SigV4Auth
from sigv4client.local import VerifyingServer

DEMO = Credentials(access_key_id="AKIDEXAMPLELOCAL", secret_access_key="example/local+secret")


def run(base: str, auth: SigV4Auth) -> int:
    with requests.Session() as session:
        session.auth = auth
        calls = [
            ("GET", {"params": {"limit": 10, "q": "a b/c"}}),
            ("POST", {"json": {"content": "hello"}}),
        ]
        ok = True
        for method, kwargs in calls:
            resp = session.request(method, base, timeout=30, **kwargs)
            print(f"{method} {resp.url} -> HTTP {resp.status_code}")
            ok &= resp.ok
        with tempfile.TemporaryFile() as f:
            f.write(b"x" * (4 << 20))
            f.seek(0)
            resp = session.put(base, data=f, timeout=60)  # streamed, hashed in chunks
            print(f"PUT (4 MiB streamed from a file) -> HTTP {resp.status_code}")
            ok &= resp.ok
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="URL to call; default: a local verifying server")
    parser.add_argument("--region", default=None, help="default: read from the AWS host name")
    args = parser.parse_args(argv)
    if args.url:
        from sigv4client.credentials import BotocoreSessionProvider

        return run(args.url, SigV4Auth(BotocoreSessionProvider(), region=args.region))
    with VerifyingServer(
        {DEMO.access_key_id: DEMO.secret_access_key}, region="us-east-1"
    ) as server:
        print(f"local verifying server at {server.url}")
        return run(server.url + "/prod/items", SigV4Auth(DEMO, region="us-east-1"))


if __name__ == "__main__":
    sys.exit(main())
