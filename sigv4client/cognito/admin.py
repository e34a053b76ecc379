"""The admin calls a backend or a test set-up needs, signed with the caller's AWS credentials.

>>> from sigv4client.cognito import CognitoAdmin
>>> CognitoAdmin("us-east-1_AbC123", admin=None).region
'us-east-1'

With credentials (``admin=boto3.Session()``, or a ready ``cognito-idp``
client)::

    pool = CognitoAdmin("us-east-1_AbC123", admin=boto3.Session())
    pool.create_user("alice", attributes={"email": "alice@example.com"})
    pool.set_password("alice", "correct horse battery staple")   # permanent: CONFIRMED
    pool.confirm_sign_up("bob")                                   # a self-signed-up user

The server-side login itself is :meth:`CognitoUser.login` with
``flow="ADMIN_USER_PASSWORD_AUTH"`` and the same ``admin=``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..exceptions import CognitoError, InvalidInputError
from . import srp
from ._account import attribute_list
from ._errors import CallContext, map_error
from ._transport import DEFAULT_RETRY, RetryPolicy, Transport, admin_parts

__all__ = ["CognitoAdmin"]


class CognitoAdmin:
    """Admin calls on one user pool (``AdminCreateUser``, ``AdminSetUserPassword``...).

    ``admin`` is a boto3 or botocore session, or a ready ``cognito-idp``
    client, whose credentials sign every call; ``None`` signs with a new
    boto3 session's default credentials. ``region`` defaults to the pool's.
    """

    def __init__(
        self,
        user_pool_id: str,
        *,
        admin: object | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        srp.pool_name(user_pool_id)  # validates the '<region>_<id>' form
        self.user_pool_id = user_pool_id
        self.region = region or user_pool_id.partition("_")[0]
        client, session = admin_parts(admin, "cognito-idp")
        if client is None and session is None:
            import boto3

            session = boto3.session.Session()
        self._transport = Transport(
            region=self.region,
            endpoint_url=endpoint_url,
            retry=retry,
            clients={"cognito-idp": client},
            boto_session=session,
        )

    def __repr__(self) -> str:
        return f"CognitoAdmin(user_pool_id={self.user_pool_id!r}, region={self.region!r})"

    def _call(self, method: str, **request: object) -> Mapping[str, object]:
        def mapped(
            operation: str, code: str, message: str, sent_secrets: tuple[str, ...]
        ) -> CognitoError:
            context = CallContext(
                operation=operation,
                user_pool_id=self.user_pool_id,
                client_id="",
                region=self.region,
                sent_secrets=sent_secrets,
            )
            return map_error(code, message, context)

        request["UserPoolId"] = self.user_pool_id
        return self._transport.call("cognito-idp", method, request, map_error=mapped)

    def create_user(
        self,
        username: str,
        *,
        temporary_password: str | None = None,
        attributes: Mapping[str, str] | None = None,
        send_invitation: bool = False,
    ) -> None:
        """Create a user (``AdminCreateUser``), in ``FORCE_CHANGE_PASSWORD`` state.

        No invitation is sent unless ``send_invitation``; give the user a
        password with :meth:`set_password`.
        """
        if not username:
            raise InvalidInputError("username must be a non-empty string")
        request: dict[str, object] = {"Username": username}
        if temporary_password:
            request["TemporaryPassword"] = temporary_password
        if attributes:
            request["UserAttributes"] = attribute_list(attributes)
        if not send_invitation:
            request["MessageAction"] = "SUPPRESS"
        self._call("admin_create_user", **request)

    def set_password(self, username: str, password: str, *, permanent: bool = True) -> None:
        """Set the user's password (``AdminSetUserPassword``); a permanent one confirms the user."""
        if not username or not password:
            raise InvalidInputError("set_password needs the username and the password")
        self._call(
            "admin_set_user_password", Username=username, Password=password, Permanent=permanent
        )

    def confirm_sign_up(self, username: str) -> None:
        """Confirm a signed-up user without the code (``AdminConfirmSignUp``)."""
        if not username:
            raise InvalidInputError("username must be a non-empty string")
        self._call("admin_confirm_sign_up", Username=username)
