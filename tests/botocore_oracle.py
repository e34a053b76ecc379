"""botocore's signers used as an independent oracle (never our code)."""

from __future__ import annotations

from datetime import datetime
from unittest import mock

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest, HTTPHeaders


def _request(method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> AWSRequest:
    req = AWSRequest(method=method, url=url, data=body)
    h = HTTPHeaders()
    for name, value in headers:
        h[name] = value  # email.message semantics: appends, keeping duplicates in order
    req.headers = h
    return req


def botocore_sign(
    *,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    access_key: str,
    secret_key: str,
    token: str | None,
    region: str,
    service: str,
    now: datetime,
    s3: bool = False,
) -> AWSRequest:
    creds = botocore.credentials.Credentials(access_key, secret_key, token)
    req = _request(method, url, headers, body)
    signer_class = botocore.auth.S3SigV4Auth if s3 else botocore.auth.SigV4Auth
    # Pin botocore's clock (the oracle's, not ours) to the same instant.
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
        signer_class(creds, service, region).add_auth(req)
    return req


def botocore_presign(
    *,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    access_key: str,
    secret_key: str,
    token: str | None,
    region: str,
    service: str,
    now: datetime,
    expires: int,
    s3: bool = False,
) -> str:
    creds = botocore.credentials.Credentials(access_key, secret_key, token)
    req = _request(method, url, headers, body)
    signer_class = botocore.auth.S3SigV4QueryAuth if s3 else botocore.auth.SigV4QueryAuth
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
        signer_class(creds, service, region, expires=expires).add_auth(req)
    return str(req.url)
