"""sigv4client.compat: the drop-in constructors, measured against the libraries they replace.

- Differential: the same requests, signed by requests-aws4auth / aws-requests-auth
  and by the compat class taking the same arguments, are sent to the loopback
  server that verifies signatures with botocore; both must pass.
- Where the originals are wrong (a Content-Type rewritten, a fixed Host), the
  server shows the original's fault and the compat class's correct result.
- One signing path: each compat class signs to exactly the headers
  ``SigV4Auth`` gives for the same credentials, settings and clock.
- ``compat.Cognito`` against moto's Cognito, in server mode on loopback.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import botocore.credentials
import pytest
import requests
from aws_requests_auth.aws_auth import AWSRequestsAuth as OriginalAWSRequestsAuth
from aws_requests_auth.boto_utils import BotoAWSRequestsAuth as OriginalBotoAWSRequestsAuth
from requests_aws4auth import AWS4Auth as OriginalAWS4Auth
from requests_aws4auth import AWS4SigningKey

from sigv4client import (
    AuthenticationError,
    Credentials,
    InvalidInputError,
    SigV4Auth,
    SigV4Session,
)
from sigv4client.cognito import CognitoUser
from sigv4client.compat import AWS4Auth, AWSRequestsAuth, BotoAWSRequestsAuth, Cognito
from sigv4client.local import VerifyingServer
from tests.conftest import ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, TOKEN_KEY, TOKEN_SECRET
from tests.support.clock import FakeClock
from tests.support.cognito import Pool, add_user, admin, make_pool

REGION = "us-east-1"
SERVICE = "execute-api"
NOW = datetime(2026, 3, 1, 12, 30, tzinfo=timezone.utc)
SECRETS = (SECRET_KEY, TOKEN_SECRET, SESSION_TOKEN)


def _refreshable(key: str, secret: str, token: str | None) -> Any:
    """A botocore RefreshableCredentials that refreshes to the same keys, as from STS."""
    expiry = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    metadata = {"access_key": key, "secret_key": secret, "token": token, "expiry_time": expiry}
    return botocore.credentials.RefreshableCredentials.create_from_metadata(
        metadata=metadata, refresh_using=lambda: metadata, method="sts-assume-role"
    )


@pytest.fixture
def botocore_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """botocore's chain finds the temporary key in the environment, and nothing of this machine."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", TOKEN_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TOKEN_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)


# Each case: the original and the compat class, built from the same arguments.
# ``host`` is the verifying server's host:port (aws-requests-auth signs for it).
Pair = Callable[[str], tuple[requests.auth.AuthBase, requests.auth.AuthBase]]


def _aws4auth(host: str) -> tuple[requests.auth.AuthBase, requests.auth.AuthBase]:
    args = (ACCESS_KEY, SECRET_KEY, REGION, SERVICE)
    return OriginalAWS4Auth(*args), AWS4Auth(*args)


def _aws4auth_token(host: str) -> tuple[requests.auth.AuthBase, requests.auth.AuthBase]:
    args = (TOKEN_KEY, TOKEN_SECRET, REGION, SERVICE)
    return (
        OriginalAWS4Auth(*args, session_token=SESSION_TOKEN),
        AWS4Auth(*args, session_token=SESSION_TOKEN),
    )


def _aws4auth_refreshable(host: str) -> tuple[requests.auth.AuthBase, requests.auth.AuthBase]:
    kwargs = {"region": REGION, "service": SERVICE}
    return (
        OriginalAWS4Auth(
            refreshable_credentials=_refreshable(TOKEN_KEY, TOKEN_SECRET, SESSION_TOKEN), **kwargs
        ),
        AWS4Auth(
            refreshable_credentials=_refreshable(TOKEN_KEY, TOKEN_SECRET, SESSION_TOKEN), **kwargs
        ),
    )


def _aws_requests_auth(host: str) -> tuple[requests.auth.AuthBase, requests.auth.AuthBase]:
    kwargs: dict[str, Any] = {
        "aws_access_key": ACCESS_KEY,
        "aws_secret_access_key": SECRET_KEY,
        "aws_host": host,
        "aws_region": REGION,
        "aws_service": SERVICE,
    }
    return OriginalAWSRequestsAuth(**kwargs), AWSRequestsAuth(**kwargs)


