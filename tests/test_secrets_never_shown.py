"""No secret is ever shown: in a repr, a str, a log record or an exception's cause chain.

Secrets are generated (hypothesis): a secret key, a session token, a password,
refresh, ID and access tokens, a client secret, a challenge session, an API
key; signatures and SRP exponents computed from them join the list as they
appear. Every public type (taken from the ``__all__`` lists, so a new public
type is covered, or this test fails until it is) is built from them; the
signer, the verifier, the adapters, the Cognito flow against moto, the local
servers (their Lambda integrations and authorizers), the API definition loaders
and the clients built from them are exercised with every ``sigv4client`` logger
at DEBUG. Everything a user could see is then searched for each secret, raw and
percent-encoded.

A secret reaches these places only through the library's own code: objects'
reprs, messages it writes, exceptions it raises and what they chain.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import importlib
import inspect
import json
import logging
import pickle
import pkgutil
import string
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import botocore.exceptions
import botocore.session
import httpx
import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringLocked

import sigv4client
from sigv4client import (
    Credentials,
    HttpRequest,
    SigningConfig,
    SigV4Auth,
    SigV4Client,
    SigV4Session,
    presign_result,
    sign,
    verify,
)
from sigv4client.apiclient import ApiClient, AsyncApiClient
from sigv4client.apidef import load_openapi, load_sam
from sigv4client.cognito import (
    AuthFlow,
    Challenge,
    ChallengeName,
    CognitoUser,
    CustomChallenge,
    EmailOtp,
    IdentityPoolCredentials,
    MfaSetup,
    NewPassword,
    NewPasswordRequired,
    RetryPolicy,
    SelectMfaType,
    SmsMfa,
    SoftwareTokenMfa,
    Tokens,
    srp,
)
from sigv4client.cognito.flow import AppClient, PasswordVerifierStep
from sigv4client.compat import AWS4Auth, AWSRequestsAuth, BotoAWSRequestsAuth, Cognito
from sigv4client.credentials import (
    BotocoreSessionProvider,
    RefreshingCredentialsProvider,
    StaticCredentialsProvider,
)
from sigv4client.exceptions import DefinitionError, SigV4ClientError
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import (
    AsyncSigV4HttpxClient,
    SigV4HttpxAuth,
    SigV4HttpxClient,
)
from sigv4client.local import (
    AuthorizerRequest,
    AuthorizerResult,
    CognitoAuthorizer,
    GatewayRequest,
    GatewayResponse,
    IamAuthorizer,
    JwtAuthorizer,
    LambdaAuthorizer,
    LambdaContext,
    LambdaIntegration,
    LocalGateway,
    LocalIdentityPool,
    LocalUserPool,
    MappingRule,
    MotoIdentityResolver,
    Network,
    OidcProvider,
    ResourcePolicy,
    RoleMapping,
    Unauthorized,
    VerifyingServer,
)
from sigv4client.local.cognito import DemoSetup, LocalCognito
from sigv4client.local.iam import IamDirectory, evaluate
from sigv4client.local.identity_pool import standard_trust_policy
from sigv4client.tokens import CognitoTokenAuth, HeaderTokenAuth

KEY = "AKIDPROPERTYTEST"
REGION = "us-east-1"
NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
CONFIG = SigningConfig(region=REGION, service="execute-api")
API_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod/items?limit=10"

# Secrets as AWS and Cognito issue them: base64-ish text, long enough that
# finding one by chance in unrelated output is out of the question.
_ALPHABET = string.ascii_letters + string.digits + "+/="
# A digit and one of "+/=" in each: no identifier or word the library prints
# can be one (hypothesis also tries the string constants of the code under test).
secret_texts = st.text(_ALPHABET, min_size=20, max_size=48).filter(
    lambda s: len(set(s)) >= 10 and any(c.isdigit() for c in s) and any(c in "+/=" for c in s)
)


@dataclass(frozen=True)
class Secrets:
    secret_key: str
    session_token: str
    password: str
    refresh_token: str
    id_token: str
    access_token: str
    client_secret: str
    challenge_session: str
    api_key: str

    def values(self) -> list[str]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


secrets_strategy = st.builds(Secrets, *([secret_texts] * 9)).filter(
    lambda s: len(set(s.values())) == 9
)


def _forms(secret: str) -> set[str]:
    # The raw text and every encoding a URL, a header or a repr gives it.
    return {secret, quote(secret, safe=""), quote(secret, safe="-_.~"), quote_plus(secret)}


# Marks a pickled exception. ChallengeRequired pickles its challenge, Cognito
# session included: that is what lets a caller in another process answer it.
_PICKLED = "pickled: "


def _exception_texts(exc: BaseException | None, seen: set[int]) -> Iterator[str]:
    # The exception, its args and attributes, and recursively what it chains.
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    yield repr(exc)
    yield str(exc)
    yield from (repr(arg) for arg in exc.args)
    yield from (repr(value) for value in getattr(exc, "__dict__", {}).values())
    if isinstance(exc, SigV4ClientError):
        yield _PICKLED + pickle.dumps(exc).decode("latin-1")
    yield from _exception_texts(exc.__cause__, seen)
    yield from _exception_texts(exc.__context__, seen)


@dataclass
class Probe:
    """What a user could see, and the secrets none of it may show."""

    secrets: set[str]
    challenge_sessions: set[str] = field(default_factory=set)
    texts: list[tuple[str, str]] = field(default_factory=list)
    types: set[type] = field(default_factory=set)
    exceptions: list[BaseException] = field(default_factory=list)

    def secret(self, *values: str | None) -> None:
        self.secrets.update(v for v in values if v)

    def obj(self, where: str, obj: object) -> None:
        self.types.add(type(obj))
        self.texts.append((f"repr({where})", repr(obj)))
        self.texts.append((f"str({where})", str(obj)))

    def raises(self, where: str, call: Callable[[], object]) -> BaseException:
        try:
            call()
        except Exception as exc:  # every exception: what it shows is checked
            self.exceptions.append(exc)
            for text in _exception_texts(exc, set()):
                self.texts.append((f"{where}: {type(exc).__name__}", text))
            return exc
        raise AssertionError(f"{where}: nothing was raised")

    def check(self, records: list[logging.LogRecord] = ()) -> None:  # type: ignore[assignment]
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        texts = self.texts + [(f"log {r.name}", formatter.format(r)) for r in records]
        for where, text in texts:
            for secret in self.secrets:
                if text.startswith(_PICKLED) and secret in self.challenge_sessions:
                    continue
                for form in _forms(secret):
                    assert form not in text, f"{where} shows a secret: {text[:300]!r}"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock_records = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock_records:
            self.records.append(record)


@pytest.fixture
def debug_logs() -> Iterator[_Records]:
    """Every record of every ``sigv4client`` logger, at DEBUG."""
    root = logging.getLogger("sigv4client")
    handler = _Records()
    saved = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)


def _all_loggers_at_debug() -> None:
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "sigv4client"]
    assert names, "no sigv4client logger exists"
    for name in names:
        assert logging.getLogger(name).getEffectiveLevel() == logging.DEBUG, name


# -- the public types, from the __all__ lists ------------------------------------


def _public_modules() -> list[str]:
    names = ["sigv4client"]
    for info in pkgutil.walk_packages(sigv4client.__path__, "sigv4client."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _public_classes() -> tuple[set[type], set[type[BaseException]]]:
    types: set[type] = set()
    errors: set[type[BaseException]] = set()
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                continue
            if issubclass(obj, BaseException):
                errors.add(obj)
            elif not getattr(obj, "_is_protocol", False):  # a Protocol has no instances
                types.add(obj)
    return types, errors


# Exceptions no exercise here provokes, each with the reason: a new exception
# type fails test_every_public_type_and_exception_is_covered until it is
# provoked below or listed here.
NOT_PROVOKED: dict[str, str] = {}


# -- building every public type from the secrets ---------------------------------


def _credentials(s: Secrets, probe: Probe) -> Credentials:
    creds = Credentials(
        access_key_id=KEY,
        secret_access_key=s.secret_key,
        session_token=s.session_token,
        expiration=NOW + timedelta(hours=1),
    )
    probe.obj("Credentials", creds)
    return creds


def _signing(s: Secrets, probe: Probe) -> None:
    creds = _credentials(s, probe)
    body = f'{{"password": "{s.password}"}}'
    request = HttpRequest(
        method="POST",
        url=API_URL,
        headers=[("Content-Type", "application/json"), ("X-Api-Key", "not-secret")],
        body=body,
    )
    probe.obj("HttpRequest", request)
    probe.obj("SigningConfig", CONFIG)
    result = sign(request, creds, CONFIG, now=NOW)
    probe.secret(result.signature)
    probe.obj("SigningResult", result)
    signed = result.apply_to(request)
    probe.obj("SigningResult.apply_to()", signed)
    presigned = presign_result(
        HttpRequest(method="GET", url=API_URL), creds, CONFIG, now=NOW, expires_in=60
    )
    probe.secret(presigned.signature)
    probe.obj("presigned SigningResult", presigned)
    presigned_request = presigned.apply_to(HttpRequest(method="GET", url=API_URL))
    probe.obj("presigned request", presigned_request)

    def resolve(key: str) -> tuple[str, str | None]:
        return s.secret_key, s.session_token

    identity = verify(signed, resolve, now=NOW)
    probe.obj("VerifiedIdentity", identity)
    probe.obj("VerifiedIdentity (presigned)", verify(presigned_request, resolve, now=NOW))
    wrong = s.secret_key[::-1]
    probe.secret(wrong)
    probe.raises(
        "verify(wrong secret)", lambda: verify(signed, lambda _k: (wrong, s.session_token), now=NOW)
    )
    probe.raises(
        "verify(wrong token)", lambda: verify(signed, lambda _k: (s.secret_key, wrong), now=NOW)
    )
    probe.raises(
        "verify(presigned, wrong secret)",
        lambda: verify(presigned_request, lambda _k: (wrong, s.session_token), now=NOW),
    )
    probe.raises("verify(skew)", lambda: verify(signed, resolve, now=NOW + timedelta(hours=2)))
    probe.raises(
        "Credentials(bad key id)",
        lambda: Credentials(
            access_key_id="bad/id", secret_access_key=s.secret_key, session_token=s.session_token
        ),
    )
    probe.raises(
        "Credentials(token with LF)",
        lambda: Credentials(
            access_key_id=KEY, secret_access_key=s.secret_key, session_token=f"{s.session_token}\n"
        ),
    )
    probe.raises(
        "Credentials(naive expiry)",
        lambda: Credentials(
            access_key_id=KEY,
            secret_access_key=s.secret_key,
            session_token=s.session_token,
            expiration=datetime(2026, 1, 1),
        ),
    )
    probe.raises(
        "sign(no host)",
        lambda: sign(
            HttpRequest(method="GET", url="/relative", headers={"Authorization": s.api_key}),
            creds,
            CONFIG,
        ),
    )
    probe.raises("SigningConfig(bad region)", lambda: SigningConfig(region="US", service="x"))


def _providers(s: Secrets, probe: Probe) -> None:
    creds = _credentials(s, probe)
    probe.obj("StaticCredentialsProvider", StaticCredentialsProvider(creds))
    refreshing = RefreshingCredentialsProvider(lambda: creds, clock=lambda: NOW)
    probe.obj("RefreshingCredentialsProvider.get_credentials()", refreshing.get_credentials())
    probe.obj("RefreshingCredentialsProvider", refreshing)
    expired = Credentials(
        access_key_id=KEY,
        secret_access_key=s.secret_key,
        session_token=s.session_token,
        expiration=NOW - timedelta(hours=1),
    )
    stale = RefreshingCredentialsProvider(lambda: expired, clock=lambda: NOW)
    probe.raises("refresh returns expired credentials", stale.get_credentials)
    session = botocore.session.Session()
    session.set_credentials(KEY, s.secret_key, s.session_token)
    provider = BotocoreSessionProvider(session)
    probe.obj("BotocoreSessionProvider", provider)
    probe.obj("BotocoreSessionProvider.get_credentials()", provider.get_credentials())
    probe.raises(
        "BotocoreSessionProvider(unknown profile)",
        lambda: BotocoreSessionProvider(profile_name="no-such-profile-here").get_credentials(),
    )


def _adapters(s: Secrets, probe: Probe) -> None:
    creds = _credentials(s, probe)
    probe.obj("SigV4Auth", SigV4Auth(creds, region=REGION))
    probe.obj("SigV4Session", SigV4Session())
    probe.obj("SigV4HttpxAuth", SigV4HttpxAuth(creds, REGION))
    probe.obj("SigV4Middleware", SigV4Middleware(creds, REGION))
    with SigV4HttpxClient(auth=SigV4HttpxAuth(creds, REGION)) as hx:
        probe.obj("SigV4HttpxClient", hx)
    async_client = AsyncSigV4HttpxClient(auth=SigV4HttpxAuth(creds, REGION))
    probe.obj("AsyncSigV4HttpxClient", async_client)
    asyncio.run(async_client.aclose())
    # The drop-in constructors of the other libraries' shapes.
    probe.obj(
        "AWS4Auth",
        AWS4Auth(KEY, s.secret_key, REGION, "execute-api", session_token=s.session_token),
    )
    probe.raises("AWS4Auth(no region)", lambda: AWS4Auth(KEY, s.secret_key))
    host = "abc123.execute-api.us-east-1.amazonaws.com"
    probe.obj(
        "AWSRequestsAuth",
        AWSRequestsAuth(KEY, s.secret_key, host, REGION, "execute-api", s.session_token),
    )
    probe.obj("BotoAWSRequestsAuth", BotoAWSRequestsAuth(host, REGION, "execute-api"))
    client = SigV4Client(
        credentials=creds, endpoint="https://abc123.execute-api.us-east-1.amazonaws.com/prod"
    )
    probe.obj("SigV4Client", client)
    signed = client.sign_request(
        method="POST", path="/items", body={"password": s.password}, now=NOW
    )
    probe.obj("SignedRequest", signed)
    # A token sent instead of a signature, in a header the caller names.
    for auth in (
        HeaderTokenAuth("X-Api-Key", lambda: s.api_key),
        CognitoTokenAuth(_logged_in_user(s), header="X-Id-Token"),
    ):
        by_token = SigV4Client.new_client(
            auth=auth, endpoint="https://abc123.execute-api.us-east-1.amazonaws.com/prod"
        )
        probe.obj("SignedRequest (token auth)", by_token.sign_request(method="GET", path="/x"))
    # The httpx flow, driven by hand: the request it yields is httpx's, its
    # headers hold the signature; what we show of it is the adapter's repr.
    auth = SigV4HttpxAuth(creds, REGION, clock=lambda: NOW)
    flow = auth.sync_auth_flow(httpx.Request("GET", API_URL))
    sent = next(flow)
    probe.secret(sent.headers["Authorization"].rpartition("Signature=")[2])
    probe.obj("SigV4HttpxAuth after signing", auth)
    probe.raises(
        "SigV4HttpxAuth(one-shot body)",
        lambda: next(
            SigV4HttpxAuth(creds, REGION).sync_auth_flow(
                httpx.Request("POST", API_URL, content=iter([s.password.encode()]))
            )
        ),
    )


def _logged_in_user(s: Secrets) -> CognitoUser:
    tokens = Tokens(
        id_token=s.id_token,
        access_token=s.access_token,
        refresh_token=s.refresh_token,
        expires_at=NOW + timedelta(hours=1),
    )
    return CognitoUser(
        user_pool_id="us-east-1_AbC123", client_id="client123", tokens=tokens, clock=lambda: NOW
    )


def _cognito_values(s: Secrets, probe: Probe) -> None:
    tokens = Tokens(
        id_token=s.id_token,
        access_token=s.access_token,
        refresh_token=s.refresh_token,
        expires_at=NOW + timedelta(hours=1),
        device_key=None,
    )
    probe.obj("Tokens", tokens)
    user = CognitoUser(
        user_pool_id="us-east-1_AbC123",
        client_id="client123",
        client_secret=s.client_secret,
        tokens=tokens,
        clock=lambda: NOW,
    )
    probe.obj("CognitoUser", user)
    probe.obj("IdentityPoolCredentials", IdentityPoolCredentials("us-east-1:uuid", user=user))
    probe.obj("CognitoTokenAuth", CognitoTokenAuth(user))
    probe.obj("HeaderTokenAuth", HeaderTokenAuth("X-Api-Key", lambda: s.api_key))
    probe.obj(
        "AppClient",
        AppClient(user_pool_id="us-east-1_AbC123", client_id="c", client_secret=s.client_secret),
    )
    for flow_name in AuthFlow:
        probe.obj("AuthFlow", flow_name)
    for challenge_name in ChallengeName:
        probe.obj("ChallengeName", challenge_name)
    session = s.challenge_session
    for challenge in (
        Challenge(username="alice", session=session),
        # Challenge parameters are the server's question, not a secret.
        CustomChallenge(username="alice", session=session, parameters=(("question", "2+2"),)),
        EmailOtp(username="alice", session=session, destination="a***@example.com"),
        MfaSetup(
            username="alice",
            session=session,
            options=("SOFTWARE_TOKEN_MFA",),
            secret_code=s.api_key,
        ),
        NewPasswordRequired(username="alice", session=session),
        SelectMfaType(username="alice", session=session, options=("SMS_MFA",)),
        SmsMfa(username="alice", session=session, destination="+1***"),
        SoftwareTokenMfa(username="alice", session=session),
    ):
        probe.obj(type(challenge).__name__, challenge)
    probe.obj("NewPassword", NewPassword(password=s.password))
    probe.obj("RetryPolicy", RetryPolicy())
    ephemeral = srp.SrpEphemeral.from_random_bytes((s.secret_key * 4).encode())
    probe.secret(str(ephemeral.a), format(ephemeral.a, "x"))
    probe.obj("SrpEphemeral", ephemeral)
    params = srp.PasswordVerifierParams(
        user_id_for_srp="alice",
        username="alice",
        salt="abc123",
        srp_b=format(ephemeral.big_a, "x"),
        secret_block=base64.b64encode(s.challenge_session.encode()).decode(),
    )
    probe.secret(params.secret_block)
    probe.obj("PasswordVerifierParams", params)
    probe.obj("PasswordVerifierStep", PasswordVerifierStep(params=params, session=session))
    claim = srp.compute_password_claim(
        user_pool_id="us-east-1_AbC123",
        params=params,
        password=s.password,
        ephemeral=ephemeral,
        now=NOW,
    )
    probe.secret(claim.signature)
    probe.obj("PasswordClaim", claim)
    bad = srp.PasswordVerifierParams(
        user_id_for_srp="alice",
        username="alice",
        salt="abc",
        srp_b=s.secret_key,
        secret_block=session,
    )
    probe.raises(
        "compute_password_claim(non-hex SRP_B)",
        lambda: srp.compute_password_claim(
            user_pool_id="us-east-1_AbC123",
            params=bad,
            password=s.password,
            ephemeral=ephemeral,
            now=NOW,
        ),
    )


def _cognito_account(s: Secrets, probe: Probe) -> None:
    # The account calls, each refused with a message that echoes what was sent
    # (as servers do): the typed errors must not show it.
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.stub import Stubber

    from sigv4client.cognito import (
        CodeDelivery,
        CognitoAdmin,
        DeveloperIdentityToken,
        DeviceInfo,
        FileSessionStore,
        MemorySessionStore,
        RememberedDevice,
        SelectChallenge,
        SignUpResult,
        SmsOtp,
        SoftwareTokenSecret,
        StoredSession,
    )

    client = boto3.session.Session().client(
        "cognito-idp", region_name="us-east-1", config=Config(signature_version=UNSIGNED)
    )
    user = CognitoUser(
        user_pool_id="us-east-1_AbC123",
        client_id="client123",
        client_secret=s.client_secret,
        tokens=_logged_in_user(s).tokens,
        clock=lambda: NOW,
        idp_client=client,
        retry=RetryPolicy(max_attempts=1),
    )
    held = f"{s.access_token} {s.refresh_token} {s.client_secret}"
    calls: list[tuple[str, str, Callable[[], object]]] = [
        ("sign_up", "UsernameExistsException", lambda: user.sign_up("alice", s.password)),
        ("sign_up", "InvalidPasswordException", lambda: user.sign_up("alice", s.password)),
        ("confirm_sign_up", "CodeMismatchException", lambda: user.confirm_sign_up("a", "1")),
        (
            "confirm_forgot_password",
            "ExpiredCodeException",
            lambda: user.confirm_forgot_password("alice", "1", s.password),
        ),
        ("forgot_password", "LimitExceededException", lambda: user.forgot_password("alice")),
        (
            "change_password",
            "NotAuthorizedException",
            lambda: user.change_password(s.password, s.password + "2"),
        ),
    ]
    with Stubber(client) as stub:
        for method, code, call in calls:
            # The password is echoed by the calls that send it.
            sends_password = method in {"sign_up", "confirm_forgot_password", "change_password"}
            echo = f"{s.password} {held}" if sends_password else held
            stub.add_client_error(method, service_error_code=code, service_message=echo)
            probe.raises(f"CognitoUser.{method} ({code})", call)
    probe.obj("CodeDelivery", CodeDelivery(destination="a***@e***", medium="EMAIL"))
    probe.obj("SignUpResult", SignUpResult(user_sub="sub", confirmed=False))
    probe.obj("CognitoAdmin", CognitoAdmin("us-east-1_AbC123", admin=client))
    device = RememberedDevice(
        device_key="us-east-1_dev", device_group_key="grp", device_password=s.password
    )
    probe.obj("RememberedDevice", device)
    stored = StoredSession(
        user_pool_id="us-east-1_AbC123",
        client_id="client123",
        username="alice",
        tokens=user.tokens,
        device=device,
    )
    probe.obj("StoredSession", stored)
    probe.obj(
        "DeveloperIdentityToken",
        DeveloperIdentityToken(identity_id="us-east-1:dev", token=s.session_token),
    )
    probe.obj("SoftwareTokenSecret", SoftwareTokenSecret(secret_code=s.api_key, username="alice"))
    probe.obj("DeviceInfo", DeviceInfo(device_key="us-east-1_dev", name="laptop"))
    from sigv4client.cognito.flow import DevicePasswordVerifierStep, DeviceSrpStep

    session = s.challenge_session
    probe.obj("DeviceSrpStep", DeviceSrpStep(username="alice", session=session))
    probe.obj(
        "SelectChallenge",
        SelectChallenge(username="alice", session=session, options=("PASSWORD", "EMAIL_OTP")),
    )
    probe.obj("SmsOtp", SmsOtp(username="alice", session=session, destination="+1***"))
    device_params = srp.PasswordVerifierParams(
        user_id_for_srp="alice", username="alice", salt="abc", srp_b="abc", secret_block=session
    )
    probe.obj(
        "DevicePasswordVerifierStep",
        DevicePasswordVerifierStep(params=device_params, session=session),
    )
    memory = MemorySessionStore()
    memory.save(stored)
    probe.obj("MemorySessionStore", memory)
    with tempfile.TemporaryDirectory() as folder:
        files = FileSessionStore(Path(folder) / "sessions.json")
        files.save(stored)
        probe.obj("FileSessionStore", files)
    _keyring_store(stored, probe)


class _InMemoryKeyring(KeyringBackend):
    """A keyring backend (keyring's plug point) in memory that, once locked,
    refuses writes quoting what it was given, as some backends do."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("passed as keyring=, never chosen as a default")

    def __init__(self) -> None:
        super().__init__()
        self.locked = False
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked(f"cannot store {username}: {password}")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


def _keyring_store(stored: Any, probe: Probe) -> None:
    from sigv4client.cognito import KeyringSessionStore

    backend = _InMemoryKeyring()
    store = KeyringSessionStore(keyring=backend)
    store.save(stored)
    probe.obj("KeyringSessionStore", store)
    probe.obj("StoredSession (from the keyring)", store.load())
    backend.locked = True
    probe.raises("KeyringSessionStore.save (locked)", lambda: store.save(stored))
    # A damaged entry, a token where a date should be: the parser's error quotes it.
    for name, value in backend.entries.items():
        entry = json.loads(value)
        if "session" in entry:
            tokens = entry["session"]["tokens"]
            tokens["expires_at"] = tokens["refresh_token"]
            backend.entries[name] = json.dumps(entry)
    probe.raises("KeyringSessionStore.load (damaged)", store.load)


def _local_values(s: Secrets, probe: Probe) -> None:
    creds = _credentials(s, probe)
    signed = sign(HttpRequest(method="GET", url=API_URL), creds, CONFIG, now=NOW)
    probe.secret(signed.signature)
    headers = tuple(signed.headers)
    probe.obj(
        "GatewayRequest",
        GatewayRequest(
            method="GET",
            path="/prod/items",
            resource="/prod/items",
            path_parameters={},
            raw_query="limit=10",
            query=(("limit", "10"),),
            headers=headers,
            body=s.password.encode(),
            iam_identity=None,
            request_context={},
        ),
    )
    probe.obj(
        "AuthorizerRequest",
        AuthorizerRequest(
            method="GET",
            path="/prod/items",
            resource="/prod/items",
            path_parameters={},
            query=(),
            headers=(("Authorization", s.id_token),),
            source_ip="127.0.0.1",
            method_arn="arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items",
            request_context={},
        ),
    )
    probe.obj("AuthorizerResult", AuthorizerResult(effect="Allow", context={}, principal_id="p"))
    probe.obj("GatewayResponse", GatewayResponse.json({"ok": True}))
    probe.obj(
        "CognitoAuthorizer",
        CognitoAuthorizer(
            "us-east-1_AbC123", endpoint_url="http://127.0.0.1:1", app_client_ids=["c"]
        ),
    )
    probe.obj("LambdaAuthorizer", LambdaAuthorizer(lambda event: {}))
    probe.obj(
        "ResourcePolicy",
        ResourcePolicy({"Version": "2012-10-17", "Statement": []}),
    )
    probe.obj(
        "Decision",
        evaluate(
            action="execute-api:Invoke",
            resource="arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items",
            principal_arn="arn:aws:iam::123456789012:user/alice",
        ),
    )
    probe.raises(
        "evaluate",
        lambda: evaluate(
            action="execute-api:Invoke",
            resource="arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items",
            principal_arn="arn:aws:iam::123456789012:user/alice",
            identity_policies=[
                {
                    "Version": "2012-10-17",
                    "Statement": {
                        "Effect": "Allow",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01"}},
                    },
                }
            ],
            context={"aws:CurrentTime": s.id_token},
        ),
    )
    directory = IamDirectory()
    user = directory.add_user("alice", tags={"team": "a"})
    role = directory.add_role("reader")
    session = directory.assume_role(role.arn, "alice-session")
    probe.obj("IamDirectory", directory)
    probe.obj("IamUser", user)
    probe.obj("IamRole", role)
    probe.obj("IamIdentity", directory.identity(session.access_key_id))
    for minted in (user.credentials, session):
        for shown in (repr(directory), repr(user), repr(directory.identity(minted.access_key_id))):
            assert minted.secret_access_key not in shown
            assert minted.session_token is None or minted.session_token not in shown
    probe.obj("MotoIdentityResolver", MotoIdentityResolver("http://127.0.0.1:1", "us-east-1:uuid"))
    probe.obj(
        "Network", Network(source_ip="203.0.113.7", vpc_id="vpc-1a2b3c4d", vpce_id="vpce-1a2b3c4d")
    )
    probe.obj(
        "LocalUserPool",
        LocalUserPool(
            user_pool_id="us-east-1_AbC123",
            endpoint_url="http://127.0.0.1:1",
            app_client_ids=("c",),
        ),
    )
    probe.obj(
        "DemoSetup",
        DemoSetup(
            region=REGION,
            user_pool_id="us-east-1_AbC123",
            client_id="c",
            username="alice",
            password=s.password,
            identity_pool_id="us-east-1:uuid",
        ),
    )


# -- API definitions and the client built from them ------------------------------

APIDEFS = Path(__file__).parent / "data" / "apidefs"
REST_DEF = APIDEFS / "notes-rest.oas30.json"


def _model_values(where: str, value: object, probe: Probe) -> None:
    # Every frozen value of the model, reached through fields, tuples and mappings.
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        probe.obj(f"{where}: {type(value).__name__}", value)
        for f in dataclasses.fields(value):
            _model_values(where, getattr(value, f.name), probe)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _model_values(where, item, probe)
    elif isinstance(value, Mapping):
        for item in value.values():
            _model_values(where, item, probe)


def _apidef_values(s: Secrets, probe: Probe) -> None:
    for name in ("notes-rest.oas30.json", "notes-rest.swagger.json", "notes-http.oas30.yaml"):
        _model_values(name, load_openapi(APIDEFS / name), probe)
    _model_values("template.yaml", load_sam(APIDEFS / "template.yaml"), probe)
    # A definition holding a secret-looking value (an example API key) that
    # fails to load: the error says where, never what the file holds there.
    document = json.loads(REST_DEF.read_text(encoding="utf-8"))
    document["info"]["description"] = f"example key {s.api_key}"
    text = json.dumps(document)
    with tempfile.TemporaryDirectory() as folder:
        broken_json = Path(folder, "broken.json")
        broken_json.write_text(text[: text.index(s.api_key) + len(s.api_key)], encoding="utf-8")
        probe.raises("load_openapi(truncated JSON)", lambda: load_openapi(broken_json))
        broken_yaml = Path(folder, "broken.yaml")
        broken_yaml.write_text(
            f"openapi: 3.0.1\ninfo:\n  title: notes\n  x-key: {s.api_key}: [\n", encoding="utf-8"
        )
        probe.raises("load_openapi(broken YAML)", lambda: load_openapi(broken_yaml))


def _api_clients(s: Secrets, probe: Probe) -> None:
    creds = _credentials(s, probe)
    endpoint = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"
    with ApiClient.from_openapi(
        REST_DEF,
        endpoint=endpoint,
        credentials=creds,
        auth=HeaderTokenAuth("Authorization", lambda: s.id_token),
        api_key=s.api_key,
    ) as client:
        probe.obj("ApiClient", client)
        # The body holds the password and breaks the Note schema, twice.
        probe.raises(
            "ApiClient.call(extra property)",
            lambda: client.call("CreateNote", body={"title": "t", "password": s.password}),
        )
        probe.raises(
            "ApiClient.call(too long)",
            lambda: client.call("CreateNote", body={"title": s.password * 10}),
        )
        probe.raises(
            "ApiClient.call(wrong type)",
            lambda: client.call("CreateNote", body={"title": "t", "body": [s.password]}),
        )
    with ApiClient.from_openapi(REST_DEF, endpoint=endpoint, api_key=s.api_key) as keyed:
        probe.raises("ApiClient.call(unsigned)", lambda: keyed.call("GetNote", path={"id": "1"}))
    with ApiClient.from_openapi(REST_DEF, endpoint=endpoint, credentials=creds) as unkeyed:
        probe.raises("ApiClient.call(no API key)", lambda: unkeyed.call("GetStats"))
    async_client = AsyncApiClient.from_openapi(
        REST_DEF,
        endpoint=endpoint,
        credentials=creds,
        auth=HeaderTokenAuth("Authorization", lambda: s.access_token),
        api_key=s.api_key,
    )
    probe.obj("AsyncApiClient", async_client)
    asyncio.run(async_client.aclose())


OFFLINE = (
    _signing,
    _providers,
    _adapters,
    _cognito_values,
    _cognito_account,
    _local_values,
    _apidef_values,
    _api_clients,
)


# No shrinking: the message names the object and the text, which is what a fix
# needs, and shrinking several servers' worth of calls takes minutes.
_PROPERTY = settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@_PROPERTY
@given(s=secrets_strategy)
def test_no_secret_in_any_repr_str_log_or_cause_offline(s: Secrets, debug_logs: _Records) -> None:
    _all_loggers_at_debug()
    debug_logs.records.clear()
    probe = Probe(set(s.values()), {s.challenge_session})
    for exercise in OFFLINE:
        exercise(s, probe)
    probe.check(debug_logs.records)


def test_the_request_apply_to_returns_shows_neither_token_nor_signature() -> None:
    # Regression: repr() of SigningResult.apply_to()'s request showed the
    # X-Amz-Security-Token and Authorization values (and a presigned URL's).
    creds = Credentials(
        access_key_id=KEY, secret_access_key="s3cr3t/key+", session_token="T0KEN+v/al="
    )
    request = HttpRequest(method="GET", url=API_URL)
    for result in (
        sign(request, creds, CONFIG, now=NOW),
        presign_result(request, creds, CONFIG, now=NOW, expires_in=60),
    ):
        shown = repr(result.apply_to(request))
        for secret in ("T0KEN+v/al=", result.signature):
            assert not any(form in shown for form in _forms(secret)), shown
        assert "X-Amz-Date" in shown  # still useful: names and non-secret values stay


# -- online: the Cognito flow against moto, the adapters against the local servers


@pytest.fixture(scope="module")
def moto() -> Iterator[LocalCognito]:
    with LocalCognito() as local:
        yield local


def _cognito_flow(
    s: Secrets, probe: Probe, moto: LocalCognito
) -> tuple[CognitoUser, Any, DemoSetup]:
    password = f"{s.password}-Aa1!"  # the pool's policy; s.password is inside it
    setup = moto.create_demo(username="alice", password=password)
    probe.obj("LocalCognito", moto)
    probe.obj("DemoSetup", setup)
    idp = moto.admin("cognito-idp")
    endpoint = moto.endpoint_url

    def user(client_id: str = setup.client_id, **kw: Any) -> CognitoUser:
        return CognitoUser(
            user_pool_id=setup.user_pool_id, client_id=client_id, endpoint_url=endpoint, **kw
        )

    alice = user()
    tokens = alice.login("alice", password)
    probe.secret(tokens.id_token, tokens.access_token, tokens.refresh_token)
    probe.obj("Tokens (SRP login)", tokens)
    refreshed = alice.refresh()
    probe.secret(refreshed.id_token, refreshed.access_token, refreshed.refresh_token)
    probe.obj("CognitoUser (logged in)", alice)
    legacy = Cognito(setup.user_pool_id, setup.client_id, username="alice", endpoint_url=endpoint)
    legacy.authenticate(password)
    probe.secret(legacy.id_token or "", legacy.access_token or "", legacy.refresh_token or "")
    probe.obj("compat.Cognito (logged in)", legacy)
    provider = alice.identity_credentials(setup.identity_pool_id)
    creds = provider.get_credentials()
    probe.secret(creds.secret_access_key, creds.session_token)
    probe.obj("identity-pool provider", provider)
    probe.obj("identity-pool credentials", creds)

    # Refusals, each with what Cognito answered chained as the cause.
    by_password = idp.create_user_pool_client(
        UserPoolId=setup.user_pool_id,
        ClientName="password",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    wrong = f"{s.secret_key}-Aa1!"
    probe.secret(wrong)
    probe.raises(
        "login(wrong password)",
        lambda: user(by_password).login("alice", wrong, flow="USER_PASSWORD_AUTH"),
    )
    probe.raises(
        "login(unknown client)", lambda: user("nosuchclient0000000000").login("alice", password)
    )
    stale = Tokens(
        id_token=s.id_token,
        access_token=s.access_token,
        refresh_token=s.refresh_token,
        expires_at=datetime(2020, 1, 1, tzinfo=timezone.utc),
    )
    probe.raises("refresh(forged refresh token)", user(tokens=stale).refresh)
    probe.raises(
        "identity pool (unknown)",
        lambda: alice.identity_credentials(
            "us-east-1:00000000-0000-0000-0000-000000000000"
        ).get_credentials(),
    )
    for name, setup_user in (
        ("bob", lambda n: idp.admin_disable_user(UserPoolId=setup.user_pool_id, Username=n)),
    ):
        idp.admin_create_user(
            UserPoolId=setup.user_pool_id,
            Username=name,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"{name}@example.com"},
                {"Name": "email_verified", "Value": "true"},
            ],
        )
        idp.admin_set_user_password(
            UserPoolId=setup.user_pool_id, Username=name, Password=password, Permanent=True
        )
        setup_user(name)
        probe.raises(
            f"login({name})",
            lambda n=name: user(by_password).login(n, password, flow="USER_PASSWORD_AUTH"),
        )
    idp.sign_up(ClientId=by_password, Username="dave", Password=password)
    probe.raises(
        "login(unconfirmed)",
        lambda: user(by_password).login("dave", password, flow="USER_PASSWORD_AUTH"),
    )
    idp.admin_create_user(
        UserPoolId=setup.user_pool_id,
        Username="erin",
        TemporaryPassword=password,
        MessageAction="SUPPRESS",
    )
    required = probe.raises("login(new password required)", lambda: user().login("erin", password))
    challenge = getattr(required, "challenge", None)
    if challenge is not None:
        probe.challenge_sessions.add(challenge.session)
        probe.secret(challenge.session)
        probe.obj("NewPasswordRequired (from Cognito)", challenge)
        fresh = f"{s.refresh_token}-Bb2@"
        probe.secret(fresh)
        erin = user()
        erin_tokens = erin.respond(challenge, NewPassword(password=fresh))
        if isinstance(erin_tokens, Tokens):
            probe.secret(erin_tokens.id_token, erin_tokens.access_token, erin_tokens.refresh_token)

    # What moto does not answer (throttling, a reset required): Cognito's own
    # error shapes, from a client that only refuses, through the same mapping.
    class Refusing:
        def __init__(self, code: str) -> None:
            self.code = code

        def __getattr__(self, operation: str) -> Callable[..., object]:
            def call(**kwargs: object) -> object:
                raise botocore.exceptions.ClientError(
                    {"Error": {"Code": self.code, "Message": "refused"}}, operation
                )

            return call

    for code in ("TooManyRequestsException", "PasswordResetRequiredException"):
        probe.raises(
            f"login({code})",
            lambda c=code: user(idp_client=Refusing(c), sleep=lambda _s: None).login(
                "alice", password
            ),
        )
    return alice, provider, setup


