"""The identity-pool chain in a few lines: moto user pool, groups, users, roles, the pool.

Use::

    with identity_pool_chain(
        moto_endpoint,
        roles={"Readers": [invoke_policy(allow=["GET"], deny=["DELETE"])], "Default": []},
        groups={"readers": ("Readers", 1)},
        users={"ana": ["readers"]},
        authenticated_role="Default",
    ) as chain:
        creds = chain.credentials("ana")  # sigv4client's client against the local pool
        chain.identity(creds).arn  # ...:assumed-role/Readers/CognitoIdentityCredentials
        chain.decide(creds, "DELETE").outcome  # "explicit-deny"

Roles get the trust policy AWS documents for the pool (``standard_trust_policy``,
``amr`` "unauthenticated" for the guest role) unless ``trust_policies`` says
otherwise (``None``: no trust policy).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sigv4client import Credentials
from sigv4client.cognito import CognitoUser, IdentityPoolCredentials
from sigv4client.local import LocalIdentityPool, LocalUserPool, RoleMapping
from sigv4client.local.iam import Decision, IamDirectory, IamIdentity, PolicyInput, evaluate
from sigv4client.local.identity_pool import standard_trust_policy
from tests.support.cognito import REGION, add_user, admin, make_pool

ACCOUNT = "111122223333"
API_ID = "a1b2c3d4e5"
STAGE = "prod"


def role_arn(name: str, account: str = ACCOUNT) -> str:
    """The ARN ``IamDirectory.add_role(name)`` gives."""
    return f"arn:aws:iam::{account}:role/{name}"


def invoke_arn(method: str, path: str = "notes", account: str = ACCOUNT) -> str:
    """The ``execute-api:Invoke`` resource of ``method /path`` on the test API's stage."""
    return f"arn:aws:execute-api:{REGION}:{account}:{API_ID}/{STAGE}/{method}/{path}"


def invoke_policy(
    *, allow: Sequence[str] = ("GET",), deny: Sequence[str] = ()
) -> dict[str, object]:
    """An identity policy: ``execute-api:Invoke`` allowed for ``allow``, denied for ``deny``."""
    statements: list[dict[str, object]] = []
    if allow:
        statements.append(
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": [f"arn:aws:execute-api:*:*:{API_ID}/*/{m}/*" for m in allow],
            }
        )
    if deny:
        statements.append(
            {
                "Effect": "Deny",
                "Action": "execute-api:Invoke",
                "Resource": [f"arn:aws:execute-api:*:*:{API_ID}/*/{m}/*" for m in deny],
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


@dataclass
class Chain:
    """What :func:`identity_pool_chain` built, and the calls a test makes through it."""

    iam: IamDirectory
    pool: LocalIdentityPool
    user_pool: LocalUserPool
    moto_endpoint: str
    idp: Any
    passwords: dict[str, str] = field(repr=False)

    @property
    def client_id(self) -> str:
        """The user pool's app client."""
        return self.user_pool.app_client_ids[0]

    @property
    def login_key(self) -> str:
        """The user pool's ``Logins`` key."""
        return LocalIdentityPool.login_key(self.user_pool)

    @property
    def mapping_key(self) -> str:
        """The ``role_mappings`` key of the user pool's app client."""
        return f"{self.login_key}:{self.client_id}"

    def user(self, username: str) -> CognitoUser:
        """``username`` logged in (SRP) on moto's user pool."""
        user = CognitoUser(
            user_pool_id=self.user_pool.user_pool_id,
            client_id=self.client_id,
            endpoint_url=self.moto_endpoint,
        )
        user.login(username, self.passwords[username])
        return user

    def id_token(self, username: str) -> str:
        """A fresh ID token of ``username``."""
        return self.user(username).get_tokens().id_token

    def source(self, username: str | None) -> IdentityPoolCredentials:
        """sigv4client's identity-pool credentials for ``username`` (None: a guest)."""
        return IdentityPoolCredentials(
            self.pool.identity_pool_id,
            user=None if username is None else self.user(username),
            endpoint_url=self.pool.url,
        )

    def credentials(self, username: str | None) -> Credentials:
        """Credentials of ``username`` (None: a guest) through sigv4client's client."""
        return self.source(username).fetch()

    def identity(self, credentials: Credentials) -> IamIdentity:
        """Who the credentials stand for in the directory."""
        found = self.iam.identity(credentials.access_key_id)
        assert found is not None, "the directory never issued these credentials"
        return found

    def decide(self, credentials: Credentials, method: str, path: str = "notes") -> Decision:
        """``evaluate()`` of ``execute-api:Invoke`` on ``method /path`` for these credentials."""
        who = self.identity(credentials)
        return evaluate(
            action="execute-api:Invoke",
            resource=invoke_arn(method, path),
            principal_arn=who.arn,
            identity_policies=who.policies,
            context=who.request_context(),
        )


@contextmanager
def identity_pool_chain(
    moto_endpoint: str,
    *,
    roles: Mapping[str, Sequence[PolicyInput]],
    authenticated_role: str,
    groups: Mapping[str, tuple[str | None, int | None]] | None = None,
    users: Mapping[str, Sequence[str]] | None = None,
    unauthenticated_role: str | None = None,
    trust_policies: Mapping[str, Mapping[str, object] | None] | None = None,
    role_mapping: RoleMapping | None = None,
    identity_pool_id: str | None = None,
    **pool_args: Any,
) -> Iterator[Chain]:
    """A moto user pool with ``groups`` (name -> (role name, precedence)) and ``users``
    (name -> groups), IAM ``roles`` (name -> policies), and a started LocalIdentityPool
    trusting the pool's app client; ``role_mapping`` applies to that app client.
    """
    idp = admin("cognito-idp", moto_endpoint)
    made = make_pool(idp)
    iam = IamDirectory(ACCOUNT)
    pool_id = identity_pool_id or f"{REGION}:{uuid.uuid4()}"
    trust = dict(trust_policies or {})
    for name, policies in roles.items():
        amr = "unauthenticated" if name == unauthenticated_role else "authenticated"
        iam.add_role(
            name,
            policies=policies,
            trust_policy=trust.get(name, standard_trust_policy(pool_id, amr)),
        )
    for group, (role, precedence) in (groups or {}).items():
        extra: dict[str, object] = {}
        if role is not None:
            extra["RoleArn"] = role_arn(role)
        if precedence is not None:
            extra["Precedence"] = precedence
        idp.create_group(GroupName=group, UserPoolId=made.pool_id, **extra)
    passwords: dict[str, str] = {}
    for username, member_of in (users or {}).items():
        _, passwords[username] = add_user(idp, made.pool_id, username)
        for group in member_of:
            idp.admin_add_user_to_group(UserPoolId=made.pool_id, Username=username, GroupName=group)
    user_pool = LocalUserPool(
        user_pool_id=made.pool_id,
        endpoint_url=moto_endpoint,
        app_client_ids=(made.client_id,),
    )
    login_key = LocalIdentityPool.login_key(user_pool)
    mappings = {f"{login_key}:{made.client_id}": role_mapping} if role_mapping else None
    pool = LocalIdentityPool(
        iam,
        identity_pool_id=pool_id,
        region=REGION,
        authenticated_role=role_arn(authenticated_role),
        unauthenticated_role=None
        if unauthenticated_role is None
        else role_arn(unauthenticated_role),
        allow_unauthenticated=unauthenticated_role is not None,
        user_pools=[user_pool],
        role_mappings=mappings,
        **pool_args,
    )
    with pool:
        yield Chain(iam, pool, user_pool, moto_endpoint, idp, passwords)
