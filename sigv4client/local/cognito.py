"""A local Cognito on loopback: moto's server, with a ready user pool and identity pool.

Needs the ``local`` extra (``pip install "sigv4client[local]"``).

>>> from sigv4client.local.cognito import LocalCognito
>>> with LocalCognito() as cognito:                       # doctest: +SKIP
...     setup = cognito.create_demo()
...     setup.user_pool_id.startswith("us-east-1_")
True
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._moto_server import MotoServer as MotoServerType

__all__ = ["DemoSetup", "LocalCognito"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoSetup:
    """What :meth:`LocalCognito.create_demo` made: pool ids, app client, a user."""

    region: str
    user_pool_id: str
    client_id: str
    username: str
    password: str = field(repr=False)
    identity_pool_id: str


class LocalCognito:
    """moto's server (Cognito user pools, identity pools, STS) on 127.0.0.1.

    ``port=0`` picks a free port. The admin calls that set pools up are signed
    with dummy credentials given explicitly, never the machine's own.

    The server's request lines go to the ``sigv4client.local.cognito`` logger
    at DEBUG; the process's logging (the ``werkzeug`` logger included) is left
    as it was.
    """

    def __init__(self, *, port: int = 0, region: str = "us-east-1") -> None:
        try:
            from . import _moto_server  # noqa: F401 - moto is there, or say how to get it
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                'the local Cognito needs moto: pip install "sigv4client[local]"'
            ) from exc
        self.region = region
        self._port = port
        self._server: MotoServerType | None = None

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``: one endpoint for every Cognito API and STS."""
        if self._server is None:
            raise RuntimeError("LocalCognito is not started; use it as a context manager")
        return f"http://127.0.0.1:{self._server.port}"

    def start(self) -> LocalCognito:
        """Start the server in a background thread (once); returns self.

        Raises :class:`OSError` when the port cannot be listened on (in use).
        """
        from ._moto_server import MotoServer

        if self._server is None:
            self._server = MotoServer(self._port)
        return self

    def stop(self) -> None:
        """Stop the server and close its socket; safe without :meth:`start` and twice."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> LocalCognito:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def admin(self, service: str) -> Any:
        """A boto3 client for ``service`` on this server, signed with dummy credentials."""
        import boto3

        make_client: Any = boto3.session.Session().client
        return make_client(
            service,
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="local-admin",
            aws_secret_access_key="local-admin",  # noqa: S106 - moto accepts any key
        )

    def create_demo(self, *, username: str = "alice", password: str | None = None) -> DemoSetup:
        """Create a user pool, app client, confirmed user, and an identity pool trusting them."""
        password = password or f"Pw-{secrets.token_hex(6)}-A1!"
        idp = self.admin("cognito-idp")
        pool_id = idp.create_user_pool(PoolName="sigv4client-demo")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="web",
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=password, Permanent=True
        )
        identity_pool_id = self.admin("cognito-identity").create_identity_pool(
            IdentityPoolName="sigv4client_demo",
            AllowUnauthenticatedIdentities=True,
            CognitoIdentityProviders=[
                {
                    "ProviderName": f"cognito-idp.{self.region}.amazonaws.com/{pool_id}",
                    "ClientId": client_id,
                }
            ],
        )["IdentityPoolId"]
        return DemoSetup(
            region=self.region,
            user_pool_id=pool_id,
            client_id=client_id,
            username=username,
            password=password,
            identity_pool_id=identity_pool_id,
        )