def _aws_requests_auth_token(host: str) -> tuple[requests.auth.AuthBase, requests.auth.AuthBase]:
    args = (TOKEN_KEY, TOKEN_SECRET, host, REGION, SERVICE, SESSION_TOKEN)
    return OriginalAWSRequestsAuth(*args), AWSRequestsAuth(*args)


def _boto_aws_requests_auth(host: str) -> tuple[requests.auth.AuthBase, requests.auth.AuthBase]:
    kwargs = {"aws_host": host, "aws_region": REGION, "aws_service": SERVICE}
    return OriginalBotoAWSRequestsAuth(**kwargs), BotoAWSRequestsAuth(**kwargs)


PAIRS: dict[str, Pair] = {
    "AWS4Auth": _aws4auth,
    "AWS4Auth-session_token": _aws4auth_token,
    "AWS4Auth-refreshable_credentials": _aws4auth_refreshable,
    "AWSRequestsAuth": _aws_requests_auth,
    "AWSRequestsAuth-aws_token": _aws_requests_auth_token,
    "BotoAWSRequestsAuth": _boto_aws_requests_auth,
}

# Requests both originals sign correctly: a query already percent-encoded
# (aws-requests-auth signs the query as it finds it, and requests-aws4auth
# reads a '+' from requests' own encoding of ``params`` as a plus sign).
REQUESTS: dict[str, dict[str, Any]] = {
    "GET-query": {"method": "GET", "path": "/prod/items?q=a%20b&limit=10"},
    "POST-json": {"method": "POST", "path": "/prod/notes", "json": {"content": "hello"}},
    "PUT-bytes": {
        "method": "PUT",
        "path": "/prod/files/report",
        "data": b"\x00binary\xff",
        "headers": {"Content-Type": "application/octet-stream"},
    },
}


def _host(server: VerifyingServer) -> str:
    return server.url.partition("://")[2].rstrip("/")


def _send(server: VerifyingServer, auth: requests.auth.AuthBase, spec: dict[str, Any]) -> Any:
    spec = dict(spec)
    path = spec.pop("path")
    return requests.request(url=server.url.rstrip("/") + path, auth=auth, timeout=30, **spec)


@pytest.mark.usefixtures("botocore_env")
@pytest.mark.parametrize("request_name", list(REQUESTS))
@pytest.mark.parametrize("pair", list(PAIRS))
def test_original_and_compat_both_verify(
    verifying_server: VerifyingServer, pair: str, request_name: str
) -> None:
    original, compat = PAIRS[pair](_host(verifying_server))
    spec = REQUESTS[request_name]
    for auth in (original, compat):
        response = _send(verifying_server, auth, spec)
        assert response.status_code == 200, (type(auth).__module__, response.text)
        echo = response.json()
        expected_key = (
            TOKEN_KEY if ("token" in pair or "Boto" in pair or "refresh" in pair) else (ACCESS_KEY)
        )
        assert echo["access_key"] == expected_key
        assert echo["method"] == spec["method"]


def _clock() -> datetime:
    return NOW


def _prepared(url: str, spec: dict[str, Any]) -> requests.PreparedRequest:
    spec = dict(spec)
    path = spec.pop("path")
    return requests.Request(url=url.rstrip("/") + path, **spec).prepare()


# compat class built with clock=, and the SigV4Auth it must equal.
SAME: dict[str, tuple[Callable[[], requests.auth.AuthBase], Credentials]] = {
    "AWS4Auth": (
        lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, clock=_clock),
        Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY),
    ),
    "AWS4Auth-session_token": (
        lambda: AWS4Auth(
            TOKEN_KEY, TOKEN_SECRET, REGION, SERVICE, session_token=SESSION_TOKEN, clock=_clock
        ),
        Credentials(
            access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
        ),
    ),
    "AWS4Auth-refreshable_credentials": (
        lambda: AWS4Auth(
            refreshable_credentials=_refreshable(TOKEN_KEY, TOKEN_SECRET, SESSION_TOKEN),
            region=REGION,
            service=SERVICE,
            clock=_clock,
        ),
        Credentials(
            access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
        ),
    ),
    "AWSRequestsAuth": (
        lambda: AWSRequestsAuth(
            ACCESS_KEY, SECRET_KEY, "unused.example", REGION, SERVICE, clock=_clock
        ),
        Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY),
    ),
    "AWSRequestsAuth-aws_token": (
        lambda: AWSRequestsAuth(
            aws_access_key=TOKEN_KEY,
            aws_secret_access_key=TOKEN_SECRET,
            aws_host="unused.example",
            aws_region=REGION,
            aws_service=SERVICE,
            aws_token=SESSION_TOKEN,
            clock=_clock,
        ),
        Credentials(
            access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
        ),
    ),
    "BotoAWSRequestsAuth": (
        lambda: BotoAWSRequestsAuth("unused.example", REGION, SERVICE, clock=_clock),
        Credentials(
            access_key_id=TOKEN_KEY, secret_access_key=TOKEN_SECRET, session_token=SESSION_TOKEN
        ),
    ),
}


