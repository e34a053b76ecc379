"""Cognito on the moto server: admin clients, user pools, users, identity pools.

Every admin call is signed with dummy credentials given explicitly ("testing":
moto accepts any), never the machine's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"
#: The flows a plain app client allows: SRP login and refresh.
SRP_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


def admin(service: str, endpoint: str, region: str = REGION) -> Any:
    """A boto3 client for ``service`` on the moto server at ``endpoint``."""
    return boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@dataclass(frozen=True)
class AppClient:
    client_id: str
    client_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Pool:
    """A user pool and its app clients, by the name each was created with."""

    pool_id: str
    clients: Mapping[str, AppClient]

    @property
    def client_id(self) -> str:
        """The id of the only (or first) app client."""
        return next(iter(self.clients.values())).client_id


def make_pool(
    idp: Any,
    *,
    clients: Mapping[str, bool] | Sequence[str] = ("web",),
    flows: Sequence[str] = SRP_FLOWS,
    **pool_args: Any,
) -> Pool:
    """A user pool with app clients allowing ``flows``.

    ``clients`` names the app clients; a mapping says, for each, whether it has
    a secret. ``pool_args`` go to ``CreateUserPool`` (``UsernameAttributes``...).
    """
    pool_id = idp.create_user_pool(PoolName=f"pool-{uuid.uuid4().hex[:8]}", **pool_args)[
        "UserPool"
    ]["Id"]
    secrets = clients if isinstance(clients, Mapping) else dict.fromkeys(clients, False)
    made = {}
    for name, with_secret in secrets.items():
        created = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=name,
            GenerateSecret=with_secret,
            ExplicitAuthFlows=list(flows),
        )["UserPoolClient"]
        made[name] = AppClient(created["ClientId"], created.get("ClientSecret"))
    return Pool(pool_id, made)


def new_password() -> str:
    """A password every pool's default policy accepts."""
    return f"Pw-{uuid.uuid4().hex[:12]}-A1!"


def add_user(
    idp: Any, pool_id: str, username: str | None = None, *, confirmed: bool = True
) -> tuple[str, str]:
    """Create a user; with ``confirmed`` its password is permanent, else temporary."""
    username = username or f"user-{uuid.uuid4().hex[:10]}"
    password = new_password()
    idp.admin_create_user(
        UserPoolId=pool_id, Username=username, TemporaryPassword=password, MessageAction="SUPPRESS"
    )
    if confirmed:
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=password, Permanent=True
        )
    return username, password


def make_identity_pool(
    identity: Any, pool_id: str, client_id: str, *, region: str = REGION, guests: bool = False
) -> str:
    """An identity pool that trusts the user pool's app client; returns its id."""
    return str(
        identity.create_identity_pool(
            IdentityPoolName=f"pool{uuid.uuid4().hex[:8]}",
            AllowUnauthenticatedIdentities=guests,
            CognitoIdentityProviders=[
                {
                    "ProviderName": f"cognito-idp.{region}.amazonaws.com/{pool_id}",
                    "ClientId": client_id,
                }
            ],
        )["IdentityPoolId"]
    )


# A new process that restores a saved session from ``store`` (an expression over
# ``args``), takes identity-pool credentials and sends one signed GET to args["url"].
_RESTORE_AND_CALL = """
import json, sys
import requests
from sigv4client import SigV4Auth
from sigv4client.cognito import CognitoUser, FileSessionStore, KeyringSessionStore

args = json.loads(sys.argv[1])
store = {store}
user = CognitoUser.restore(store, user_pool_id=args["pool"], client_id=args["client"])
provider = user.identity_credentials(args["identity_pool"])
answer = requests.get(args["url"], auth=SigV4Auth(provider, region="us-east-1"), timeout=30)
print(json.dumps({{"status": answer.status_code, "body": answer.text}}))
"""


def call_from_restored_session(
    store: str, args: Mapping[str, str], env: Mapping[str, str], cwd: Path | None = None
) -> tuple[dict[str, Any], str]:
    """Run a new process that restores a session from ``store`` and signs one GET.

    The process gets ``env`` only (give it no password and no AWS credentials).
    Returns its answer (``status``, ``body``) and everything it printed.
    """
    proc = subprocess.run(
        [sys.executable, "-c", _RESTORE_AND_CALL.format(store=store), json.dumps(dict(args))],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(env),
        cwd=cwd,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    answer: dict[str, Any] = json.loads(proc.stdout)
    return answer, proc.stdout + proc.stderr