def _local_servers(
    s: Secrets,
    probe: Probe,
    moto: LocalCognito,
    alice: CognitoUser,
    provider: Any,
    setup: DemoSetup,
) -> None:
    setup_pool = alice.user_pool_id
    resolver = MotoIdentityResolver(moto.endpoint_url, setup.identity_pool_id)
    probe.obj("MotoIdentityResolver", resolver)
    gateway = LocalGateway(
        resolve_secret=resolver, identity_fields=resolver.identity_fields, api_keys=[s.api_key]
    )

    def hello(request: GatewayRequest) -> dict[str, object]:
        probe.obj("GatewayRequest (served)", request)
        return {"ok": True}

    def fail(request: GatewayRequest) -> GatewayResponse:
        return GatewayResponse(status=500, body="broken")

    gateway.route("ANY", "/prod/hello", hello)
    gateway.route("GET", "/prod/fail", fail)
    authorizer = CognitoAuthorizer(
        setup_pool, endpoint_url=moto.endpoint_url, app_client_ids=[alice.client_id]
    )
    gateway.route("GET", "/cognito/hello", hello, authorizer=authorizer)
    gateway.route("GET", "/keyed/hello", hello, authorizer="NONE", api_key_required=True)
    with gateway as api:
        probe.obj("LocalGateway", api)
        client = SigV4Client(credentials=provider, endpoint=f"{api.url}/prod", region=REGION)
        probe.obj(
            "SigV4Client", client.invoke(path="/hello", method="POST", body={"p": s.password})
        )
        probe.raises("invoke(500)", lambda: client.invoke(path="/fail"))
        bad = Credentials(
            access_key_id=provider.get_credentials().access_key_id,
            secret_access_key=s.secret_key,
            session_token=provider.get_credentials().session_token,
        )
        wrong_key = SigV4Client(credentials=bad, endpoint=f"{api.url}/prod", region=REGION)
        probe.raises("invoke(wrong secret)", lambda: wrong_key.invoke(path="/hello"))
        by_token = SigV4Client.new_client(
            auth=CognitoTokenAuth(alice), endpoint=f"{api.url}/cognito"
        )
        probe.obj("answer (Cognito authorizer)", by_token.invoke(path="/hello"))
        keyed = f"{api.url}/keyed/hello"
        assert requests.get(keyed, headers={"x-api-key": s.api_key}, timeout=30).ok
        refused = requests.get(keyed, headers={"x-api-key": s.api_key[:-1]}, timeout=30)
        assert refused.status_code == 403
        probe.texts.append(("API key 403 body", refused.text))
        with SigV4Session() as session:
            session.auth = SigV4Auth(provider, region=REGION)
            assert session.get(f"{api.url}/prod/hello", timeout=30).status_code == 200
        assert (
            requests.get(
                f"{api.url}/prod/hello", auth=SigV4Auth(provider, region=REGION), timeout=30
            ).status_code
            == 200
        )
        with httpx.Client(auth=SigV4HttpxAuth(provider, REGION)) as hx:
            assert hx.get(f"{api.url}/prod/hello").status_code == 200
        asyncio.run(_aiohttp_get(f"{api.url}/prod/hello", SigV4Middleware(provider, REGION)))
    probe.raises(
        "CognitoAuthorizer(forged token)",
        lambda: authorizer.authorize(_authorizer_request(s.id_token)),
    )

    def policy(event: dict[str, object]) -> dict[str, object]:
        raise Unauthorized

    probe.raises(
        "LambdaAuthorizer(refused)",
        lambda: LambdaAuthorizer(policy).authorize(_authorizer_request(s.access_token)),
    )
    with VerifyingServer({KEY: (s.secret_key, s.session_token)}, region=REGION) as server:
        probe.obj("VerifyingServer", server)
        creds = Credentials(
            access_key_id=KEY, secret_access_key=s.secret_key, session_token=s.session_token
        )
        answer = requests.get(f"{server.url}/x", auth=SigV4Auth(creds, region=REGION), timeout=30)
        assert answer.status_code == 200, answer.text
        wrong = Credentials(
            access_key_id=KEY, secret_access_key=s.api_key, session_token=s.session_token
        )
        answer = requests.get(f"{server.url}/x", auth=SigV4Auth(wrong, region=REGION), timeout=30)
        assert answer.status_code == 403
        probe.texts.append(("VerifyingServer 403 body", answer.text))