@pytest.mark.usefixtures("botocore_env")
@pytest.mark.parametrize("request_name", list(REQUESTS))
@pytest.mark.parametrize("name", list(SAME))
def test_compat_signs_exactly_as_sigv4auth(name: str, request_name: str) -> None:
    make, credentials = SAME[name]
    url = "https://abc123.execute-api.us-east-1.amazonaws.com"
    by_compat = make()(_prepared(url, REQUESTS[request_name]))
    reference = SigV4Auth(credentials, REGION, SERVICE, clock=_clock, content_sha256_header=True)(
        _prepared(url, REQUESTS[request_name])
    )
    assert by_compat.url == reference.url
    assert dict(by_compat.headers) == dict(reference.headers)
    assert by_compat.body == reference.body
    assert "Authorization" in by_compat.headers
    assert "X-Amz-Content-SHA256" in by_compat.headers


def test_sigv4session_signs_a_compat_auths_redirect_again() -> None:
    # The compat classes are SigV4Auth, so SigV4Session re-signs a same-origin
    # redirect for its new URL (requests would resend the first signature).
    session = SigV4Session()
    session.auth = AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, clock=_clock)
    first = session.auth(_prepared("https://h.example", {"method": "GET", "path": "/prod/old"}))
    response = requests.Response()
    response.request = first
    response.status_code = 302
    response.headers["location"] = "/prod/moved"
    redirected = first.copy()  # as requests' resolve_redirects does
    redirected.prepare_url("https://h.example/prod/moved", None)
    session.rebuild_auth(redirected, response)
    session.close()
    expected = SigV4Auth(
        Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY),
        REGION,
        SERVICE,
        clock=_clock,
        content_sha256_header=True,
    )(requests.Request("GET", "https://h.example/prod/moved").prepare())
    assert redirected.headers["Authorization"] != first.headers["Authorization"]
    assert redirected.headers["Authorization"] == expected.headers["Authorization"]


# -- where the originals are wrong ---------------------------------------------------


def test_aws_requests_auth_signs_a_fixed_host_and_compat_signs_the_real_one(
    verifying_server: VerifyingServer,
) -> None:
    # Built for one host, used for another (a second stage's custom domain, a
    # local server): aws-requests-auth signs aws_host, and the server refuses.
    kwargs: dict[str, Any] = {
        "aws_access_key": ACCESS_KEY,
        "aws_secret_access_key": SECRET_KEY,
        "aws_host": "abc123.execute-api.us-east-1.amazonaws.com",
        "aws_region": REGION,
        "aws_service": SERVICE,
    }
    spec = REQUESTS["GET-query"]
    wrong = _send(verifying_server, OriginalAWSRequestsAuth(**kwargs), spec)
    assert wrong.status_code == 403
    right = _send(verifying_server, AWSRequestsAuth(**kwargs), spec)
    assert right.status_code == 200, right.text
    assert right.json()["access_key"] == ACCESS_KEY


def test_requests_aws4auth_rewrites_content_type_and_compat_does_not(
    verifying_server: VerifyingServer,
) -> None:
    # A text body with the caller's Content-Type: requests-aws4auth appends
    # "; charset=utf-8" before sending; the caller's header goes out as written.
    spec = {
        "method": "POST",
        "path": "/prod/notes",
        "data": "plain text",
        "headers": {"Content-Type": "text/plain"},
    }
    args = (ACCESS_KEY, SECRET_KEY, REGION, SERVICE)
    original = _send(verifying_server, OriginalAWS4Auth(*args), spec)
    assert original.status_code == 200
    sent = {k.lower(): v for k, v in original.json()["headers"].items()}
    assert sent["content-type"] == "text/plain; charset=utf-8"
    compat = _send(verifying_server, AWS4Auth(*args), spec)
    assert compat.status_code == 200, compat.text
    assert compat.json()["headers"]["Content-Type"] == "text/plain"
    assert compat.json()["body"] == "plain text"


