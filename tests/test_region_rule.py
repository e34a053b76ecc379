"""One region rule everywhere: explicit, or read from an AWS host name, or a clear error.

SigV4Client used to sign for us-east-1 against any non-AWS host while
SigV4Auth and the CLI refused the same input. Every place now calls
``integrations._common.region_for``; these tests give each the same three
inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sigv4client import Credentials, InvalidConfigError, SigV4Auth, SigV4Client
from sigv4client.integrations.aiohttp import SigV4Middleware
from sigv4client.integrations.httpx import SigV4HttpxAuth

CREDS = Credentials(access_key_id="AKIDREGION", secret_access_key="region-secret")
AWS_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
LOCAL_URL = "http://127.0.0.1:9/prod"


def _client_region(region: str | None, url: str) -> str:
    client = SigV4Client.new_client(
        access_key="AKIDREGION", secret_key="region-secret", endpoint=url, region=region
    )
    signed = client.sign_request(path="/x")
    return signed.headers["Authorization"].split("/")[2]


def _adapter_region(adapter: Callable[..., object]) -> Callable[[str | None, str], str]:
    def region(region: str | None, url: str) -> str:
        signer = adapter(CREDS, region=region)._signer  # type: ignore[attr-defined]
        return str(signer.config_for(url).region)

    return region


def _cli_region(region: str | None, url: str) -> str:
    import argparse

    from sigv4client import cli

    try:
        return cli._region(argparse.Namespace(region=region), url)
    except cli._Failure as failure:  # what the CLI prints, exit status 2
        raise InvalidConfigError(str(failure)) from None


PLACES: dict[str, Callable[[str | None, str], str]] = {
    "SigV4Client": _client_region,
    "SigV4Auth": _adapter_region(SigV4Auth),
    "SigV4HttpxAuth": _adapter_region(SigV4HttpxAuth),
    "SigV4Middleware": _adapter_region(SigV4Middleware),
    "cli": _cli_region,
}


@pytest.mark.parametrize("place", list(PLACES))
def test_an_explicit_region_wins(place: str) -> None:
    assert PLACES[place]("ap-south-2", AWS_URL) == "ap-south-2"
    assert PLACES[place]("ap-south-2", LOCAL_URL) == "ap-south-2"


@pytest.mark.parametrize("place", list(PLACES))
def test_an_aws_host_names_its_region(place: str) -> None:
    assert PLACES[place](None, AWS_URL) == "eu-west-1"


@pytest.mark.parametrize("place", list(PLACES))
def test_any_other_host_is_an_error_that_says_how_to_pass_it(
    place: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(InvalidConfigError) as caught:
        PLACES[place](None, LOCAL_URL)
    message = str(caught.value)
    assert "cannot tell the AWS region from host '127.0.0.1:9'" in message
    assert ("--region" if place == "cli" else "region='...'") in message


def test_the_cli_still_reads_aws_region_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    assert PLACES["cli"](None, LOCAL_URL) == "sa-east-1"
    assert PLACES["cli"](None, AWS_URL) == "eu-west-1"  # the host first, as before


def test_the_client_error_names_the_class() -> None:
    with pytest.raises(InvalidConfigError, match="SigV4Client"):
        SigV4Client(credentials=CREDS, endpoint="http://localhost:8080")
    # A token auth signs nothing: no region is needed.
    from sigv4client.tokens import HeaderTokenAuth

    client = SigV4Client(
        endpoint="http://localhost:8080", auth=HeaderTokenAuth("X-T", lambda: "token")
    )
    assert client.region is None
    assert client.sign_request().headers["X-T"] == "token"


@pytest.mark.parametrize("place", [p for p in PLACES if p != "cli"])
def test_an_empty_region_is_refused_not_replaced(place: str) -> None:
    with pytest.raises(InvalidConfigError, match="region must be"):
        PLACES[place]("", AWS_URL)
