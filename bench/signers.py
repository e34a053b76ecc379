"""Each signer doing the full job: build its own request object from the URL,
headers and body, then sign it.

``Signer.make(workload)`` returns a function ``run(url, headers)`` that is what
gets timed; ``Signer.wire(workload, headers, out)`` turns what ``run`` returned
into what would go on the wire (URL and headers), so that
:func:`check_signature` can verify the signature independently. Headers come
in as ``(name, value)`` pairs; a signer whose request object wants a mapping
builds one, as part of building its request.

Credentials and long-lived signer objects are made once, outside the timing,
as an application would. The request object is built inside it.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import awscrt.auth
import awscrt.http
import botocore.auth
import botocore.credentials
import requests
from aws_requests_auth.aws_auth import AWSRequestsAuth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from requests_aws4auth import AWS4Auth
from workloads import ACCESS_KEY, HOST, REGION, SECRET_KEY, SERVICE, SESSION_TOKEN, Workload

import sigv4client

Headers = tuple[tuple[str, str], ...]
Run = Callable[[str, Headers], Any]

# Headers botocore never signs (hop-by-hop and tracing): the same list sigv4client
# uses by default, and what awscrt skips in these workloads.
_UNSIGNED = sigv4client.DEFAULT_UNSIGNED_HEADERS


@dataclass
class Wire:
    """What a signed request would send: method, URL, headers, body."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes


class Signer:
    name = ""
    #: Set when the signer signs a different selection of headers than botocore.
    note = ""

    def make(self, w: Workload) -> Run:
        raise NotImplementedError

    def make_fixed(self, w: Workload, now: datetime) -> Run | None:
        """Like make(), with the signing time pinned (None: the signer cannot)."""
        return None

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        raise NotImplementedError


class SigV4Client(Signer):
    name = "sigv4client"

    def __init__(self) -> None:
        self.creds = sigv4client.Credentials(
            access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=SESSION_TOKEN
        )
        self.config = sigv4client.SigningConfig(region=REGION, service=SERVICE)

    def make(self, w: Workload, now: datetime | None = None) -> Run:
        sign, HttpRequest = sigv4client.sign, sigv4client.HttpRequest
        creds, config = self.creds, self.config
        method, body = w.method, w.body

        def run(url: str, headers: Headers) -> sigv4client.SigningResult:
            request = HttpRequest(method=method, url=url, headers=headers, body=body)
            return sign(request, creds, config, now=now)

        return run

    def make_fixed(self, w: Workload, now: datetime) -> Run:
        return self.make(w, now)

    def wire(self, w: Workload, headers: Headers, out: sigv4client.SigningResult) -> Wire:
        own = {n.lower() for n, _ in out.headers}
        kept = [(n, v) for n, v in headers if n.lower() not in own]
        return Wire(w.method, out.url, kept + list(out.headers), w.body)


class Botocore(Signer):
    name = "botocore"

    def __init__(self) -> None:
        creds = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
        self.signer = botocore.auth.SigV4Auth(creds, SERVICE, REGION)

    def make(self, w: Workload) -> Run:
        add_auth = self.signer.add_auth
        method, body = w.method, w.body

        def run(url: str, headers: Headers) -> AWSRequest:
            request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
            add_auth(request)
            return request

        return run

    def make_fixed(self, w: Workload, now: datetime) -> Run:
        run = self.make(w)

        def fixed(url: str, headers: Headers) -> AWSRequest:
            with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
                return run(url, headers)

        return fixed

    def wire(self, w: Workload, headers: Headers, out: AWSRequest) -> Wire:
        return Wire(w.method, out.url, list(out.headers.items()), w.body)


