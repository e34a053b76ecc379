"""The benchmark workloads: one request shape each, all with temporary credentials.

Every workload is an API Gateway request to the same host, signed for
``execute-api`` in ``us-east-1`` with an access key, a secret key and a session
token of realistic length (STS tokens are several hundred characters long and
go into a signed header, so they are part of what gets hashed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

HOST = "abc123.execute-api.us-east-1.amazonaws.com"
BASE = f"https://{HOST}"
REGION = "us-east-1"
SERVICE = "execute-api"
ACCESS_KEY = "ASIAQEXAMPLEEXAMPLE7"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
# 800 characters from the base64 alphabet, like an STS session token.
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjE" + "".join(_B64[(i * 37 + 11) % 64] for i in range(781)) + "=="

W1_URL = f"{BASE}/prod/items/42?limit=10&next=a%2Fb"
# W1-cold changes the credentials every this many requests (a new secret and token).
ROTATE_EVERY = 100


# The presign workload's token: ~950 characters, as long as the STS tokens of
# assumed roles with session tags get.
PRESIGN_TOKEN = "IQoJb3JpZ2luX2VjE" + "".join(_B64[(i * 29 + 5) % 64] for i in range(931)) + "=="


def credentials_for(k: int, token: str = SESSION_TOKEN) -> tuple[str, str, str]:
    """The k-th set of (access key, secret key, session token); k = 0 is the base one.

    Sets with k > 0 stand for refreshed temporary credentials: the same shape,
    another secret and another token of the same length.
    """
    if k == 0:
        return ACCESS_KEY, SECRET_KEY, token
    tag = f"{k:08d}"
    return ACCESS_KEY, SECRET_KEY[:-8] + tag, token[:-10] + tag + "=="


# Fifteen headers a browser-like or SDK-like client sends. User-Agent is one
# of them: botocore, awscrt and sigv4client leave it unsigned by design.
W4_HEADERS: tuple[tuple[str, str], ...] = (
    ("Accept", "application/json"),
    ("Accept-Encoding", "gzip, deflate"),
    ("Accept-Language", "en-US,en;q=0.9"),
    ("Cache-Control", "no-cache"),
    ("Content-Type", "application/json"),
    ("User-Agent", "sigv4client-bench/1.0 Python/3"),
    ("X-Request-Id", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"),
    ("X-Correlation-Id", "6fa459ea-ee8a-3ca4-894e-db77e160355e"),
    ("X-Api-Version", "2024-01-01"),
    ("X-Client-Name", "bench"),
    ("X-Tenant-Id", "tenant-42"),
    ("X-Feature-Flags", "alpha, beta"),
    ("If-None-Match", '"33a64df551425fcc55e4d42a148795d9f25f89d4"'),
    ("Origin", "https://example.com"),
    ("Referer", "https://example.com/app/items?view=grid"),
)


def _w4_query(i: int) -> str:
    # Twenty parameters, encoded the way SigV4 wants them on the wire (unreserved
    # characters kept, everything else %XX), some of them needing that encoding.
    params = [
        ("limit", "50"),
        ("offset", str(i)),
        ("sort", "-created_at"),
        ("filter", "status=active"),
        ("q", "red shoes"),
        ("fields", "id,name,price"),
        ("lang", "en"),
        ("currency", "EUR"),
        ("min_price", "10.5"),
        ("max_price", "99.99"),
        ("tag", "sale"),
        ("tag", "new"),
        ("category", "footwear/sneakers"),
        ("brand", "ACME"),
        ("size", "42"),
        ("color", "red"),
        ("in_stock", "true"),
        ("since", "2024-01-01T00:00:00Z"),
        ("cursor", "eyJpZCI6NDJ9"),
        ("trace", "off"),
    ]
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)


_W2_BODY = json.dumps(
    {
        "id": "item-42",
        "name": "A thing with a name",
        "tags": ["alpha", "beta", "gamma", "delta"],
        "price": {"amount": 1999, "currency": "EUR"},
        "lines": [{"sku": f"SKU-{i:05d}", "qty": i % 7 + 1, "note": "n" * 40} for i in range(40)],
    },
    separators=(",", ":"),
).encode()
W2_BODY = _W2_BODY + b" " * (4096 - len(_W2_BODY))  # exactly 4 KiB of JSON
assert len(W2_BODY) == 4096


@dataclass(frozen=True)
class Workload:
    """One request shape. ``url_for(i)`` gives the i-th URL of a distinct-URL run."""

    key: str
    title: str
    method: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    distinct: bool = False
    # How a distinct-URL run varies the URL; warm runs always use url_for(0).
    url_kind: str = "w1"
    # Change the credentials every this many requests (None: one set throughout).
    rotate_every: int | None = None
    # A presigned URL rather than a signed request (only the signers that presign).
    presign: bool = False
    token: str = SESSION_TOKEN

    def credentials(self, k: int) -> tuple[str, str, str]:
        """The k-th set of credentials of this workload (access key, secret, token)."""
        return credentials_for(k, self.token)

    def credentials_index(self, i: int) -> int:
        """Which set of credentials (see credentials_for) the i-th request uses."""
        return 0 if self.rotate_every is None else i // self.rotate_every

    def headers_for(self, i: int) -> tuple[tuple[str, str], ...]:
        """The i-th request's headers: a distinct W4 also sends a new X-Request-Id."""
        if not (self.distinct and self.url_kind == "w4"):
            return self.headers
        request_id = f"1b4e28ba-2fa1-11d2-883f-{i:012x}"
        return tuple((n, request_id if n == "X-Request-Id" else v) for n, v in self.headers)

    def url_for(self, i: int) -> str:
        if self.url_kind == "w1":
            if not self.distinct:
                return W1_URL
            return f"{BASE}/prod/items/{i}?limit=10&next=a%2F{i}"
        if self.url_kind == "w2":
            return f"{BASE}/prod/items"
        if self.url_kind == "w3":
            return f"{BASE}/prod/blobs/photo-42.jpg"
        if self.url_kind == "presign":
            query = "&".join(f"p{j:02d}=value-{j}" for j in range(15))
            return f"{BASE}/prod/download?{query}&object=reports%2F2026%2F{i}.csv"
        if self.url_kind == "w4":
            n = i if self.distinct else 0
            return f"{BASE}/prod/catalog/{n}/search?{_w4_query(n)}"
        raise ValueError(self.url_kind)

    @property
    def url(self) -> str:
        return self.url_for(0)


