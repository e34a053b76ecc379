"""API Gateway's other authorizers, locally: a Cognito user-pool route and a Lambda authorizer.

Starts moto's Cognito (a user pool with a user) and the local gateway, then:

1. calls a route behind a ``CognitoAuthorizer`` with the user's ID token
   (``CognitoTokenAuth``, refreshed through ``CognitoUser.get_tokens()``),
   and shows that a request without a token gets API Gateway's 401;
2. calls a route behind a ``LambdaAuthorizer`` (a Python function returning an
   IAM policy) with a custom header (``HeaderTokenAuth``): allowed, then denied;
3. adds a resource policy that denies every address outside 10.0.0.0/8, which
   refuses this loopback caller before any authorizer runs.

Run it: ``python examples/authorizers.py``. Needs the ``local`` extra (moto's Cognito,
joserfc): ``pip install ".[local]"`` in a clone (or ``".[examples]"``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import requests

try:
    import joserfc  # noqa: F401
    import moto.server  # noqa: F401
except ModuleNotFoundError as exc:  # the local extra is not installed
    sys.exit(
        f"this example needs the local extra ({exc.name} is not installed): "
        'pip install ".[local]" in a clone of sigv4client (".[examples]" installs '
        "what every example needs)"
    )

from sigv4client.cognito import CognitoUser
from sigv4client.local import (
    CognitoAuthorizer,
    GatewayRequest,
    LambdaAuthorizer,
    LocalGateway,
    Unauthorized,
)
from sigv4client.local.cognito import LocalCognito
from sigv4client.tokens import CognitoTokenAuth, HeaderTokenAuth


def lambda_authorizer(event: dict[str, object]) -> Mapping[str, object]:
    """A TOKEN authorizer: 'let-me-in' is allowed, 'keep-out' denied, anything else 401."""
    token = event["authorizationToken"]
    if token not in ("let-me-in", "keep-out"):
        raise Unauthorized
    return {
        "principalId": "demo-user",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if token == "let-me-in" else "Deny",
                    "Resource": event["methodArn"],
                }
            ],
        },
        "context": {"plan": "free"},
    }


def whoami(request: GatewayRequest) -> dict[str, object]:
    authorizer = request.authorizer or {}
    claims = authorizer.get("claims")
    if isinstance(claims, Mapping):
        return {"user": claims.get("cognito:username"), "token_use": claims.get("token_use")}
    return {"principal": authorizer.get("principalId"), "plan": authorizer.get("plan")}


def show(label: str, answer: requests.Response) -> None:
    print(f"{label} -> status {answer.status_code}: {answer.text}")


def main() -> None:
    with LocalCognito() as cognito:
        setup = cognito.create_demo()
        user = CognitoUser(
            user_pool_id=setup.user_pool_id,
            client_id=setup.client_id,
            endpoint_url=cognito.endpoint_url,
        )
        user.login(setup.username, setup.password)
        cognito_authorizer = CognitoAuthorizer(
            setup.user_pool_id,
            endpoint_url=cognito.endpoint_url,
            app_client_ids=[setup.client_id],
        )
        with (
            LocalGateway({"AKIDUNUSED": "unused"}, stage="prod") as gateway,
            requests.Session() as session,
        ):
            gateway.route("GET", "/me", whoami, authorizer=cognito_authorizer)
            gateway.route("GET", "/plan", whoami, authorizer=LambdaAuthorizer(lambda_authorizer))
            url = gateway.url  # http://127.0.0.1:<port>/prod: the stage is the first segment
            show("1. Cognito ID token", session.get(f"{url}/me", auth=CognitoTokenAuth(user)))
            show("1. no token", session.get(f"{url}/me"))
            allow = HeaderTokenAuth("Authorization", lambda: "let-me-in")
            deny = HeaderTokenAuth("Authorization", lambda: "keep-out")
            show("2. Lambda authorizer, allowed", session.get(f"{url}/plan", auth=allow))
            show("2. Lambda authorizer, denied", session.get(f"{url}/plan", auth=deny))
            gateway.resource_policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "execute-api:Invoke",
                        "Resource": "arn:aws:execute-api:*:*:*/*",
                        "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}},
                    }
                ],
            }
            show("3. resource policy", session.get(f"{url}/plan", auth=allow))


if __name__ == "__main__":
    main()
