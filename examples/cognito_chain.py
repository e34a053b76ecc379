"""The whole Cognito chain on one machine: user-pool login -> identity-pool
credentials -> signed API Gateway-style calls.

By default it starts moto's Cognito server and a local server that verifies
signatures (with botocore) on loopback ports, creates a user pool, an app
client, a user and an identity pool, then logs in with SRP, exchanges the ID
token for temporary AWS credentials, and sends a signed GET and POST. Needs
the local extra: pip install "sigv4client[local]".

Against real AWS, give your own ids (the API must use IAM authorization):

    python examples/cognito_chain.py --user-pool-id us-east-1_Abc --client-id 123 \\
        --identity-pool-id us-east-1:uuid --username alice --password '...' \\
        --api https://abc.execute-api.us-east-1.amazonaws.com/prod
"""

from __future__ import annotations

import argparse
import logging
import sys
import uuid

from sigv4client import ApiError, SigV4Client
from sigv4client.cognito import CognitoUser

REGION = "us-east-1"


def chain(args: argparse.Namespace, endpoint_url: str | None, api: str) -> int:
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
    client = SigV4Client.new_client(credentials=provider, endpoint=api)
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
    import boto3
    from moto.server import ThreadedMotoServer

    from sigv4client.local import VerifyingServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        print(f"local Cognito (moto) at {endpoint}")

        def admin(service: str):  # type: ignore[no-untyped-def]
            return boto3.session.Session().client(
                service,
                region_name=REGION,
                endpoint_url=endpoint,
                aws_access_key_id="local",
                aws_secret_access_key="local",
            )

        idp = admin("cognito-idp")
        args.user_pool_id = idp.create_user_pool(PoolName="demo")["UserPool"]["Id"]
        args.client_id = idp.create_user_pool_client(
            UserPoolId=args.user_pool_id, ClientName="web"
        )["UserPoolClient"]["ClientId"]
        args.username, args.password = "alice", f"Pw-{uuid.uuid4().hex[:10]}-A1!"
        idp.admin_create_user(
            UserPoolId=args.user_pool_id,
            Username=args.username,
            TemporaryPassword=args.password,
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=args.user_pool_id,
            Username=args.username,
            Password=args.password,
            Permanent=True,
        )
        args.identity_pool_id = admin("cognito-identity").create_identity_pool(
            IdentityPoolName="demo",
            AllowUnauthenticatedIdentities=False,
            CognitoIdentityProviders=[
                {
                    "ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{args.user_pool_id}",
                    "ClientId": args.client_id,
                }
            ],
        )["IdentityPoolId"]

        # The API server accepts exactly the keys this identity pool issues.
        identity = admin("cognito-identity")

        def resolve(key: str) -> tuple[str, str | None] | None:
            ident = identity.list_identities(IdentityPoolId=args.identity_pool_id, MaxResults=1)
            if not ident["Identities"]:
                return None
            creds = identity.get_credentials_for_identity(
                IdentityId=ident["Identities"][0]["IdentityId"]
            )["Credentials"]
            return (
                (creds["SecretKey"], creds["SessionToken"]) if creds["AccessKeyId"] == key else None
            )

        with VerifyingServer(resolve=resolve, region=REGION, service="execute-api") as api:
            print(f"local API (verifies SigV4 with botocore) at {api.url}")
            return chain(args, endpoint, api.url + "/prod")
    finally:
        moto.stop()


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
