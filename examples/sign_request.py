"""Sign API Gateway calls with SigV4Client, the Python port of sigV4Client.js.

By default it starts a local server that verifies signatures (with botocore,
independently of sigv4client) and sends a signed GET and POST to it. Give a
real endpoint to call AWS instead; the keys then come from the usual AWS
environment variables:

    python examples/sign_request.py
    python examples/sign_request.py --path /notes \
        --endpoint https://abc.execute-api.us-east-1.amazonaws.com/prod
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import requests

from sigv4client import SigV4Client
from sigv4client.local import VerifyingServer

DEMO_KEY, DEMO_SECRET = "AKIDEXAMPLELOCAL", "example/local+secret"


def run(endpoint: str, access_key: str, secret_key: str, token: str | None, path: str) -> int:
    client = SigV4Client.new_client(
        access_key=access_key,
        secret_key=secret_key,
        session_token=token,
        endpoint=endpoint,
        region=None if "amazonaws.com" in endpoint else "us-east-1",
    )
    print(f"client: {client!r}")
    for method, body in (("GET", None), ("POST", {"content": "hello from sigv4client"})):
        signed = client.sign_request(
            method=method, path=path, query_params={"limit": 10}, body=body
        )
        print(f"\n{method} {signed.url}")
        shown = signed.headers["Authorization"].split(", Signature=")[0]
        print(f"  Authorization: {shown}, Signature=...")  # the signature itself is not printed
        # Not followed: requests drops only Authorization on a redirect to another
        # host, and the session token would go along.
        resp = requests.request(
            signed.method,
            signed.url,
            headers=signed.headers,
            data=signed.body,
            timeout=30,
            allow_redirects=False,
        )
        print(f"  -> HTTP {resp.status_code}")
        try:
            answer = resp.json()
        except ValueError:
            answer = resp.text
        print("  " + json.dumps(answer, ensure_ascii=False)[:300])
        if not resp.ok:
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--endpoint", help="API Gateway stage URL; default: a local verifying server"
    )
    parser.add_argument("--path", default="/items/42")
    args = parser.parse_args(argv)
    if args.endpoint:
        key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
        if not key or not secret:
            parser.error("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to call a real endpoint")
        return run(args.endpoint, key, secret, os.environ.get("AWS_SESSION_TOKEN"), args.path)
    with VerifyingServer(
        {DEMO_KEY: DEMO_SECRET}, region="us-east-1", service="execute-api"
    ) as server:
        print(f"local verifying server at {server.url}")
        return run(server.url + "/prod", DEMO_KEY, DEMO_SECRET, None, args.path)


if __name__ == "__main__":
    sys.exit(main())
