"""Cognito user-pool login: SRP, challenges, tokens that stay fresh.

>>> from sigv4client.cognito import CognitoUser, Tokens
>>> user = CognitoUser(user_pool_id="us-east-1_AbC123", client_id="1example23456789")

``user.login("alice", password)`` returns :class:`Tokens`; challenges (MFA, a
new password) reach ``login(on_challenge=...)`` or are raised as
:class:`ChallengeRequired` (see :mod:`sigv4client.cognito.challenges`).

Also the account's life (sign-up, password reset, sign-out...), server-side
logins and :class:`CognitoAdmin`, remembered devices, MFA set-up, passwordless
``USER_AUTH``, sessions that persist (:mod:`~sigv4client.cognito.sessions`),
and identity-pool credentials for user-pool, federated, developer and guest
identities (:mod:`~sigv4client.cognito.identity`).

Layers: :mod:`~sigv4client.cognito.srp` (pure SRP-6a math),
:mod:`~sigv4client.cognito.flow` (pure request building and answer reading),
:class:`CognitoUser` and the identity pool over one transport
(``_transport``: clients, retries, redaction), the only I/O.
"""

from __future__ import annotations

from ._account import CodeDelivery, DeviceInfo, SignUpResult, SoftwareTokenSecret
from ._transport import RetryPolicy
from .admin import CognitoAdmin
from .challenges import (
    Answer,
    Challenge,
    ChallengeHandler,
    ChallengeName,
    ChallengeRequired,
    CustomChallenge,
    EmailOtp,
    MfaSetup,
    NewPassword,
    NewPasswordRequired,
    SelectChallenge,
    SelectMfaType,
    SmsMfa,
    SmsOtp,
    SoftwareTokenMfa,
)
from .flow import AuthFlow
from .identity import (
    DeveloperIdentityToken,
    IdentityClient,
    IdentityPoolCredentials,
    IdTokenSource,
    StsClient,
    basic_identity_credentials,
    developer_credentials,
    developer_identity_token,
    federated_credentials,
    guest_credentials,
    identity_credentials,
)
from .sessions import (
    FileSessionStore,
    KeyringSessionStore,
    MemorySessionStore,
    RememberedDevice,
    SessionStore,
    StoredSession,
)
from .srp import secret_hash
from .tokens import Tokens
from .user import CognitoUser, IdpClient

__all__ = [
    "DeviceInfo",
    "SoftwareTokenSecret",
    "DeveloperIdentityToken",
    "developer_credentials",
    "developer_identity_token",
    "federated_credentials",
    "FileSessionStore",
    "KeyringSessionStore",
    "MemorySessionStore",
    "RememberedDevice",
    "SessionStore",
    "StoredSession",
    "Answer",
    "AuthFlow",
    "Challenge",
    "ChallengeHandler",
    "ChallengeName",
    "ChallengeRequired",
    "CodeDelivery",
    "CognitoAdmin",
    "CognitoUser",
    "CustomChallenge",
    "EmailOtp",
    "IdTokenSource",
    "IdentityClient",
    "IdentityPoolCredentials",
    "IdpClient",
    "MfaSetup",
    "NewPassword",
    "NewPasswordRequired",
    "RetryPolicy",
    "SelectChallenge",
    "SelectMfaType",
    "SignUpResult",
    "SmsMfa",
    "SmsOtp",
    "SoftwareTokenMfa",
    "StsClient",
    "Tokens",
    "basic_identity_credentials",
    "guest_credentials",
    "identity_credentials",
    "secret_hash",
]
