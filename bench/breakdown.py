"""Where one cold sign() spends its time: each step timed on its own.

``python bench/breakdown.py [--repeat N]`` prints one JSON object: for W1-cold
(a URL never seen before) and W2 (a 4 KiB JSON POST), the time of the whole
``HttpRequest(...)`` + ``sign()``, and of each step it takes, run on that
workload's real strings: building the request, canonicalizing a URL that
misses the cache, the SHA-256 of the canonical request (it holds the
800-character session token; for W2, whose URL repeats within the second,
only the payload-hash line after a copy of the state that hashed the rest),
the string to sign and its HMAC, the SHA-256 of the body, building the
result. What the steps leave of the whole is the glue (function calls, cache
lookups, string assembly).

Each figure is the best of ``--repeat`` batches (the machine's noise only
adds time), in microseconds. The steps call the package's private functions,
as sign() does; nothing here is a test.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import itertools
import json
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import BASE, REGION, SERVICE, W2_BODY, credentials_for

import sigv4client
from sigv4client import _canonical, signing
from sigv4client.models import _signing_result

BATCH = 2000


def _best(step: Callable[[], object], repeat: int) -> float:
    gc.disable()
    try:
        return min(timeit.repeat(step, number=BATCH, repeat=repeat)) / BATCH * 1e6
    finally:
        gc.enable()


def _steps(
    method: str,
    url_of: Callable[[], str],
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    creds: sigv4client.Credentials,
    config: sigv4client.SigningConfig,
    *,
    repeated: bool,
) -> dict[str, Callable[[], object]]:
    """The whole of one request's signing, and each step of it, as sign() takes them."""
    HttpRequest, sign = sigv4client.HttpRequest, sigv4client.sign
    sample = sign(
        HttpRequest(method=method, url=url_of(), headers=headers, body=body), creds, config
    )
    key = signing._signing_key(
        creds.secret_access_key, sample.amz_date[:8], config.region, config.service
    )
    canonical = sample.canonical_request.encode()
    hashed_request = hashlib.sha256(canonical).hexdigest()
    # A URL repeated within the second: its canonical request but for the payload
    # hash is hashed once, then each request copies that state (signing._last_prefix).
    payload = sample.payload_hash.encode()
    prefix = hashlib.sha256(canonical[: -len(payload)])

    def hash_payload_line() -> str:
        state = prefix.copy()
        state.update(payload)
        return state.hexdigest()

    fields = (
        sample.headers,
        sample.url,
        sample.authorization,
        sample.signature,
        sample.canonical_request,
        sample.string_to_sign,
        sample.credential_scope,
        sample.signed_headers,
        sample.amz_date,
        sample.payload_hash,
    )
    return {
        WHOLE: lambda: sign(
            HttpRequest(method=method, url=url_of(), headers=headers, body=body), creds, config
        ),
        "build the HttpRequest": lambda: HttpRequest(
            method=method, url=url_of(), headers=headers, body=body
        ),
        "canonicalize the URL (cache miss)": lambda: _canonical.signing_target.__wrapped__(
            url_of(), True, True
        ),
        "SHA-256 of the canonical request": (
            hash_payload_line if repeated else lambda: hashlib.sha256(canonical).hexdigest()
        ),
        "string to sign and its HMAC": lambda: key.signature(hashed_request, sample.amz_date),
        "SHA-256 of the body": lambda: signing.payload_hash(body),
        "build the SigningResult": lambda: _signing_result(*fields),
    }


WHOLE = "HttpRequest(...) + sign(), whole"


def breakdown(repeat: int) -> dict[str, dict[str, float]]:
    access, secret, token = credentials_for(0)
    creds = sigv4client.Credentials(
        access_key_id=access, secret_access_key=secret, session_token=token
    )
    config = sigv4client.SigningConfig(region=REGION, service=SERVICE)
    # Enough distinct URLs that none is met twice: every one misses the caches.
    fresh = (f"{BASE}/prod/items/{i}?limit=10&next=a%2F{i}" for i in itertools.count())
    shapes = {
        "W1-cold": _steps("GET", lambda: next(fresh), (), b"", creds, config, repeated=False),
        "W2": _steps(
            "POST",
            lambda: f"{BASE}/prod/items",
            (("Content-Type", "application/json"),),
            W2_BODY,
            creds,
            config,
            repeated=True,
        ),
    }
    # W2 repeats one URL: its canonicalization is a cache hit, part of the rest.
    del shapes["W2"]["canonicalize the URL (cache miss)"]
    out: dict[str, dict[str, float]] = {}
    for name, steps in shapes.items():
        times = {step: _best(run, repeat) for step, run in steps.items()}
        times["the rest (calls, cache lookups, string assembly)"] = times[WHOLE] - sum(
            t for step, t in times.items() if step != WHOLE
        )
        out[name] = times
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=25, help="batches per step (best kept)")
    args = parser.parse_args()
    print(json.dumps(breakdown(args.repeat)))


if __name__ == "__main__":
    main()