def _identity_pool(s: Secrets, probe: Probe, moto: LocalCognito, alice: CognitoUser) -> None:
    # The local identity pool: its values, the keys it mints, the tokens it refuses.
    import uuid

    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config
    from joserfc.jwk import KeySet, RSAKey

    from sigv4client.cognito import DeveloperIdentityToken, developer_identity_token

    iam = IamDirectory()
    pool_id = f"{REGION}:{uuid.uuid4()}"
    role = iam.add_role("Reader", trust_policy=standard_trust_policy(pool_id))
    iam.add_role("Guest", trust_policy=standard_trust_policy(pool_id, "unauthenticated"))
    backend = iam.add_user(
        "backend",
        policies=[
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "cognito-identity:*", "Resource": "*"}],
            }
        ],
    )
    probe.secret(backend.credentials.secret_access_key)
    oidc_key = RSAKey.generate_key(2048, parameters={"kid": "k"})
    oidc = OidcProvider(
        issuer="https://login.example.com",
        audiences=("app",),
        jwks=KeySet([oidc_key]).as_dict(private=False),
    )
    rule = MappingRule(claim="email", match_type="Equals", value="a@b.c", role_arn=role.arn)
    mapping = RoleMapping(type="Rules", ambiguous_role_resolution="Deny", rules=(rule,))
    user_pool = LocalUserPool(
        user_pool_id=alice.user_pool_id,
        endpoint_url=moto.endpoint_url,
        app_client_ids=(alice.client_id,),
    )
    for where, value in (("OidcProvider", oidc), ("MappingRule", rule), ("RoleMapping", mapping)):
        probe.obj(where, value)
    with LocalIdentityPool(
        iam,
        identity_pool_id=pool_id,
        authenticated_role=role.arn,
        unauthenticated_role=f"arn:aws:iam::{iam.account_id}:role/Guest",
        allow_unauthenticated=True,
        user_pools=[user_pool],
        oidc_providers=[oidc],
        role_mappings={oidc.name: mapping},
        developer_provider_name="login.example.app",
    ) as pool:
        probe.obj("LocalIdentityPool", pool)
        source = IdentityPoolCredentials(pool_id, user=alice, endpoint_url=pool.url)
        minted = source.fetch()
        probe.secret(minted.secret_access_key, minted.session_token)
        probe.obj("identity-pool credentials (local)", minted)
        probe.obj("IdentityPoolCredentials (local)", source)
        cognito_identity = boto3.session.Session().client(
            "cognito-identity",
            region_name=REGION,
            endpoint_url=pool.url,
            config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
        )
        for token in (s.id_token, s.access_token):
            forged = IdentityPoolCredentials(
                pool_id, logins=lambda t=token: {oidc.name: t}, endpoint_url=pool.url
            )
            probe.raises("LocalIdentityPool(forged OIDC token)", forged.fetch)
            probe.raises(
                "LocalIdentityPool(forged user-pool token)",
                lambda t=token: cognito_identity.get_id(
                    IdentityPoolId=pool_id, Logins={source.login_key: t}
                ),
            )
        backend_session = boto3.session.Session(
            aws_access_key_id=backend.credentials.access_key_id,
            aws_secret_access_key=backend.credentials.secret_access_key,
            region_name=REGION,
        )
        issued = developer_identity_token(
            pool_id, "login.example.app", "user-1", admin=backend_session, endpoint_url=pool.url
        )
        probe.secret(issued.token)
        developer = IdentityPoolCredentials(
            pool_id, developer=lambda: issued, endpoint_url=pool.url
        )
        probe.secret(developer.fetch().secret_access_key)
        stale = IdentityPoolCredentials(
            pool_id,
            developer=lambda: DeveloperIdentityToken(
                identity_id=issued.identity_id, token=s.id_token
            ),
            endpoint_url=pool.url,
        )
        probe.raises("LocalIdentityPool(forged developer token)", stale.fetch)


