"""The whole Cognito chain on one machine: user-pool login -> identity-pool
credentials -> signed API Gateway-style calls.

By default it starts moto's Cognito server and a local server that verifies
signatures (with botocore) on loopback ports, creates a user pool, an app
client, a user and an identity pool, then logs in with SRP, exchanges the ID
token for temporary AWS credentials, and sends a signed GET and POST. The
local servers need the ``local`` extra: ``pip install ".[local]"`` in a clone
(or ``".[examples]"``); against AWS the core install is enough.

Against real AWS, give your own ids (the API must use IAM authorization):

    python examples/cognito_chain.py --user-pool-id us-east-1_Abc --client-id 123 \\
        --identity-pool-id us-east-1:uuid --username alice --password '...' \\
        --api https://abc.execute-api.us-east-1.amazonaws.com/prod
"""

from __future__ import annotations

import argparse
import sys

from sigv4client import ApiError, SigV4Client
from sigv4client.cognito import CognitoUser

REGION = "us-east-1"


def chain(
    args: argparse.Namespace, endpoint_url: str | None, api: str, region: str | None = None
) -> int:
    user = CognitoUser(
        user_pool_id=args.user_pool_id, client_id=args.client_id, endpoint_url=endpoint_url
    )
    print(f"1. log in {args.username!r} to user pool {args.user_pool_id} (SRP)")
    tokens = user.login(args.username, args.password)
    print(f"   ID token received, valid until {tokens.expires_at:%H:%M:%S} UTC")
    provider = user.identity_credentials(args.identity_pool_id)
    creds = provider.get_credentials()
    print(f"2. identity pool {args.identity_pool_id} issued key {creds.access_key_id}")
    print(f"   (temporary, expires {creds.expiration:%H:%M:%S} UTC)" if creds.expiration else "")
    # region=None reads it from an AWS host name; the local API needs it named.
    client = SigV4Client.new_client(credentials=provider, endpoint=api, region=region)
    try:
        got = client.invoke(path="/notes", query_params={"limit": 10})
        print(f"3. signed GET {api}/notes -> {str(got)[:120]}")
        got = client.invoke(path="/notes", method="POST", body={"content": "hello"})
        print(f"4. signed POST {api}/notes -> {str(got)[:120]}")
    except ApiError as exc:
        print(f"the API refused the call: {exc}")
        return 1
    return 0


def local(args: argparse.Namespace) -> int:
    try:
        import moto.server  # noqa: F401
    except ModuleNotFoundError as exc:  # the local extra is not installed
        sys.exit(
            f"this example needs the local extra ({exc.name} is not installed): "
            'pip install ".[local]" in a clone of sigv4client (".[examples]" installs '
            "what every example needs)"
        )

    from sigv4client.local import VerifyingServer
    from sigv4client.local.cognito import LocalCognito
    from sigv4client.local.gateway import MotoIdentityResolver

    with LocalCognito(region=REGION) as cognito:
        print(f"local Cognito (moto) at {cognito.endpoint_url}")
        setup = cognito.create_demo()
        args.user_pool_id, args.client_id = setup.user_pool_id, setup.client_id
        args.username, args.password = setup.username, setup.password
        args.identity_pool_id = setup.identity_pool_id
        # The API server accepts exactly the keys this identity pool issues.
        resolve = MotoIdentityResolver(cognito.endpoint_url, setup.identity_pool_id)
        with VerifyingServer(resolve=resolve, region=REGION, service="execute-api") as api:
            print(f"local API (verifies SigV4 with botocore) at {api.url}")
            return chain(args, cognito.endpoint_url, api.url + "/prod", REGION)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("user-pool-id", "client-id", "identity-pool-id", "username", "password", "api"):
        parser.add_argument(f"--{name}")
    args = parser.parse_args(argv)
    real = [
        args.user_pool_id,
        args.client_id,
        args.identity_pool_id,
        args.username,
        args.password,
        args.api,
    ]
    if any(real):
        if not all(real):
            parser.error(
                "to call AWS give all of --user-pool-id --client-id --identity-pool-id "
                "--username --password --api"
            )
        return chain(args, None, args.api)
    return local(args)


if __name__ == "__main__":
    sys.exit(main())
