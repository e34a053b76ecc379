"""sign() and presign() against botocore on generated wire-format requests.

botocore is the incumbent signer that AWS's own SDK uses; on every request it
accepts the way it is meant to be used, our canonical request and signature
must equal its own, byte for byte.
"""

from __future__ import annotations

import string
from datetime import datetime
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from sigv4client import Credentials, HttpRequest, SigningConfig, presign, sign
from sigv4client.verification import default_config_for
from tests import strategies as s
from tests.botocore_oracle import botocore_presign, botocore_sign
from tests.support.profiles import examples

ACCESS = "AKIDEXAMPLE"
secrets = st.text(alphabet=string.ascii_letters + string.digits + "/+", min_size=1, max_size=40)


@settings(max_examples=examples(2500), deadline=None)
@given(
    scheme=s.schemes,
    host=s.hosts,
    path=s.paths,
    query=s.query_pairs,
    headers=s.headers,
    body=s.bodies,
    method=s.methods,
    token=s.tokens,
    secret=secrets,
    region=s.regions,
    service=s.services,
    now=s.instants,
    explicit_host=st.booleans(),
)
def test_sign_matches_botocore(
    scheme: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes,
    method: str,
    token: str | None,
    secret: str,
    region: str,
    service: str,
    now: datetime,
    explicit_host: bool,
) -> None:
    qs = s.encode_query(query)
    url = f"{scheme}://{host}{path}" + (f"?{qs}" if qs else "")
    if explicit_host:
        headers = [
            ("Host", host.lower().removesuffix(":443" if scheme == "https" else ":80")),
            *headers,
        ]
    ours = sign(
        HttpRequest(method=method, url=url, headers=headers, body=body),
        Credentials(access_key_id=ACCESS, secret_access_key=secret, session_token=token),
        SigningConfig(region=region, service=service),
        now=now,
    )
    theirs = botocore_sign(
        method=method,
        url=url,
        headers=headers,
        body=body,
        access_key=ACCESS,
        secret_key=secret,
        token=token,
        region=region,
        service=service,
        now=now,
    )
    assert ours.authorization == theirs.headers["Authorization"]
    assert dict(ours.headers)["X-Amz-Date"] == theirs.headers["X-Amz-Date"]
    if token is not None:
        assert dict(ours.headers)["X-Amz-Security-Token"] == theirs.headers["X-Amz-Security-Token"]
    # A wire-format query needs no re-encoding: the URL goes out as given.
    assert ours.url == url


# botocore keeps an X-Amz-* auth parameter already in the URL and adds its own
# beside it (a duplicate); we replace it. That difference is tested on its own
# in test_signing.py, so the generated keys avoid those names here.
AUTH_PARAMS = {
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
}
unique_query = st.lists(
    st.tuples(s.components.filter(lambda k: k not in AUTH_PARAMS), s.components),
    max_size=6,
    unique_by=lambda kv: kv[0],
)


@settings(max_examples=examples(1500), deadline=None)
@given(
    scheme=st.sampled_from(["https", "http"]),
    host=s.hosts,
    path=s.paths,
    query=unique_query,
    headers=s.headers,
    method=s.methods,
    token=s.tokens,
    secret=secrets,
    region=s.regions,
    service=s.services,
    now=s.instants,
    expires=st.integers(min_value=1, max_value=604800),
)
def test_presign_matches_botocore(
    scheme: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    method: str,
    token: str | None,
    secret: str,
    region: str,
    service: str,
    now: datetime,
    expires: int,
) -> None:
    # botocore's query signer keeps one value per key (it goes through a dict),
    # so keys are unique here; repeated keys are covered by the other tests.
    qs = s.encode_query(query)
    url = f"{scheme}://{host}{path}" + (f"?{qs}" if qs else "")
    ours = presign(
        HttpRequest(method=method, url=url, headers=headers),
        Credentials(access_key_id=ACCESS, secret_access_key=secret, session_token=token),
        SigningConfig(region=region, service=service),
        expires_in=expires,
        now=now,
    )
    theirs = botocore_presign(
        method=method,
        url=url,
        headers=headers,
        body=b"",
        access_key=ACCESS,
        secret_key=secret,
        token=token,
        region=region,
        service=service,
        now=now,
        expires=expires,
    )
    assert ours == theirs


s3_segments = st.one_of(
    s.components.map(lambda x: quote(x, safe="")), st.sampled_from([".", "..", ""])
)
s3_paths = st.lists(s3_segments, max_size=5).map(lambda segs: "/" + "/".join(segs))


@settings(max_examples=examples(500), deadline=None)
@given(
    host=s.hosts,
    path=s3_paths,
    query=s.query_pairs,
    headers=s.headers,
    body=s.bodies,
    method=s.methods,
    token=s.tokens,
    secret=secrets,
    region=s.regions,
    now=s.instants,
)
def test_s3_rules_match_botocore_s3_signer(
    host: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes,
    method: str,
    token: str | None,
    secret: str,
    region: str,
    now: datetime,
) -> None:
    # S3: the path is neither normalized nor encoded twice, and the payload
    # hash travels as X-Amz-Content-SHA256. (Plain http, where botocore always
    # signs the payload.)
    qs = s.encode_query(query)
    url = f"http://{host}{path}" + (f"?{qs}" if qs else "")
    cfg = SigningConfig(
        region=region,
        service="s3",
        normalize_path=False,
        double_encode_path=False,
        content_sha256_header=True,
    )
    ours = sign(
        HttpRequest(method=method, url=url, headers=headers, body=body),
        Credentials(access_key_id=ACCESS, secret_access_key=secret, session_token=token),
        cfg,
        now=now,
    )
    theirs = botocore_sign(
        method=method,
        url=url,
        headers=headers,
        body=body,
        access_key=ACCESS,
        secret_key=secret,
        token=token,
        region=region,
        service="s3",
        now=now,
        s3=True,
    )
    assert ours.authorization == theirs.headers["Authorization"]
    assert dict(ours.headers)["X-Amz-Content-SHA256"] == theirs.headers["X-Amz-Content-SHA256"]


@settings(max_examples=examples(300), deadline=None)
@given(
    host=s.hosts,
    path=s3_paths,
    query=unique_query,
    token=s.tokens,
    secret=secrets,
    region=s.regions,
    now=s.instants,
    expires=st.integers(min_value=1, max_value=604800),
    body=s.bodies,
    service=st.sampled_from(["s3", "s3-object-lambda"]),
)
def test_s3_presign_matches_botocore_s3_query_signer(
    service: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    token: str | None,
    secret: str,
    region: str,
    now: datetime,
    expires: int,
    body: bytes,
) -> None:
    # Presigned S3 URLs sign UNSIGNED-PAYLOAD, whatever the body; so do those of
    # S3 Object Lambda access points, S3 requests under another signing name.
    qs = s.encode_query(query)
    url = f"https://{host}{path}" + (f"?{qs}" if qs else "")
    cfg = default_config_for(region, service)
    ours = presign(
        HttpRequest(method="PUT", url=url, body=body),
        Credentials(access_key_id=ACCESS, secret_access_key=secret, session_token=token),
        cfg,
        expires_in=expires,
        now=now,
    )
    theirs = botocore_presign(
        method="PUT",
        url=url,
        headers=[],
        body=b"",
        access_key=ACCESS,
        secret_key=secret,
        token=token,
        region=region,
        service=service,
        now=now,
        expires=expires,
        s3=True,
    )
    assert ours == theirs