def test_requests_aws4auth_drops_a_date_header_and_compat_keeps_it(
    verifying_server: VerifyingServer,
) -> None:
    spec = {"method": "GET", "path": "/prod/items", "headers": {"Date": "not a date"}}
    args = (ACCESS_KEY, SECRET_KEY, REGION, SERVICE)
    original = _send(verifying_server, OriginalAWS4Auth(*args), spec)
    assert "Date" not in original.json()["headers"]
    compat = _send(verifying_server, AWS4Auth(*args), spec)
    assert compat.status_code == 200, compat.text
    assert compat.json()["headers"]["Date"] == "not a date"


# -- constructors: bad input, no secrets shown ----------------------------------------


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY), "region"),
        (lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION), "service"),
        (lambda: AWS4Auth(None, SECRET_KEY, REGION, SERVICE), "access key id"),
        (lambda: AWS4Auth(ACCESS_KEY, "", REGION, SERVICE), "secret key"),
        (lambda: AWS4Auth(ACCESS_KEY, object(), REGION, SERVICE), "signing key"),
        (
            lambda: AWS4Auth(
                ACCESS_KEY,
                SECRET_KEY,
                REGION,
                SERVICE,
                refreshable_credentials=_refreshable(TOKEN_KEY, TOKEN_SECRET, None),
            ),
            "not both",
        ),
        (
            lambda: AWS4Auth(refreshable_credentials=SECRET_KEY, region=REGION, service=SERVICE),
            "botocore credentials object",
        ),
        (lambda: AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "", REGION, SERVICE), "aws_host"),
        (lambda: AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "h", "", SERVICE), "aws_region"),
        (lambda: AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "h", REGION, None), "aws_service"),
        (lambda: AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "h", REGION, SERVICE, 5), "token"),
    ],
)
def test_bad_constructor_arguments_are_named(make: Callable[[], object], says: str) -> None:
    with pytest.raises(InvalidInputError, match=says) as caught:
        make()
    assert not any(secret in str(caught.value) for secret in SECRETS)


def test_an_empty_session_token_means_none() -> None:
    # Both originals test the token for truth: os.environ.get("AWS_SESSION_TOKEN", "").
    auth = AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, session_token="", clock=_clock)
    signed = auth(_prepared("https://h.example", REQUESTS["GET-query"]))
    assert "X-Amz-Security-Token" not in signed.headers


@pytest.mark.usefixtures("botocore_env")
@pytest.mark.parametrize("name", list(SAME))
def test_no_secret_in_repr(name: str) -> None:
    auth = SAME[name][0]()
    assert not any(secret in repr(auth) for secret in SECRETS)


def test_aws_host_is_kept_for_code_that_reads_it() -> None:
    auth = AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "h.example", REGION, SERVICE)
    assert (auth.aws_host, auth.region, auth.service) == ("h.example", REGION, SERVICE)


# -- Cognito, against moto -------------------------------------------------------------


@pytest.fixture(scope="module")
def idp(moto_endpoint: str) -> Any:
    return admin("cognito-idp", moto_endpoint)


@pytest.fixture(scope="module")
def pool(idp: Any) -> Pool:
    return make_pool(idp, clients={"web": False, "server": True})


@pytest.fixture
def alice(idp: Any, pool: Pool) -> tuple[str, str]:
    return add_user(idp, pool.pool_id)