def _api_servers(s: Secrets, probe: Probe, moto: LocalCognito, alice: CognitoUser) -> None:
    creds = Credentials(
        access_key_id=KEY, secret_access_key=s.secret_key, session_token=s.session_token
    )
    wrong = Credentials(
        access_key_id=KEY, secret_access_key=s.api_key, session_token=s.session_token
    )
    # ApiClient and AsyncApiClient against the botocore-verifying server.
    with VerifyingServer({KEY: (s.secret_key, s.session_token)}, region=REGION) as server:
        with ApiClient.from_openapi(
            REST_DEF, endpoint=server.url, credentials=creds, api_key=s.api_key
        ) as client:
            probe.obj("ApiResponse", client.call("CreateNote", body={"title": "hello"}))
            probe.obj("ApiResponse (GET)", client.call("GetNote", path={"id": "7"}))
        with ApiClient.from_openapi(REST_DEF, endpoint=server.url, credentials=wrong) as bad:
            probe.raises(
                "ApiClient.call(wrong secret)", lambda: bad.call("GetNote", path={"id": "7"})
            )

        async def call_async() -> None:
            async with AsyncApiClient.from_openapi(
                REST_DEF, endpoint=server.url, credentials=creds
            ) as client:
                probe.obj("ApiResponse (async)", await client.call("GetNote", path={"id": "8"}))

        asyncio.run(call_async())

    # A Lambda proxy integration and an IAM authorizer on the local gateway.
    contexts: list[LambdaContext] = []

    def function(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
        contexts.append(context)
        return {"statusCode": 200, "body": json.dumps({"ok": True})}

    integration = LambdaIntegration(function, name="notes")
    iam = IamAuthorizer({KEY: (s.secret_key, s.session_token)}.get, region=REGION)
    probe.obj("IamAuthorizer", iam)
    gateway = LocalGateway({KEY: (s.secret_key, s.session_token)})
    gateway.route("POST", "/prod/items", integration, authorizer=iam)
    with gateway as api:
        for signer, status in ((creds, 200), (wrong, 403)):
            answer = requests.post(
                f"{api.url}/prod/items",
                json={"password": s.password},
                auth=SigV4Auth(signer, region=REGION),
                timeout=30,
            )
            assert answer.status_code == status, answer.text
            probe.texts.append((f"gateway {status} body", answer.text))
    assert len(contexts) == 1
    assert integration.calls == 1
    probe.obj("LambdaIntegration", integration)
    probe.obj("LambdaContext", contexts[0])
    forged = sign(
        HttpRequest(method="GET", url=f"https://abc.execute-api.{REGION}.amazonaws.com/prod/items"),
        wrong,
        SigningConfig(region=REGION, service="execute-api"),
    )
    probe.secret(forged.signature)
    probe.raises(
        "IamAuthorizer(forged signature)",
        lambda: iam.authorize(
            dataclasses.replace(
                _authorizer_request(s.id_token),
                headers=tuple(forged.headers),
                http_request=forged.apply_to(HttpRequest(method="GET", url=forged.url)),
            )
        ),
    )

    # A JWT authorizer reading moto's user pool: a real token passes, forged ones do not.
    pool = alice.user_pool_id
    jwt_authorizer = JwtAuthorizer(
        f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
        [alice.client_id],
        jwks_url=f"{moto.endpoint_url}/{pool}/.well-known/jwks.json",
    )
    probe.obj("JwtAuthorizer", jwt_authorizer)
    real = alice.get_tokens().id_token
    probe.obj("AuthorizerResult (JWT)", jwt_authorizer.authorize(_authorizer_request(real)))
    header, _payload, signature = real.split(".")
    claims = base64.urlsafe_b64encode(
        json.dumps({"sub": s.password, "aud": alice.client_id}).encode()
    )
    tampered = f"{header}.{claims.decode().rstrip('=')}.{signature}"
    probe.secret(tampered)
    for where, token in (("tampered", tampered), ("not a JWT", s.id_token)):
        probe.raises(
            f"JwtAuthorizer({where})",
            lambda t=token: jwt_authorizer.authorize(_authorizer_request(f"Bearer {t}")),
        )


def _authorizer_request(token: str) -> AuthorizerRequest:
    return AuthorizerRequest(
        method="GET",
        path="/prod/items",
        resource="/prod/items",
        path_parameters={},
        query=(),
        headers=(("Authorization", token),),
        source_ip="127.0.0.1",
        method_arn="arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items",
        request_context={},
    )


async def _aiohttp_get(url: str, middleware: SigV4Middleware) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession(middlewares=(middleware,)) as session,
        session.get(url) as answer,
    ):
        assert answer.status == 200, await answer.text()