class AwsCrt(Signer):
    """awscrt: the AWS C signer (aws-c-auth) through its Python binding.

    Its AwsSigningConfig freezes the signing time when it is constructed, so the
    documented use ("use a new config for each signature") builds one per request.
    ``shared_config=True`` builds it once: the C signer's cost alone, but every
    request is then signed with the time the config was made (not usable for
    long, shown only as a lower bound).
    """

    def __init__(self, shared_config: bool = False) -> None:
        self.shared = shared_config
        self.name = "awscrt (shared config)" if shared_config else "awscrt"
        self.provider = awscrt.auth.AwsCredentialsProvider.new_static(
            ACCESS_KEY, SECRET_KEY, SESSION_TOKEN
        )

    def _config(self, now: datetime | None = None) -> awscrt.auth.AwsSigningConfig:
        return awscrt.auth.AwsSigningConfig(
            algorithm=awscrt.auth.AwsSigningAlgorithm.V4,
            signature_type=awscrt.auth.AwsSignatureType.HTTP_REQUEST_HEADERS,
            credentials_provider=self.provider,
            region=REGION,
            service=SERVICE,
            date=now,
        )

    def make(self, w: Workload, now: datetime | None = None) -> Run:
        sign = awscrt.auth.aws_sign_request
        CrtRequest, CrtHeaders = awscrt.http.HttpRequest, awscrt.http.HttpHeaders
        method, body = w.method, w.body
        new_config = self._config
        shared = self._config(now) if self.shared else None

        def run(url: str, headers: Headers) -> awscrt.http.HttpRequest:
            parts = urlsplit(url)
            target = f"{parts.path}?{parts.query}" if parts.query else parts.path
            request = CrtRequest(
                method,
                target,
                CrtHeaders([("Host", parts.netloc), *headers]),
                io.BytesIO(body) if body else None,
            )
            config = shared if shared is not None else new_config(now)
            return sign(request, config).result()

        return run

    def make_fixed(self, w: Workload, now: datetime) -> Run:
        return self.make(w, now)

    def wire(self, w: Workload, headers: Headers, out: awscrt.http.HttpRequest) -> Wire:
        return Wire(w.method, f"https://{HOST}{out.path}", list(out.headers), w.body)


def _prepare(method: str, url: str, headers: Headers, body: bytes) -> Any:
    return requests.Request(method, url, headers=dict(headers), data=body or None).prepare()


class RequestsAws4Auth(Signer):
    name = "requests-aws4auth"
    note = "also signs x-amz-content-sha256"

    def __init__(self) -> None:
        self.creds = (ACCESS_KEY, SECRET_KEY, REGION, SERVICE)

    def make(self, w: Workload) -> Run:
        # By default it signs only host, content-type, date and x-amz-*; give it
        # every header botocore signs so that it does the same job.
        include = {"host", "content-type", "date", "x-amz-*"}
        include |= {n.lower() for n, _ in w.headers if n.lower() not in _UNSIGNED}
        auth = AWS4Auth(*self.creds, session_token=SESSION_TOKEN, include_hdrs=include)
        method, body = w.method, w.body

        def run(url: str, headers: Headers) -> Any:
            return auth(_prepare(method, url, headers, body))

        return run

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        return Wire(w.method, out.url, list(out.headers.items()), w.body)


class AwsRequestsAuth(Signer):
    name = "aws-requests-auth"
    note = "signs only host, x-amz-date, x-amz-security-token"

    def make(self, w: Workload) -> Run:
        auth = AWSRequestsAuth(
            aws_access_key=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            aws_host=HOST,
            aws_region=REGION,
            aws_service=SERVICE,
            aws_token=SESSION_TOKEN,
        )
        method, body = w.method, w.body

        def run(url: str, headers: Headers) -> Any:
            return auth(_prepare(method, url, headers, body))

        return run

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        return Wire(w.method, out.url, list(out.headers.items()), w.body)


class RequestsPrepareOnly(Signer):
    """Not a signer: what requests.Request(...).prepare() alone costs, for reference."""

    name = "(requests prepare only)"

    def make(self, w: Workload) -> Run:
        method, body = w.method, w.body
        return lambda url, headers: _prepare(method, url, headers, body)


