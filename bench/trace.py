"""The signer's caches on a realistic trace: hit rates, and the memory they hold.

``python bench/trace.py`` (a fresh process, so that the caches start empty)
signs 10,000 requests of a REST API's traffic over three hours and prints one
JSON object: per cache its hits, misses, size and bound, and the memory the
caches hold at the end (tracemalloc: what clearing them frees).

The trace: requests one second apart or so; paths with user ids drawn from a
skewed distribution (a third for 100 hot users, the rest spread over 50,000,
so most URLs are new to the caches); three header variants (a JSON GET, the
same with Accept-Language, a JSON POST with its body), each also carrying a
User-Agent and a per-request
``traceparent``, which are not signed; temporary credentials refreshed every
hour (a new secret key and session token).
"""

from __future__ import annotations

import gc
import json
import random
import sys
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import BASE, REGION, SERVICE, credentials_for

import sigv4client
import sigv4client._canonical
import sigv4client.signing

REQUESTS = 10_000
START = datetime(2026, 3, 3, 9, 0, 0, tzinfo=timezone.utc)
SPAN = timedelta(hours=3)
MODULES = (sigv4client._canonical, sigv4client.signing)


def caches() -> dict[str, Any]:
    out = {}
    for module in MODULES:
        for name, value in vars(module).items():
            if callable(getattr(value, "cache_info", None)):
                out[f"{module.__name__.rpartition('.')[2]}.{name}"] = value
    return out


def trace(seed: int = 7) -> list[tuple[sigv4client.HttpRequest, int, datetime]]:
    """The requests, each with its credentials set (the hour) and its time."""
    rng = random.Random(seed)
    step = SPAN / REQUESTS
    out = []
    for j in range(REQUESTS):
        # Skewed ids: a third of the requests for 100 hot users, the rest spread
        # over 50,000 (most of those seen once).
        user = rng.randrange(100) if rng.random() < 0.33 else rng.randrange(100, 50_100)
        ua = ("User-Agent", "app/2.3 (iPhone; iOS 17.4)")
        traceparent = (
            "traceparent",
            f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01",
        )
        variant = rng.random()
        if variant < 0.5:
            url = f"{BASE}/prod/users/{user}"
            headers: tuple[tuple[str, str], ...] = (("Accept", "application/json"), ua, traceparent)
            request = sigv4client.HttpRequest(method="GET", url=url, headers=headers)
        elif variant < 0.8:
            page = rng.randint(1, 5)
            url = f"{BASE}/prod/users/{user}/orders?limit=20&page={page}"
            headers = (
                ("Accept", "application/json"),
                ("Accept-Language", "en-GB,en;q=0.8"),
                ua,
                traceparent,
            )
            request = sigv4client.HttpRequest(method="GET", url=url, headers=headers)
        else:
            body = json.dumps({"user": user, "item": rng.randint(1, 10**6), "qty": 1}).encode()
            headers = (("Content-Type", "application/json"), ua, traceparent)
            request = sigv4client.HttpRequest(
                method="POST", url=f"{BASE}/prod/orders", headers=headers, body=body
            )
        when = START + j * step
        out.append((request, int((when - START) / timedelta(hours=1)), when))
    return out


def main() -> None:
    requests = trace()
    config = sigv4client.SigningConfig(region=REGION, service=SERVICE)
    creds = {}
    for k in range(4):
        access, secret, token = credentials_for(k + 1)
        creds[k] = sigv4client.Credentials(
            access_key_id=access, secret_access_key=secret, session_token=token
        )
    for cache in caches().values():
        cache.cache_clear()
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    for request, k, when in requests:
        sigv4client.sign(request, creds[k], config, now=when)
    elapsed = time.perf_counter() - t0
    gc.collect()
    held_before = tracemalloc.get_traced_memory()[0]
    stats = {}
    for name, cache in caches().items():
        info = cache.cache_info()
        calls = info.hits + info.misses
        stats[name] = {
            "hits": info.hits,
            "misses": info.misses,
            "hit_rate": info.hits / calls if calls else None,
            "size": info.currsize,
            "maxsize": info.maxsize,
        }
    for cache in caches().values():
        cache.cache_clear()
    gc.collect()
    held_after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "requests": len(requests),
                "distinct_urls": len({r.url for r, _, _ in requests}),
                "seconds_traced": elapsed,
                "caches": stats,
                "held_bytes": held_before - held_after,
            }
        )
    )


if __name__ == "__main__":
    main()