_ONLINE = settings(_PROPERTY, max_examples=3)


@_ONLINE
@given(s=secrets_strategy)
def test_no_secret_in_any_repr_str_log_or_cause_online(
    s: Secrets, debug_logs: _Records, moto: LocalCognito
) -> None:
    debug_logs.records.clear()
    probe = Probe(set(s.values()), {s.challenge_session})
    alice, provider, setup = _cognito_flow(s, probe, moto)
    _local_servers(s, probe, moto, alice, provider, setup)
    _identity_pool(s, probe, moto, alice)
    _api_servers(s, probe, moto, alice)
    _all_loggers_at_debug()
    probe.check(debug_logs.records)


# -- coverage: every public type and exception is exercised above ----------------


def test_every_public_type_and_exception_is_covered(
    debug_logs: _Records, moto: LocalCognito
) -> None:
    s = Secrets(
        secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCY",
        session_token="IQoJb3JpZ2luX2VjE+//////////wEaCXVz9",
        password="Corr3ct/Horse+Battery=Staple",
        refresh_token="eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NN/r3f+",
        id_token="eyJraWQiOiJpZC10b2tlbi1raWQiLCJhbGciOi/1d+",
        access_token="eyJraWQiOiJhY2Nlc3MtdG9rZW4ta2lkIiwi/4c+",
        client_secret="1example23456789clientsecret+/==",
        challenge_session="AYABeChallengeSession0123+/session==",
        api_key="demo-api-key-0123456789+/abcdefghij",
    )
    probe = Probe(set(s.values()), {s.challenge_session})
    for exercise in OFFLINE:
        exercise(s, probe)
    alice, provider, setup = _cognito_flow(s, probe, moto)
    _local_servers(s, probe, moto, alice, provider, setup)
    _identity_pool(s, probe, moto, alice)
    _api_servers(s, probe, moto, alice)
    probe.check(debug_logs.records)
    assert any(r.levelno == logging.DEBUG for r in debug_logs.records)

    types, errors = _public_classes()
    shown = {t for t in types if any(issubclass(seen, t) for seen in probe.types)}
    assert sorted(t.__qualname__ for t in types - shown) == [], "public types never built"
    raised: list[BaseException] = []
    for exc in probe.exceptions:
        while exc is not None and exc not in raised:
            raised.append(exc)
            exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    missing = sorted(
        e.__qualname__
        for e in errors
        if not any(isinstance(x, e) for x in raised) and e.__qualname__ not in NOT_PROVOKED
    )
    assert missing == [], "public exceptions never raised from secret-bearing input"