def workloads(big_body: bytes) -> list[Workload]:
    """The timed workloads, in table order. ``big_body`` is the W3 body (16 MiB)."""
    json_type = (("Content-Type", "application/json"),)
    return [
        Workload(key="W1", title="GET, cache-warm URL", method="GET", headers=(), body=b""),
        Workload(
            key="W1-cold",
            title="GET, a new path and query each request, new credentials every 100",
            method="GET",
            headers=(),
            body=b"",
            distinct=True,
            rotate_every=ROTATE_EVERY,
        ),
        Workload(
            key="W2",
            title="POST, 4 KiB JSON",
            method="POST",
            headers=json_type,
            body=W2_BODY,
            url_kind="w2",
        ),
        Workload(
            key="W4",
            title="GET, 20 query params + 15 headers",
            method="GET",
            headers=W4_HEADERS,
            body=b"",
            url_kind="w4",
        ),
        Workload(
            key="W4-distinct",
            title="W4, distinct URL and X-Request-Id each request",
            method="GET",
            headers=W4_HEADERS,
            body=b"",
            distinct=True,
            url_kind="w4",
        ),
        Workload(
            key="P",
            title="presign GET, 16 query params, ~950-character session token",
            method="GET",
            headers=(),
            body=b"",
            url_kind="presign",
            presign=True,
            token=PRESIGN_TOKEN,
        ),
        Workload(
            key="W3",
            title="PUT, 16 MiB body (bytes)",
            method="PUT",
            headers=(("Content-Type", "application/octet-stream"),),
            body=big_body,
            url_kind="w3",
        ),
    ]
