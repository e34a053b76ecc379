"""W3 in a fresh process: time and peak memory of signing one large body.

``python bench/streaming.py SIGNER CASE PATH [--tracemalloc]`` signs a PUT whose
body is the file at PATH (CASE ``file``: the open file object, streamed) or
its first 16 MiB read into ``bytes`` (CASE ``bytes``), and prints one JSON line:
seconds, the growth of the process's peak RSS across the signing (VmHWM reset
just before, on Linux; else ru_maxrss),
the tracemalloc peak when asked, and the payload hash or the error.

``throughput`` instead of a signer alternates sigv4client's sign() with
``hashlib.file_digest`` on the same file, REPEAT times each, and prints both
lists of timings.

A separate process per measurement, so that one signer's peak cannot hide
another's, and so that the parent's memory does not count.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import resource
import sys
import time
import tracemalloc
from typing import Any

from workloads import ACCESS_KEY, BASE, HOST, REGION, SECRET_KEY, SERVICE, SESSION_TOKEN

URL = f"{BASE}/prod/blobs/photo-42.jpg"
BYTES_SIZE = 16 << 20


def _status(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return None


def _reset_peak() -> tuple[int, str]:
    """Reset the peak RSS to the current RSS where Linux allows it; return the baseline.

    Writing 5 to /proc/self/clear_refs resets VmHWM (the peak that ru_maxrss
    reports), so that the peak measured after signing is the signing's own and
    not the one reached while importing modules.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        rss = _status("VmRSS")
        if rss is not None:
            return rss, "VmHWM"
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "ru_maxrss"


def _peak(how: str) -> int:
    if how == "VmHWM":
        hwm = _status("VmHWM")
        if hwm is not None:
            return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _signer(name: str) -> Any:
    """A function body -> payload hash (or a marker) that signs a PUT with that body."""
    if name == "sigv4client":
        import sigv4client

        creds = sigv4client.Credentials(
            access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=SESSION_TOKEN
        )
        config = sigv4client.SigningConfig(region=REGION, service=SERVICE)

        def run(body: Any) -> str:
            request = sigv4client.HttpRequest(method="PUT", url=URL, body=body)
            return sigv4client.sign(request, creds, config).payload_hash

        return run
    if name == "botocore":
        import botocore.auth
        import botocore.credentials
        from botocore.awsrequest import AWSRequest

        signer = botocore.auth.SigV4Auth(
            botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN),
            SERVICE,
            REGION,
        )

        def run(body: Any) -> str:
            request = AWSRequest(method="PUT", url=URL, data=body)
            signer.add_auth(request)
            return str(signer.payload(request))

        return run
    if name == "awscrt":
        import awscrt.auth
        import awscrt.http

        provider = awscrt.auth.AwsCredentialsProvider.new_static(
            ACCESS_KEY, SECRET_KEY, SESSION_TOKEN
        )

        def run(body: Any) -> str:
            stream = io.BytesIO(body) if isinstance(body, bytes) else body
            request = awscrt.http.HttpRequest(
                "PUT", "/prod/blobs/photo-42.jpg", awscrt.http.HttpHeaders([("Host", HOST)]), stream
            )
            config = awscrt.auth.AwsSigningConfig(
                credentials_provider=provider, region=REGION, service=SERVICE
            )
            awscrt.auth.aws_sign_request(request, config).result()
            return "(signed)"

        return run
    if name in ("requests-aws4auth", "aws-requests-auth"):
        import requests

        if name == "requests-aws4auth":
            from requests_aws4auth import AWS4Auth

            auth: Any = AWS4Auth(
                ACCESS_KEY, SECRET_KEY, REGION, SERVICE, session_token=SESSION_TOKEN
            )
        else:
            from aws_requests_auth.aws_auth import AWSRequestsAuth

            auth = AWSRequestsAuth(
                aws_access_key=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
                aws_host=HOST,
                aws_region=REGION,
                aws_service=SERVICE,
                aws_token=SESSION_TOKEN,
            )

        def run(body: Any) -> str:
            prepared = auth(requests.Request("PUT", URL, data=body).prepare())
            return str(prepared.headers.get("x-amz-content-sha256", "(signed)"))

        return run
    if name == "hashlib":
        # The floor: hashing the same body with the standard library, nothing else.
        def run(body: Any) -> str:
            if isinstance(body, bytes):
                return hashlib.sha256(body).hexdigest()
            return hashlib.file_digest(body, "sha256").hexdigest()

        return run
    raise SystemExit(f"unknown signer {name!r}")


def measure(name: str, case: str, path: str, use_tracemalloc: bool) -> dict[str, Any]:
    run = _signer(name)
    with open(path, "rb") as f:
        body: Any = f.read(BYTES_SIZE) if case == "bytes" else f
        gc.collect()
        if use_tracemalloc:
            tracemalloc.start()
        before, how = _reset_peak()
        t0 = time.perf_counter()
        try:
            result: dict[str, Any] = {"payload_hash": run(body)}
        except Exception as exc:  # a competitor that cannot sign this body
            result = {"error": f"{type(exc).__name__}: {exc}"[:160]}
        result["seconds"] = time.perf_counter() - t0
        result["rss_growth"] = _peak(how) - before
        result["rss_how"] = how
        if use_tracemalloc:
            result["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    return result


def throughput(path: str, repeat: int) -> dict[str, list[float]]:
    ours, floor = _signer("sigv4client"), _signer("hashlib")
    times: dict[str, list[float]] = {"sigv4client": [], "hashlib": []}
    digests = set()
    with open(path, "rb") as f:
        for _ in range(repeat):
            for name, run in (("hashlib", floor), ("sigv4client", ours)):
                f.seek(0)
                t0 = time.perf_counter()
                digests.add(run(f))
                times[name].append(time.perf_counter() - t0)
    if len(digests) != 1:
        raise SystemExit(f"sigv4client's payload hash differs from hashlib's: {digests}")
    return times


def main(argv: list[str]) -> None:
    if argv[0] == "throughput":
        print(json.dumps(throughput(argv[1], int(argv[2]))))
    else:
        print(json.dumps(measure(argv[0], argv[1], argv[2], "--tracemalloc" in argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