# -- the local servers' request-line logs and presigned URLs ---------------------


@settings(_PROPERTY, max_examples=3)
@given(s=secrets_strategy)
def test_local_servers_do_not_log_a_presigned_urls_signature_or_token(
    s: Secrets, debug_logs: _Records
) -> None:
    # A presigned URL carries X-Amz-Signature and X-Amz-Security-Token in its
    # query: a DEBUG line with the whole request line writes both.
    debug_logs.records.clear()
    probe = Probe(set(s.values()))
    creds = Credentials(
        access_key_id=KEY, secret_access_key=s.secret_key, session_token=s.session_token
    )
    gateway = LocalGateway({KEY: (s.secret_key, s.session_token)})
    gateway.route("GET", "/prod/hello", lambda request: {"ok": True})
    with (
        gateway as api,
        VerifyingServer({KEY: (s.secret_key, s.session_token)}, region=REGION) as server,
    ):
        # The gateway accepts presigned URLs; the verifying server answers 403
        # (it verifies header signatures only) but still logs the request line.
        for url, status in ((f"{api.url}/prod/hello?a=1", 200), (f"{server.url}/x?a=1", 403)):
            presigned = presign_result(
                HttpRequest(method="GET", url=url), creds, CONFIG, expires_in=60
            )
            probe.secret(presigned.signature)
            answer = requests.get(presigned.url, timeout=30)
            assert answer.status_code == status, answer.text
    _all_loggers_at_debug()
    probe.check(debug_logs.records)


