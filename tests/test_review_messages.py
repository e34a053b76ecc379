"""Validation messages name the problem without echoing a value that may be a secret."""

from __future__ import annotations

import pytest

from sigv4client import Credentials, HttpRequest
from sigv4client.exceptions import InvalidCredentialsError, InvalidRequestError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_a_swapped_key_pair_is_named_without_showing_the_secret() -> None:
    with pytest.raises(InvalidCredentialsError) as info:
        Credentials(access_key_id=SECRET, secret_access_key="AKIDEXAMPLE")
    message = str(info.value)
    assert SECRET not in message
    assert "wJalr" not in message
    assert "'/'" in message
    assert "swapped" in message


def test_a_malformed_header_item_is_named_without_showing_its_value() -> None:
    with pytest.raises(InvalidRequestError) as info:
        HttpRequest(
            method="GET",
            url="https://h.example/",
            headers=[("Authorization", "Bearer tok-SECRET-123", "x")],  # type: ignore[list-item]
        )
    assert "tok-SECRET-123" not in str(info.value)
    assert "3 items" in str(info.value)
