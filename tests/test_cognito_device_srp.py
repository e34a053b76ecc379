"""Device SRP math against an independent implementation with fixed inputs: pycognito's
``generate_hash_device`` (the ConfirmDevice verifier) and ``AWSSRP.process_device_challenge``
(the DEVICE_PASSWORD_VERIFIER answer), with its randomness and clock pinned."""

from __future__ import annotations

import base64
import datetime as dt
import types
from typing import Any
from unittest import mock

import pycognito.aws_srp as pyc
import pytest

from sigv4client.cognito import srp

UTC = dt.timezone.utc
MARCH_3 = dt.datetime(2026, 3, 3, 9, 5, 7, tzinfo=UTC)
GROUP_KEY = "-f8Q2xZ4k"
DEVICE_KEY = "us-east-1_4f3c2b1a-0d9e-8f7a-6b5c-4d3e2f1a0b9c"
RANDOM_40 = bytes(range(40, 80))
DEVICE_PASSWORD = base64.standard_b64encode(RANDOM_40).decode()
SALT = 0x0123456789ABCDEF0FEDCBA987654321  # leading zero nibble: padding matters
A_VALUE = int.from_bytes(bytes(range(3, 131)), "big") % srp.N
SRP_B_HEX = format(pow(srp.G, 0xBADC0DE, srp.N) * 5 % srp.N, "x")
SALT_HEX = "7f3e2d1c0b0a09080706050403020100"
SECRET_BLOCK = base64.b64encode(bytes(range(200))).decode()


def test_new_device_password_is_base64_of_40_random_bytes() -> None:
    assert srp.new_device_password(lambda n: RANDOM_40[:n]) == DEVICE_PASSWORD


def test_confirm_device_verifier_matches_pycognito(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyc.os, "urandom", lambda n: RANDOM_40[:n])
    monkeypatch.setattr(pyc, "get_random", lambda n: SALT)
    password, theirs = pyc.generate_hash_device(GROUP_KEY, DEVICE_KEY)
    assert password == DEVICE_PASSWORD
    ours = srp.device_secret_verifier(
        device_group_key=GROUP_KEY, device_key=DEVICE_KEY, device_password=password, salt=SALT
    )
    assert ours == theirs


def _frozen(at: dt.datetime) -> types.SimpleNamespace:
    naive = at.astimezone(UTC).replace(tzinfo=None)

    class Frozen(dt.datetime):
        @classmethod
        def utcnow(cls) -> dt.datetime:  # type: ignore[override]
            return naive

    return types.SimpleNamespace(datetime=Frozen)


def _oracle() -> Any:
    oracle = pyc.AWSSRP(
        "alice",
        "unused",
        "us-east-1_Pool",
        "client-id",
        client=mock.Mock(),
        device_key=DEVICE_KEY,
        device_group_key=GROUP_KEY,
        device_password=DEVICE_PASSWORD,
    )
    oracle.small_a_value = A_VALUE
    oracle.large_a_value = oracle.calculate_a()
    return oracle


def test_device_password_verifier_answer_matches_pycognito(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pyc, "datetime", _frozen(MARCH_3))
    parameters = {
        "USERNAME": "alice",
        "SALT": SALT_HEX,
        "SRP_B": SRP_B_HEX,
        "SECRET_BLOCK": SECRET_BLOCK,
    }
    theirs = _oracle().process_device_challenge(parameters)
    ephemeral = srp.SrpEphemeral.from_exponent(A_VALUE)
    assert ephemeral.srp_a == _oracle().get_auth_params()["SRP_A"]
    ours = srp.compute_device_claim(
        device_group_key=GROUP_KEY,
        device_key=DEVICE_KEY,
        device_password=DEVICE_PASSWORD,
        params=srp.PasswordVerifierParams.from_challenge_parameters(parameters, username="alice"),
        ephemeral=ephemeral,
        now=MARCH_3,
    )
    assert ours.timestamp == theirs["TIMESTAMP"]
    assert ours.signature == theirs["PASSWORD_CLAIM_SIGNATURE"]
    assert ours.secret_block == theirs["PASSWORD_CLAIM_SECRET_BLOCK"]