@pytest.mark.parametrize("client", ["web", "server"])
def test_cognito_authenticate_and_tokens(
    moto_endpoint: str, pool: Pool, alice: tuple[str, str], client: str
) -> None:
    username, password = alice
    app = pool.clients[client]
    cognito = Cognito(
        pool.pool_id,
        app.client_id,
        username=username,
        client_secret=app.client_secret,
        endpoint_url=moto_endpoint,
    )
    assert (cognito.id_token, cognito.access_token, cognito.refresh_token) == (None, None, None)
    cognito.authenticate(password)
    tokens = cognito.user.tokens
    assert tokens is not None
    assert cognito.id_token == tokens.id_token
    assert cognito.access_token == tokens.access_token
    assert cognito.refresh_token == tokens.refresh_token
    assert cognito.id_token
    assert cognito.access_token
    assert cognito.refresh_token
    assert tokens.username == username  # the ID token really is this user's
    assert cognito.check_token() is False
    shown = repr(cognito) + repr(cognito.user)
    assert password not in shown
    assert cognito.id_token not in shown


def test_cognito_check_token_renews_expired_tokens(
    moto_endpoint: str, pool: Pool, alice: tuple[str, str]
) -> None:
    username, password = alice
    clock = FakeClock()
    cognito = Cognito(
        pool.pool_id, pool.client_id, username=username, endpoint_url=moto_endpoint, clock=clock
    )
    cognito.authenticate(password)
    before = cognito.tokens
    assert before is not None
    assert cognito.check_token(renew=False) is False
    clock.advance(timedelta(days=1))
    assert cognito.check_token(renew=False) is True
    assert cognito.tokens is before  # not renewed
    assert cognito.check_token() is True  # expired, and renewed
    after = cognito.tokens
    assert after is not None
    assert after is not before
    assert after.expires_at > clock.now
    assert cognito.check_token() is False


def test_cognito_from_saved_tokens_refreshes(
    moto_endpoint: str, pool: Pool, alice: tuple[str, str]
) -> None:
    # pycognito's Cognito(..., id_token=, refresh_token=, access_token=): the
    # expiry comes from the tokens' exp claims.
    username, password = alice
    first = CognitoUser(
        user_pool_id=pool.pool_id, client_id=pool.client_id, endpoint_url=moto_endpoint
    )
    saved = first.login(username, password)
    clock = FakeClock(saved.expires_at + timedelta(minutes=1))
    cognito = Cognito(
        pool.pool_id,
        pool.client_id,
        username=username,
        id_token=saved.id_token,
        refresh_token=saved.refresh_token,
        access_token=saved.access_token,
        endpoint_url=moto_endpoint,
        clock=clock,
    )
    assert cognito.id_token == saved.id_token
    assert cognito.check_token() is True
    assert cognito.tokens is not None
    assert cognito.tokens.expires_at > clock.now
    cognito.renew_access_token()
    assert cognito.refresh_token == saved.refresh_token


def test_cognito_unknown_user(moto_endpoint: str, pool: Pool) -> None:
    # (moto never checks the SRP password proof: an unknown user is what it refuses.)
    cognito = Cognito(pool.pool_id, pool.client_id, username="nobody", endpoint_url=moto_endpoint)
    with pytest.raises(AuthenticationError) as caught:
        cognito.authenticate("Some-password-1!")
    assert "Some-password" not in str(caught.value)
    assert cognito.id_token is None


def test_cognito_needs_a_username_and_a_token() -> None:
    cognito = Cognito("us-east-1_AbC123", "1example23456789")
    with pytest.raises(InvalidInputError, match="username="):
        cognito.authenticate("pw")
    with pytest.raises(InvalidInputError, match="authenticate"):
        cognito.check_token()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("new_password_challenge", "NewPassword"),
        ("respond_to_software_token_mfa_challenge", "CognitoUser.respond"),
        ("admin_authenticate", "USER_PASSWORD_AUTH"),
        ("register", "boto3.client('cognito-idp')"),
        ("logout", "boto3.client('cognito-idp')"),
        ("verify_tokens", "JWKS"),
    ],
)
def test_cognito_calls_it_does_not_have_say_what_to_use(name: str, says: str) -> None:
    cognito = Cognito("us-east-1_AbC123", "1example23456789", username="alice")
    with pytest.raises(AttributeError, match=r"sigv4client\.compat\.Cognito has no") as caught:
        getattr(cognito, name)
    assert says in str(caught.value)
    with pytest.raises(AttributeError, match="no attribute 'nothing_like_this'"):
        getattr(cognito, "nothing_like_this")  # noqa: B009 (the attribute is looked up)