def test_a_request_repr_hides_userinfo_custom_headers_and_the_body() -> None:
    request = HttpRequest(
        method="PUT",
        url="https://alice:pa55+word@h.example/p?X-Amz-Credential=AKID%2Fscope&x=1",
        headers=[("X-Api-Key", "k3y+value"), ("Content-Type", "text/plain")],
        body="the body: pa55+word",
    )
    shown = repr(request)
    for secret in ("pa55+word", "k3y+value", "AKID%2Fscope"):
        assert secret not in shown, shown
    assert "('Content-Type', 'text/plain')" in shown
    assert "('X-Api-Key', '<redacted>')" in shown
    assert "body=<19 chars>" in shown


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("broken.json", '{"info": {"x-api-key": "k3y+S3cr3t/value', "(line 1, column 24)"),
        ("broken.yaml", "info:\n  x-api-key: k3y+S3cr3t/value: [\n", "(line 2, column 30)"),
    ],
)
def test_a_definition_that_fails_to_load_neither_quotes_nor_chains_its_text(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    # Regression: the JSON error chained json's JSONDecodeError, whose .doc is
    # the whole file, and the YAML error quoted the broken line.
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    probe = Probe({"k3y+S3cr3t/value"})
    error = probe.raises(name, lambda: load_openapi(path))
    assert isinstance(error, DefinitionError)
    probe.check()
    assert where in str(error), str(error)  # still says where to look
