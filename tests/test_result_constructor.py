"""sign()'s fast constructor of SigningResult builds the value the dataclass builds."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from datetime import datetime, timezone

import pytest

from sigv4client import Credentials, HttpRequest, SigningConfig, SigningResult, presign_result, sign
from sigv4client.models import _signing_result

_NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)


def _fields(result: SigningResult) -> dict[str, object]:
    return {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}


def _results() -> list[SigningResult]:
    creds = Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="s", session_token="t")
    config = SigningConfig(region="us-east-1", service="execute-api")
    request = HttpRequest(method="POST", url="https://h.example/a?b=1", body=b"{}")
    return [
        sign(request, creds, config, now=_NOW),
        presign_result(request, creds, config, now=_NOW),
    ]


@pytest.mark.parametrize("result", _results(), ids=["sign", "presign"])
def test_the_fast_constructor_builds_what_the_dataclass_builds(result: SigningResult) -> None:
    generated = SigningResult(**_fields(result))  # type: ignore[arg-type]
    assert type(result) is SigningResult
    assert result == generated
    assert hash(result) == hash(generated)
    assert repr(result) == repr(generated)
    rebuilt = _signing_result(*_fields(result).values())  # type: ignore[arg-type]
    assert rebuilt == generated
    assert type(rebuilt) is SigningResult


@pytest.mark.parametrize("result", _results(), ids=["sign", "presign"])
def test_a_fast_built_result_is_frozen_and_copies(result: SigningResult) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.signature = "0" * 64  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del result.url  # type: ignore[misc]
    assert copy.copy(result) == result
    assert copy.deepcopy(result) == result
    assert pickle.loads(pickle.dumps(result)) == result
    assert dataclasses.replace(result, amz_date="x").amz_date == "x"