# -- the originals' settings and attributes: honoured, or a named error -----------------


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, "20260301"), "scope date"),
        (lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, date="20260301"), "scope date"),
        (
            lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, include_hdrs=["host"]),
            "unsigned_headers",
        ),
        (
            lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, raise_invalid_date=True),
            "raise_invalid_date",
        ),
        # requests-aws4auth's two-argument form: the key, not a missing region, is the news.
        (lambda: AWS4Auth(ACCESS_KEY, AWS4SigningKey(SECRET_KEY, REGION, SERVICE)), "signing key"),
    ],
)
def test_requests_aws4auth_settings_we_lack_are_named_not_dropped(
    make: Callable[[], object], says: str
) -> None:
    # requests-aws4auth takes each of these; a TypeError about an unexpected
    # argument (or a missing region) would not say what differs or what to do.
    with pytest.raises(InvalidInputError, match=says) as caught:
        make()
    assert not any(secret in str(caught.value) for secret in SECRETS)


def test_raise_invalid_date_false_is_the_default_and_accepted() -> None:
    auth = AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE, raise_invalid_date=False)
    assert (auth.region, auth.service) == (REGION, SERVICE)


def test_a_token_assigned_later_is_refused_not_ignored() -> None:
    # aws-requests-auth reads aws_token on every request, so code rotates it in place.
    original = OriginalAWSRequestsAuth(TOKEN_KEY, TOKEN_SECRET, "h.example", REGION, SERVICE)
    original.aws_token = SESSION_TOKEN
    signed = original(_prepared("https://h.example", REQUESTS["GET-query"]))
    assert signed.headers["X-Amz-Security-Token"] == SESSION_TOKEN
    # Ours would keep signing with the keys it was built with: it must say so.
    auth = AWSRequestsAuth(TOKEN_KEY, TOKEN_SECRET, "h.example", REGION, SERVICE, clock=_clock)
    with pytest.raises(InvalidInputError, match="aws_token cannot be changed") as caught:
        auth.aws_token = SESSION_TOKEN
    assert SESSION_TOKEN not in str(caught.value)
    signed = auth(_prepared("https://h.example", REQUESTS["GET-query"]))
    assert "X-Amz-Security-Token" not in signed.headers


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "h", REGION, SERVICE), "aws_region"),
        (lambda: AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "h", REGION, SERVICE), "service"),
        (lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE), "region"),
        (lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE), "session_token"),
    ],
)
def test_settings_assigned_after_construction_are_refused(
    make: Callable[[], SigV4Auth], name: str
) -> None:
    auth = make()
    with pytest.raises(InvalidInputError, match=f"{name} cannot be changed"):
        setattr(auth, name, "eu-west-1")
    assert auth(_prepared("https://h.example", REQUESTS["GET-query"])).headers["Authorization"]
    auth.aws_host = "other.example"  # documented as kept and unused: still allowed


@pytest.mark.parametrize(
    ("make", "name", "says"),
    [
        (lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE), "access_id", "credentials"),
        (lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE), "signing_key", "derives"),
        (
            lambda: AWS4Auth(ACCESS_KEY, SECRET_KEY, REGION, SERVICE),
            "regenerate_signing_key",
            "nothing to do",
        ),
        (
            lambda: AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "h", REGION, SERVICE),
            "aws_region",
            r"\.region",
        ),
        (
            lambda: AWSRequestsAuth(ACCESS_KEY, SECRET_KEY, "h", REGION, SERVICE),
            "aws_secret_access_key",
            "credentials",
        ),
    ],
)
def test_the_originals_attributes_say_where_they_went(
    make: Callable[[], object], name: str, says: str
) -> None:
    auth = make()
    with pytest.raises(AttributeError, match=says) as caught:
        getattr(auth, name)
    assert not any(secret in str(caught.value) for secret in SECRETS)
    with pytest.raises(AttributeError, match="no attribute 'nothing_like_this'"):
        auth.nothing_like_this  # noqa: B018


def test_a_subclass_overriding_an_original_hook_fails_when_defined() -> None:
    # aws-requests-auth's documented way to bring other keys; nothing here would call it.
    with pytest.raises(InvalidInputError, match="get_aws_request_headers_handler"):

        class OtherKeys(AWSRequestsAuth):
            def get_aws_request_headers_handler(self, r: Any) -> dict[str, str]:
                return {}
