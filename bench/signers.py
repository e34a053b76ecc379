"""Each signer doing the full job: build its own request object from the URL,
headers and body, then sign it.

``Signer.make(workload)`` returns a function ``run(url, headers, k)`` that is
what gets timed (``k`` picks the set of credentials, see
``workloads.credentials_for``: a signer makes its credential objects for a new
set when it first sees it, as an application does when credentials refresh),
or ``None`` when the signer cannot do that workload (only some presign);
``Signer.wire(workload, headers, out)`` turns what ``run`` returned
into what would go on the wire (URL and headers), so that
:func:`check_signature` can verify the signature independently. Headers come
in as ``(name, value)`` pairs; a signer whose request object wants a mapping
builds one, as part of building its request.

Credentials and long-lived signer objects are made once per set of
credentials (every 100 requests in W1-cold, once elsewhere), as an application
does when its credentials refresh. The request object is built for every request.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, quote, urlsplit

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
Run = Callable[[str, Headers, int], Any]

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

    def make(self, w: Workload) -> Run | None:
        raise NotImplementedError

    def make_fixed(self, w: Workload, now: datetime) -> Run | None:
        """Like make(), with the signing time pinned (None: the signer cannot)."""
        return None

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        raise NotImplementedError


class SigV4Client(Signer):
    """sigv4client: the checkout's package, or another revision's (``run.py --signers-before``)."""

    name = "sigv4client"

    def __init__(self, package: Any = sigv4client, name: str = "sigv4client") -> None:
        self.package = package
        self.name = name
        self.config = package.SigningConfig(region=REGION, service=SERVICE)

    def make(self, w: Workload, now: datetime | None = None) -> Run:
        package = self.package
        HttpRequest, Credentials = package.HttpRequest, package.Credentials
        config = self.config
        method, body = w.method, w.body
        creds: dict[int, Any] = {}

        def new_creds(k: int) -> Any:
            access, secret, token = w.credentials(k)
            c = creds[k] = Credentials(
                access_key_id=access, secret_access_key=secret, session_token=token
            )
            return c

        if w.presign:
            presign = package.presign

            def run_presign(url: str, headers: Headers, k: int) -> str:
                request = HttpRequest(method=method, url=url, headers=headers, body=body)
                c = creds.get(k) or new_creds(k)
                return presign(request, c, config, expires_in=3600, now=now)

            return run_presign

        sign = package.sign

        def run(url: str, headers: Headers, k: int) -> Any:
            request = HttpRequest(method=method, url=url, headers=headers, body=body)
            return sign(request, creds.get(k) or new_creds(k), config, now=now)

        return run

    def make_fixed(self, w: Workload, now: datetime) -> Run:
        return self.make(w, now)

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        if w.presign:
            return Wire(w.method, out, list(headers), w.body)
        own = {n.lower() for n, _ in out.headers}
        kept = [(n, v) for n, v in headers if n.lower() not in own]
        return Wire(w.method, out.url, kept + list(out.headers), w.body)


class Botocore(Signer):
    name = "botocore"

    def make(self, w: Workload) -> Run:
        method, body = w.method, w.body
        signers: dict[int, Any] = {}

        def new_signer(k: int) -> Any:
            creds = botocore.credentials.Credentials(*w.credentials(k))
            if w.presign:
                signer = botocore.auth.SigV4QueryAuth(creds, SERVICE, REGION, expires=3600)
            else:
                signer = botocore.auth.SigV4Auth(creds, SERVICE, REGION)
            signers[k] = signer
            return signer

        def run(url: str, headers: Headers, k: int) -> AWSRequest:
            request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
            (signers.get(k) or new_signer(k)).add_auth(request)
            if w.presign:
                return request.url
            return request

        return run

    def make_fixed(self, w: Workload, now: datetime) -> Run:
        run = self.make(w)

        def fixed(url: str, headers: Headers, k: int) -> AWSRequest:
            with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
                return run(url, headers, k)

        return fixed

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        if w.presign:
            return Wire(w.method, out, list(headers), w.body)
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

    @staticmethod
    def _config(
        provider: awscrt.auth.AwsCredentialsProvider, presign: bool, now: datetime | None = None
    ) -> awscrt.auth.AwsSigningConfig:
        kind = awscrt.auth.AwsSignatureType
        return awscrt.auth.AwsSigningConfig(
            algorithm=awscrt.auth.AwsSigningAlgorithm.V4,
            signature_type=kind.HTTP_REQUEST_QUERY_PARAMS if presign else kind.HTTP_REQUEST_HEADERS,
            credentials_provider=provider,
            region=REGION,
            service=SERVICE,
            date=now,
            expiration_in_seconds=3600 if presign else None,
        )

    def make(self, w: Workload, now: datetime | None = None) -> Run:
        sign = awscrt.auth.aws_sign_request
        CrtRequest, CrtHeaders = awscrt.http.HttpRequest, awscrt.http.HttpHeaders
        method, body, presign = w.method, w.body, w.presign
        new_config = self._config
        configs: dict[int, awscrt.auth.AwsSigningConfig] = {}
        providers: dict[int, awscrt.auth.AwsCredentialsProvider] = {}

        def new_provider(k: int) -> awscrt.auth.AwsCredentialsProvider:
            p = providers[k] = awscrt.auth.AwsCredentialsProvider.new_static(*w.credentials(k))
            return p

        def config_for(k: int) -> awscrt.auth.AwsSigningConfig:
            provider = providers.get(k) or new_provider(k)
            if not self.shared:
                return new_config(provider, presign, now)
            c = configs.get(k)
            if c is None:
                c = configs[k] = new_config(provider, presign, now)
            return c

        def run(url: str, headers: Headers, k: int) -> Any:
            parts = urlsplit(url)
            target = f"{parts.path}?{parts.query}" if parts.query else parts.path
            request = CrtRequest(
                method,
                target,
                CrtHeaders([("Host", parts.netloc), *headers]),
                io.BytesIO(body) if body else None,
            )
            signed = sign(request, config_for(k)).result()
            if presign:
                return f"https://{HOST}{signed.path}"
            return signed

        return run

    def make_fixed(self, w: Workload, now: datetime) -> Run:
        return self.make(w, now)

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        if w.presign:
            return Wire(w.method, out, list(headers), w.body)
        return Wire(w.method, f"https://{HOST}{out.path}", list(out.headers), w.body)


def _prepare(method: str, url: str, headers: Headers, body: bytes) -> Any:
    return requests.Request(method, url, headers=dict(headers), data=body or None).prepare()


class RequestsAws4Auth(Signer):
    name = "requests-aws4auth"
    note = "also signs x-amz-content-sha256"

    def make(self, w: Workload) -> Run | None:
        if w.presign:
            return None
        # By default it signs only host, content-type, date and x-amz-*; give it
        # every header botocore signs so that it does the same job.
        include = {"host", "content-type", "date", "x-amz-*"}
        include |= {n.lower() for n, _ in w.headers if n.lower() not in _UNSIGNED}
        auths: dict[int, Any] = {}

        def new_auth(k: int) -> Any:
            access, secret, token = w.credentials(k)
            auth = auths[k] = AWS4Auth(
                access, secret, REGION, SERVICE, session_token=token, include_hdrs=include
            )
            return auth

        method, body = w.method, w.body

        def run(url: str, headers: Headers, k: int) -> Any:
            return (auths.get(k) or new_auth(k))(_prepare(method, url, headers, body))

        return run

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        return Wire(w.method, out.url, list(out.headers.items()), w.body)


class AwsRequestsAuth(Signer):
    name = "aws-requests-auth"
    note = "signs only host, x-amz-date, x-amz-security-token"

    def make(self, w: Workload) -> Run | None:
        if w.presign:
            return None
        auths: dict[int, Any] = {}

        def new_auth(k: int) -> Any:
            access, secret, token = w.credentials(k)
            auth = auths[k] = AWSRequestsAuth(
                aws_access_key=access,
                aws_secret_access_key=secret,
                aws_host=HOST,
                aws_region=REGION,
                aws_service=SERVICE,
                aws_token=token,
            )
            return auth

        method, body = w.method, w.body

        def run(url: str, headers: Headers, k: int) -> Any:
            return (auths.get(k) or new_auth(k))(_prepare(method, url, headers, body))

        return run

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        return Wire(w.method, out.url, list(out.headers.items()), w.body)


class RequestsPrepareOnly(Signer):
    """Not a signer: what requests.Request(...).prepare() alone costs, for reference."""

    name = "(requests prepare only)"

    def make(self, w: Workload) -> Run | None:
        if w.presign:
            return None
        method, body = w.method, w.body
        return lambda url, headers, k: _prepare(method, url, headers, body)


def signing_key(date: str, secret: str = SECRET_KEY) -> bytes:
    """kSigning, written out from the SigV4 specification (for the floor and the checks)."""
    k = hmac.digest(("AWS4" + secret).encode(), date.encode(), "sha256")
    for part in (REGION, SERVICE, "aws4_request"):
        k = hmac.digest(k, part.encode(), "sha256")
    return k


class MinimalSigner(Signer):
    """A minimal SigV4 signer on hmac and hashlib: what a careful few dozen lines do.

    The textbook algorithm with the standard library: ``urllib.parse`` to split
    the URL and read the query, ``quote`` to encode, the signing key cached per
    secret and day (as any signer should), and none of the checks sigv4client
    makes (header injection, IDNA, tokens, dot segments, a body that is not
    bytes). It signs what botocore signs: every header but botocore's unsigned
    ones, plus host, x-amz-date and the session token.
    """

    name = "(minimal signer)"

    def make(self, w: Workload) -> Run | None:
        if w.presign:
            return None
        method, body = w.method, w.body
        keys: dict[tuple[str, str], bytes] = {}
        sha256, new_hmac, strftime, gmtime = hashlib.sha256, hmac.new, time.strftime, time.gmtime
        unsigned = _UNSIGNED
        creds: dict[int, tuple[str, str, str]] = {}

        def new_creds(k: int) -> tuple[str, str, str]:
            c = creds[k] = w.credentials(k)
            return c

        def run(url: str, headers: Headers, k: int) -> tuple[str, list[tuple[str, str]]]:
            access, secret, token = creds.get(k) or new_creds(k)
            parts = urlsplit(url)
            amz_date = strftime("%Y%m%dT%H%M%SZ", gmtime())
            date = amz_date[:8]
            key = keys.get((secret, date))
            if key is None:
                key = keys[secret, date] = signing_key(date, secret)
            query = sorted(
                (quote(n, safe="-_.~"), quote(v, safe="-_.~"))
                for n, v in parse_qsl(parts.query, keep_blank_values=True)
            )
            signed = {"host": parts.netloc, "x-amz-date": amz_date, "x-amz-security-token": token}
            for n, v in headers:
                n = n.lower()
                if n not in unsigned:
                    signed[n] = " ".join(v.split())
            names = sorted(signed)
            signed_headers = ";".join(names)
            canonical_request = "\n".join(
                (
                    method,
                    quote(parts.path or "/", safe="/~"),
                    "&".join(f"{n}={v}" for n, v in query),
                    "".join(f"{n}:{signed[n]}\n" for n in names),
                    signed_headers,
                    sha256(body).hexdigest(),
                )
            )
            scope = f"{date}/{REGION}/{SERVICE}/aws4_request"
            string_to_sign = (
                f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n"
                f"{sha256(canonical_request.encode()).hexdigest()}"
            )
            signature = new_hmac(key, string_to_sign.encode(), sha256).hexdigest()
            return url, [
                ("X-Amz-Date", amz_date),
                ("X-Amz-Security-Token", token),
                (
                    "Authorization",
                    f"AWS4-HMAC-SHA256 Credential={access}/{scope}, "
                    f"SignedHeaders={signed_headers}, Signature={signature}",
                ),
            ]

        return run

    def wire(self, w: Workload, headers: Headers, out: Any) -> Wire:
        url, own = out
        return Wire(w.method, url, [*headers, *own], w.body)


class CryptoFloor(Signer):
    """Not a signer: the hashing any SigV4 signer must do, with the key cached.

    Two SHA-256 (canonical request, body) and one HMAC-SHA256 (string to sign),
    on the real strings of this workload, as cheaply as the standard library
    does them: with the key cached, so are the SHA-256 states of its two HMAC
    pad blocks (RFC 2104), and each HMAC copies them (``hmac.digest()``'s
    one-shot call rebuilds both, and under OpenSSL 3 looks the MAC up, every
    call: about three times the cost, ten where a client signs).
    """

    name = "(crypto floor)"

    def make(self, w: Workload) -> Run | None:
        fixed = SigV4Client().make_fixed(w, datetime.now(timezone.utc))
        result = fixed(w.url, w.headers, 0)
        if w.presign:
            return None
        return floor_hashing(result.canonical_request, result.string_to_sign, w.body)


def floor_hashing(canonical_request: str, string_to_sign: str, body: bytes) -> Callable[..., str]:
    """The crypto floor's work for one request's strings: returns its signature.

    Called with any arguments (a Run's), which it ignores: no frame around it.

    The SHA-256 of the canonical request and of the body, and the HMAC of the
    string to sign under the key of its date, the pad blocks' states kept.
    """
    canonical, to_sign = canonical_request.encode(), string_to_sign.encode()
    block = signing_key(string_to_sign.split("\n")[1][:8]).ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    sha256 = hashlib.sha256

    def run(*_: object) -> str:
        sha256(canonical).hexdigest()
        sha256(body).hexdigest()
        h = inner.copy()
        h.update(to_sign)
        mac = outer.copy()
        mac.update(h.digest())
        return mac.hexdigest()

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
        MinimalSigner(),
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