def signing_key(date: str) -> bytes:
    """kSigning, written out from the SigV4 specification (for the floor and the checks)."""
    k = hmac.digest(("AWS4" + SECRET_KEY).encode(), date.encode(), "sha256")
    for part in (REGION, SERVICE, "aws4_request"):
        k = hmac.digest(k, part.encode(), "sha256")
    return k


class CryptoFloor(Signer):
    """Not a signer: the hashing any SigV4 signer must do, with the key cached.

    Two SHA-256 (canonical request, body) and one HMAC-SHA256 (string to sign),
    with the standard library one-shot calls, on the real strings of this workload.
    """

    name = "(crypto floor)"

    def make(self, w: Workload) -> Run:
        fixed = SigV4Client().make_fixed(w, datetime.now(timezone.utc))
        result = fixed(w.url, w.headers)
        canonical_request = result.canonical_request.encode()
        string_to_sign = result.string_to_sign.encode()
        key = signing_key(result.amz_date[:8])
        body = w.body
        sha256, digest = hashlib.sha256, hmac.digest

        def run(url: str, headers: Headers) -> str:
            sha256(canonical_request).hexdigest()
            sha256(body).hexdigest()
            return digest(key, string_to_sign, "sha256").hex()

        return run


def all_signers() -> list[Signer]:
    return [
        SigV4Client(),
        Botocore(),
        AwsCrt(),
        AwsCrt(shared_config=True),
        RequestsAws4Auth(),
        AwsRequestsAuth(),
        RequestsPrepareOnly(),
        CryptoFloor(),
    ]


# --- verification ---------------------------------------------------------------------


def _parse_authorization(value: str) -> dict[str, str]:
    algorithm, _, rest = value.partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise ValueError(f"unexpected algorithm {algorithm!r}")
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    return fields


def check_signature(wire: Wire) -> str:
    """Verify a signed request with botocore as the independent oracle.

    Takes the headers the signer says it signed (SignedHeaders) and the time
    it wrote (X-Amz-Date), has botocore sign exactly those, and compares the
    signatures. Returns "" when valid, else what is wrong.
    """
    headers = {n.lower(): v for n, v in wire.headers}
    if "authorization" not in headers or "x-amz-date" not in headers:
        return "no Authorization or X-Amz-Date header"
    fields = _parse_authorization(headers["authorization"])
    signed = fields["SignedHeaders"].split(";")
    amz_date = headers["x-amz-date"]
    now = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    if fields["Credential"] != f"{ACCESS_KEY}/{amz_date[:8]}/{REGION}/{SERVICE}/aws4_request":
        return f"wrong credential scope {fields['Credential']!r}"
    claimed = headers.get("x-amz-content-sha256")
    if claimed is not None and claimed != hashlib.sha256(wire.body).hexdigest():
        return "X-Amz-Content-SHA256 is not the body's hash"
    if "host" not in signed or "x-amz-date" not in signed:
        return "host or x-amz-date not signed"

    oracle = AWSRequest(method=wire.method, url=wire.url, data=wire.body)
    h = HTTPHeaders()
    for name, value in wire.headers:
        lname = name.lower()
        if lname in signed and lname not in ("x-amz-date", "x-amz-security-token"):
            h[name] = value
    oracle.headers = h
    creds = botocore.credentials.Credentials(
        ACCESS_KEY, SECRET_KEY, SESSION_TOKEN if "x-amz-security-token" in signed else None
    )
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
        botocore.auth.SigV4Auth(creds, SERVICE, REGION).add_auth(oracle)
    theirs = _parse_authorization(oracle.headers["Authorization"])
    if theirs["SignedHeaders"] != fields["SignedHeaders"]:
        return (
            f"signed headers {fields['SignedHeaders']!r} cannot be reproduced "
            f"(botocore signs {theirs['SignedHeaders']!r})"
        )
    if theirs["Signature"] != fields["Signature"]:
        return "signature does not verify"
    return ""


def authorization_of(wire: Wire) -> str:
    return next(v for n, v in wire.headers if n.lower() == "authorization")
