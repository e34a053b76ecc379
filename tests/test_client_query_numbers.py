"""SigV4Client query values that are numbers: sent as sigV4Client.js sends them.

The JS client writes a query value with ``String(value)``; Python's ``str`` of a
float differs (``1.0`` against ``1``, ``1e+16`` against ``10000000000000000``),
so a port that sent ``str(value)`` signed another URL than the JS client for
the same call.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import struct
import subprocess

import pytest
import requests

from sigv4client import InvalidRequestError, SigV4Client
from sigv4client.client import _js_number
from sigv4client.local import VerifyingServer
from tests.conftest import ACCESS_KEY, SECRET_KEY

API = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"

# String(x) in JavaScript (Node), for each x.
JS_STRINGS = [
    (1.0, "1"),
    (-0.0, "0"),
    (0.5, "0.5"),
    (-2.5, "-2.5"),
    (0.1 + 0.2, "0.30000000000000004"),
    (123.456, "123.456"),
    (1e16, "10000000000000000"),
    (2.0**53, "9007199254740992"),
    (1e20, "100000000000000000000"),
    (9.999999999999999e20, "999999999999999900000"),
    (1e21, "1e+21"),
    (1.5e300, "1.5e+300"),
    (1e-6, "0.000001"),
    (1.25e-6, "0.00000125"),
    (1e-7, "1e-7"),
    (1.5e-7, "1.5e-7"),
    (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
]


@pytest.mark.parametrize(("value", "expected"), JS_STRINGS)
def test_a_float_is_written_as_javascript_writes_it(value: float, expected: str) -> None:
    assert _js_number(value) == expected


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_value_that_is_not_finite_is_refused(value: float) -> None:
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    with pytest.raises(InvalidRequestError, match="not a finite number"):
        client.sign_request(query_params={"n": value})


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to compare with")
def test_floats_agree_with_node() -> None:
    rng = random.Random(13)
    values = [v for v, _ in JS_STRINGS]
    while len(values) < 20_000:
        draw = rng.random()
        if draw < 0.5:  # any bit pattern
            x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        elif draw < 0.75:  # a few decimals, as prices and coordinates have
            x = round(rng.uniform(-1e6, 1e6), rng.randint(0, 6))
        else:  # every magnitude
            x = rng.choice((1, -1)) * 10 ** rng.uniform(-30, 30)
        if math.isfinite(x):
            values.append(x)
    script = (
        "const xs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(xs.map(x => String(x))));"
    )
    out = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    expected = json.loads(out.stdout)
    assert [_js_number(v) for v in values] == expected


def test_a_float_goes_out_signed_as_the_js_client_sends_it(
    verifying_server: VerifyingServer,
) -> None:
    client = SigV4Client.new_client(
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        region="us-east-1",
        endpoint=verifying_server.url + "/prod",
    )
    signed = client.sign_request(path="/items", query_params={"page": 2.0, "scale": 1e-7})
    assert signed.url.endswith("/prod/items?page=2&scale=1e-7")
    answer = requests.get(signed.url, headers=signed.headers, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["query"] == [["page", "2"], ["scale", "1e-7"]]


def test_only_empty_lists_leave_no_bare_question_mark() -> None:
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    signed = client.sign_request(path="/items", query_params={"tag": []})
    assert signed.url == API + "/items"
    signed = client.sign_request(path="/items", query_params={"tag": [], "n": 1})
    assert signed.url == API + "/items?n=1"


class _NumpyLikeFloat(float):
    """A float subclass whose repr is not its digits, as NumPy 2's float64 has it."""

    def __repr__(self) -> str:
        return f"np.float64({float(self)!r})"

    def __str__(self) -> str:
        return repr(float(self))


@pytest.mark.parametrize(
    ("value", "expected"), [(2.0, "2"), (1e-7, "1e-7"), (-1e21, "-1e+21"), (0.5, "0.5")]
)
def test_a_float_subclass_is_written_by_its_value_not_its_repr(value: float, expected: str) -> None:
    # Regression: the digits were taken from repr(), which a subclass (NumPy's
    # float64: "np.float64(2.0)") may write otherwise; the URL carried that
    # text, or the signing failed with a bare ValueError.
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    signed = client.sign_request(path="/items", query_params={"n": _NumpyLikeFloat(value)})
    assert signed.url == f"{API}/items?n={expected.replace('+', '%2B')}"


def test_an_integer_too_long_to_write_is_refused_by_name() -> None:
    # Regression: str() of an int over Python's digit limit (4300 by default)
    # raised a bare ValueError from sign_request.
    client = SigV4Client.new_client(access_key="AKID", secret_key="s", endpoint=API)
    with pytest.raises(InvalidRequestError, match="more than 4300 digits") as caught:
        client.sign_request(query_params={"n": 10**5000})
    assert "pass it as a string" in str(caught.value)
    assert isinstance(caught.value.__cause__, ValueError)
