"""SRP-6a as Cognito runs it, checked against independent implementations.

The oracles are pycognito's ``AWSSRP`` and warrant-lite's ``WarrantLite``: their
random ``a`` and their clock are pinned on THEIR objects and modules, ours come
in through parameters. The group prime is also recomputed from RFC 3526's
formula, and the timestamp is checked under a German locale built for the test.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import locale
import os
import shutil
import subprocess
import time
import types
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pycognito.aws_srp as pyc
import pytest
import warrant_lite as wl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigv4client.cognito import srp
from sigv4client.exceptions import ChallengeError, InvalidInputError, NaiveDatetimeError
from tests.support.profiles import examples

POOL_ID = "us-east-1_AbC123xyz"
UTC = dt.timezone.utc
# A Tuesday with a one-digit day, and single-digit hours, minutes and seconds.
MARCH_3 = dt.datetime(2026, 3, 3, 9, 5, 7, tzinfo=UTC)
MARCH_3_TEXT = "Tue Mar 3 09:05:07 UTC 2026"

# Fixed server values of the shape Cognito sends.
SALT_HEX = "9a3f1c0b7d2e4f60a1b2c3d4e5f60718"
SRP_B_HEX = format(pow(srp.G, 0xC0FFEE, srp.N) * 7 % srp.N, "x")
SECRET_BLOCK = base64.b64encode(bytes(range(64)) * 3).decode()
USER_ID = "5d3f8a9e-0b1c-4d2e-8f3a-6b7c8d9e0f1a"
PASSWORD = "correct horse battery staple"
A_VALUE = int.from_bytes(bytes(range(1, 129)), "big") % srp.N


# -- oracles ---------------------------------------------------------------------------


def _pycognito(a: int, *, pool_id: str = POOL_ID, client_secret: str | None = None) -> Any:
    # client= keeps boto3 from building a real client; a and A are pinned on the object.
    oracle = pyc.AWSSRP(
        "alice", PASSWORD, pool_id, "client-id", client=mock.Mock(), client_secret=client_secret
    )
    oracle.small_a_value = a
    oracle.large_a_value = oracle.calculate_a()
    return oracle


def _warrant(a: int, *, pool_id: str = POOL_ID) -> Any:
    oracle = wl.WarrantLite("alice", PASSWORD, pool_id, "client-id", client=mock.Mock())
    oracle.small_a_value = a
    oracle.large_a_value = oracle.calculate_a()
    return oracle


def _frozen_datetime_module(at: dt.datetime) -> types.SimpleNamespace:
    """A stand-in for the ``datetime`` module whose ``datetime.utcnow()`` is ``at``."""
    naive = at.astimezone(UTC).replace(tzinfo=None)

    class Frozen(dt.datetime):
        @classmethod
        def utcnow(cls) -> dt.datetime:  # type: ignore[override]
            return naive

    return types.SimpleNamespace(datetime=Frozen)


def _challenge_parameters(
    *, salt: str = SALT_HEX, srp_b: str = SRP_B_HEX, user_id: str = USER_ID
) -> dict[str, str]:
    return {
        "SALT": salt,
        "SRP_B": srp_b,
        "SECRET_BLOCK": SECRET_BLOCK,
        "USER_ID_FOR_SRP": user_id,
        "USERNAME": user_id,
    }


def _our_claim(
    a: int, parameters: dict[str, str], *, password: str = PASSWORD, at: dt.datetime = MARCH_3
) -> srp.PasswordClaim:
    return srp.compute_password_claim(
        user_pool_id=POOL_ID,
        params=srp.PasswordVerifierParams.from_challenge_parameters(parameters, username="alice"),
        password=password,
        ephemeral=srp.SrpEphemeral.from_exponent(a),
        now=at,
    )


def _pi_times_power_of_two(bits: int) -> int:
    """floor(pi * 2**bits), exactly, by Machin's formula in integer arithmetic."""
    guard = 64
    one = 1 << (bits + guard)

    def arctan_inverse(x: int) -> int:
        # arctan(1/x) = sum (-1)^n / ((2n+1) x^(2n+1)), each term truncated.
        total, term, n, sign = 0, one // x, 0, 1
        while term:
            total += sign * (term // (2 * n + 1))
            term //= x * x
            n, sign = n + 1, -sign
        return total

    pi = 16 * arctan_inverse(5) - 4 * arctan_inverse(239)
    return pi >> guard


# -- constants -------------------------------------------------------------------------


def test_group_prime_is_rfc_3526_formula() -> None:
    # RFC 3526 section 4: p = 2^3072 - 2^3008 - 1 + 2^64 * ([2^2942 pi] + 1690314)
    expected = 2**3072 - 2**3008 - 1 + 2**64 * (_pi_times_power_of_two(2942) + 1690314)
    assert expected == srp.N


def test_constants_match_both_oracles() -> None:
    assert srp.N == pyc.hex_to_long(pyc.N_HEX) == wl.hex_to_long(wl.n_hex)
    assert srp.G == int(pyc.G_HEX, 16) == int(wl.g_hex, 16)
    assert srp.K == _pycognito(A_VALUE).val_k == _warrant(A_VALUE).k
    assert srp.INFO_BITS == bytes(pyc.INFO_BITS) == bytes(wl.info_bits)


@pytest.mark.parametrize(
    "value", [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xABC, 0x8000, 0x7FFF, srp.N, srp.N - 1, 2**3072]
)
def test_pad_hex_matches_pycognito(value: int) -> None:
    assert srp.pad_hex(value) == pyc.pad_hex(value) == wl.pad_hex(value)


def test_pad_hex_refuses_negative() -> None:
    with pytest.raises(InvalidInputError):
        srp.pad_hex(-1)


# -- the steps, against the oracles ----------------------------------------------------


def test_large_a_matches_oracles() -> None:
    ours = srp.SrpEphemeral.from_exponent(A_VALUE)
    assert ours.big_a == _pycognito(A_VALUE).large_a_value == _warrant(A_VALUE).large_a_value
    # SRP_A goes out as pycognito sends it: lowercase hex, unpadded.
    assert ours.srp_a == _pycognito(A_VALUE).get_auth_params()["SRP_A"]


def test_u_matches_oracles() -> None:
    big_a = srp.SrpEphemeral.from_exponent(A_VALUE).big_a
    big_b = int(SRP_B_HEX, 16)
    assert (
        srp.compute_u(big_a, big_b) == pyc.calculate_u(big_a, big_b) == wl.calculate_u(big_a, big_b)
    )


def test_hkdf_matches_oracles() -> None:
    ikm, salt = bytes(range(200)), bytes(range(33))
    assert srp.hkdf_caldera(ikm, salt) == pyc.compute_hkdf(ikm, salt) == wl.compute_hkdf(ikm, salt)


def test_authentication_key_matches_oracles() -> None:
    ours = srp.password_authentication_key(
        pool_name="AbC123xyz",
        user_id_for_srp=USER_ID,
        password=PASSWORD,
        salt=int(SALT_HEX, 16),
        big_b=int(SRP_B_HEX, 16),
        ephemeral=srp.SrpEphemeral.from_exponent(A_VALUE),
    )
    big_b = int(SRP_B_HEX, 16)
    theirs = _pycognito(A_VALUE).get_password_authentication_key(USER_ID, PASSWORD, big_b, SALT_HEX)
    warrant = _warrant(A_VALUE).get_password_authentication_key(USER_ID, PASSWORD, big_b, SALT_HEX)
    assert len(ours) == 16
    assert ours == theirs == warrant


def test_premaster_secret_matches_the_textbook_formula() -> None:
    # S = (B - k g^x)^(a + u x) mod N, spelled out independently of srp.py's helpers.
    ephemeral = srp.SrpEphemeral.from_exponent(A_VALUE)
    big_b = int(SRP_B_HEX, 16)
    x = srp.compute_x(
        pool_name="AbC123xyz", user_id_for_srp=USER_ID, password=PASSWORD, salt=int(SALT_HEX, 16)
    )
    u = srp.compute_u(ephemeral.big_a, big_b)
    expected = pow(big_b - srp.K * pow(2, x, srp.N), A_VALUE + u * x, srp.N)
    assert srp.compute_premaster_secret(ephemeral=ephemeral, big_b=big_b, x=x, u=u) == expected


def test_password_claim_matches_pycognito(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyc, "datetime", _frozen_datetime_module(MARCH_3))
    parameters = _challenge_parameters()
    theirs = _pycognito(A_VALUE).process_challenge(parameters, {"USERNAME": "alice"})
    ours = _our_claim(A_VALUE, parameters)
    assert ours.timestamp == theirs["TIMESTAMP"] == MARCH_3_TEXT
    assert ours.signature == theirs["PASSWORD_CLAIM_SIGNATURE"]
    assert ours.secret_block == theirs["PASSWORD_CLAIM_SECRET_BLOCK"] == SECRET_BLOCK


def test_password_claim_matches_warrant_lite(monkeypatch: pytest.MonkeyPatch) -> None:
    # warrant-lite formats with strftime under temp_locale(('en_US', 'UTF-8')),
    # a locale this machine may lack; under C its strftime is English anyway.
    monkeypatch.setattr(wl, "datetime", _frozen_datetime_module(MARCH_3))
    monkeypatch.setattr(wl, "temp_locale", lambda _name: contextlib.nullcontext())
    parameters = _challenge_parameters()
    with _time_locale("C"):
        theirs = _warrant(A_VALUE).process_challenge(parameters)
    ours = _our_claim(A_VALUE, parameters)
    assert ours.timestamp == theirs["TIMESTAMP"] == MARCH_3_TEXT
    assert ours.signature == theirs["PASSWORD_CLAIM_SIGNATURE"]


def test_known_signature_vector() -> None:
    # Pinned from the two oracles above, so a change in any step shows here too.
    claim = _our_claim(A_VALUE, _challenge_parameters())
    oracle = _pycognito(A_VALUE)
    oracle.get_cognito_formatted_timestamp = lambda _now: MARCH_3_TEXT
    expected = oracle.process_challenge(_challenge_parameters(), {"USERNAME": "alice"})
    assert claim.signature == expected["PASSWORD_CLAIM_SIGNATURE"]
    assert "PASSWORD_CLAIM_SIGNATURE" not in repr(claim)
    assert claim.signature not in repr(claim)


def test_salt_is_hashed_as_an_integer() -> None:
    # Cognito hashes BigInteger(SALT, 16): leading zero digits do not count.
    # pycognito pads the text instead, so compare against it without them.
    with_zeros = _our_claim(A_VALUE, _challenge_parameters(salt="00" + "12" * 16))
    without = _our_claim(A_VALUE, _challenge_parameters(salt="12" * 16))
    assert with_zeros.signature == without.signature


# -- validation of server values -------------------------------------------------------


@pytest.mark.parametrize("big_b", [0, srp.N, 2 * srp.N])
def test_b_zero_mod_n_is_refused(big_b: int) -> None:
    with pytest.raises(ChallengeError, match="SRP_B"):
        _our_claim(A_VALUE, _challenge_parameters(srp_b=format(big_b, "x")))


def test_u_zero_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # No real A, B hash to zero; force the hash to reach the guard.
    monkeypatch.setattr(srp, "_hash", lambda _data: bytes(32))
    with pytest.raises(ChallengeError, match="u = 0"):
        srp.compute_u(5, 7)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("SALT", "not-hex", "SALT"),
        ("SRP_B", "zz", "SRP_B"),
        ("SECRET_BLOCK", "abc", "SECRET_BLOCK"),
        ("SRP_B", "", "SRP_B"),
    ],
)
def test_malformed_server_values(key: str, value: str, message: str) -> None:
    parameters = _challenge_parameters()
    parameters[key] = value
    with pytest.raises(ChallengeError, match=message):
        _our_claim(A_VALUE, parameters)


# Regression: int(value, 16) took a sign, a "0x" prefix, "_" separators, spaces
# and non-ASCII digits; "-1" then broke the padding with a bare OverflowError.
@pytest.mark.parametrize("key", ["SALT", "SRP_B"])
@pytest.mark.parametrize(
    "value", ["-1", "+1", "0x10", "0X10", "1_0", " 10", "10 ", "10\n", "\uff11\uff10", "\u0661"]
)
def test_server_hex_is_exactly_ascii_hex_digits(key: str, value: str) -> None:
    parameters = _challenge_parameters()
    parameters[key] = value
    with pytest.raises(ChallengeError, match=f"{key} that is not hexadecimal") as caught:
        _our_claim(A_VALUE, parameters)
    assert "0-9, a-f and A-F" in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


_HEX_DIGITS = "0123456789abcdefABCDEF"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(min_size=1, max_size=12), key=st.sampled_from(["SALT", "SRP_B"]))
def test_server_hex_accepts_exactly_hex_digits(value: str, key: str) -> None:
    # Whatever text the server sends, the claim is computed for hex digits
    # (and is the one for int(value, 16)) and refused with ChallengeError for
    # anything else: never another exception, never the value in the message.
    value = value + "8"  # a nonzero B mod N for every all-hex draw of this size
    parameters = _challenge_parameters()
    parameters[key] = value
    if all(c in _HEX_DIGITS for c in value):
        claim = _our_claim(A_VALUE, parameters)
        canonical = _challenge_parameters()
        canonical[key] = format(int(value, 16), "x")
        assert claim == _our_claim(A_VALUE, canonical)
    else:
        with pytest.raises(ChallengeError, match=f"{key} that is not hexadecimal") as caught:
            _our_claim(A_VALUE, parameters)
        # The message depends on the value's length only, never on its text.
        parameters[key] = "g" * len(value)
        with pytest.raises(ChallengeError) as same_length:
            _our_claim(A_VALUE, parameters)
        assert str(caught.value) == str(same_length.value)


def test_server_hex_that_is_not_text_is_a_challenge_error() -> None:
    params = srp.PasswordVerifierParams(
        user_id_for_srp=USER_ID,
        username=USER_ID,
        salt=SALT_HEX,
        srp_b=12,  # type: ignore[arg-type]
        secret_block=SECRET_BLOCK,
    )
    with pytest.raises(ChallengeError, match=r"SRP_B that is not hexadecimal .*got a int"):
        srp.compute_password_claim(
            user_pool_id=POOL_ID,
            params=params,
            password=PASSWORD,
            ephemeral=srp.SrpEphemeral.from_exponent(A_VALUE),
            now=MARCH_3,
        )


def test_ephemeral_needs_enough_randomness_and_hides_a() -> None:
    with pytest.raises(InvalidInputError, match="32"):
        srp.SrpEphemeral.from_random_bytes(b"\x01" * 16)
    with pytest.raises(InvalidInputError):
        srp.SrpEphemeral.from_exponent(0)
    ephemeral = srp.new_ephemeral(lambda n: bytes(range(n)))
    assert ephemeral.a == int.from_bytes(bytes(range(128)), "big") % srp.N
    assert str(ephemeral.a) not in repr(ephemeral)
    assert format(ephemeral.a, "x") not in repr(ephemeral)


def test_pool_name() -> None:
    assert srp.pool_name("eu-west-1_Xyz") == "Xyz"
    for bad in ("", "nounderscore", "_x", "us-east-1_"):
        with pytest.raises(InvalidInputError):
            srp.pool_name(bad)


# -- SECRET_HASH -----------------------------------------------------------------------


def test_secret_hash_known_value() -> None:
    # The algorithm of AWS's "Computing secret hash values", spelled out.
    import hashlib
    import hmac

    digest = hmac.new(b"client-secret", b"aliceclient-id", hashlib.sha256).digest()
    assert (
        srp.secret_hash("alice", "client-id", "client-secret") == base64.b64encode(digest).decode()
    )


@settings(max_examples=examples(50), deadline=None)
@given(username=st.text(min_size=1), client_id=st.text(min_size=1), secret=st.text(min_size=1))
def test_secret_hash_matches_oracles(username: str, client_id: str, secret: str) -> None:
    ours = srp.secret_hash(username, client_id, secret)
    assert ours == pyc.AWSSRP.get_secret_hash(username, client_id, secret)
    assert ours == wl.WarrantLite.get_secret_hash(username, client_id, secret)


# -- the timestamp ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (MARCH_3, MARCH_3_TEXT),
        (dt.datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC), "Tue Nov 24 23:59:59 UTC 2026"),
        (dt.datetime(2024, 2, 29, 0, 0, 0, tzinfo=UTC), "Thu Feb 29 00:00:00 UTC 2024"),
        (dt.datetime(2027, 1, 10, 12, 0, 9, tzinfo=UTC), "Sun Jan 10 12:00:09 UTC 2027"),
        # 01:30 at UTC+2 on the 1st is 23:30 UTC on the last day of the month before.
        (
            dt.datetime(2026, 5, 1, 1, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "Thu Apr 30 23:30:00 UTC 2026",
        ),
    ],
)
def test_timestamp_known_values(when: dt.datetime, text: str) -> None:
    assert srp.format_timestamp(when) == text


@settings(max_examples=examples(200), deadline=None)
@given(st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(9999, 1, 1)))
def test_timestamp_matches_pycognito(when: dt.datetime) -> None:
    assert srp.format_timestamp(
        when.replace(tzinfo=UTC)
    ) == pyc.AWSSRP.get_cognito_formatted_timestamp(when)


def test_timestamp_refuses_naive_datetime() -> None:
    with pytest.raises(NaiveDatetimeError):
        srp.format_timestamp(dt.datetime(2026, 3, 3, 9, 5, 7))


@contextlib.contextmanager
def _time_locale(name: str) -> Iterator[None]:
    saved = locale.setlocale(locale.LC_TIME)
    locale.setlocale(locale.LC_TIME, name)
    try:
        yield
    finally:
        locale.setlocale(locale.LC_TIME, saved)


def _installed_locales() -> list[str]:
    names = ["C", "POSIX"]
    if shutil.which("locale"):
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
        names += listed.stdout.split()
    usable = []
    for name in dict.fromkeys(names):
        try:
            with _time_locale(name):
                usable.append(name)
        except locale.Error:
            continue
    return usable


def test_timestamp_is_the_same_under_every_installed_locale() -> None:
    names = _installed_locales()
    assert "C" in names
    results = {}
    for name in names:
        with _time_locale(name):
            results[name] = srp.format_timestamp(MARCH_3)
    assert set(results.values()) == {MARCH_3_TEXT}, results


@pytest.fixture(scope="module")
def german_locale(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A de_DE.UTF-8 locale compiled for this run (LOCPATH), when the machine can build one."""
    localedef = shutil.which("localedef")
    if localedef is None or not os.path.isdir("/usr/share/i18n/locales"):
        pytest.skip("no localedef or locale sources: cannot build a non-English locale")
    where = tmp_path_factory.mktemp("locales")
    built = subprocess.run(
        [localedef, "-i", "de_DE", "-f", "UTF-8", str(where / "de_DE.UTF-8")],
        capture_output=True,
        text=True,
        check=False,
    )
    if not (where / "de_DE.UTF-8").is_dir():
        pytest.skip(f"localedef could not build de_DE.UTF-8: {built.stderr.strip()[:200]}")
    return str(where)


def test_timestamp_is_english_under_a_german_locale(
    german_locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCPATH", german_locale)
    with _time_locale("de_DE.UTF-8"):
        # The locale is really in effect: strftime speaks German now...
        assert time.strftime("%a %b", MARCH_3.timetuple()) == "Di Mär"
        # ...and the Cognito timestamp does not.
        assert srp.format_timestamp(MARCH_3) == MARCH_3_TEXT
        claim = _our_claim(A_VALUE, _challenge_parameters())
    assert claim.timestamp == MARCH_3_TEXT
    assert claim.signature == _our_claim(A_VALUE, _challenge_parameters()).signature


# -- property test against pycognito ---------------------------------------------------

_hex_int = st.integers(min_value=1, max_value=2**256).map(lambda n: format(n, "x"))


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    user_id=st.text(min_size=1, max_size=40),
    password=st.text(min_size=1, max_size=40),
    salt=_hex_int,
    big_b=st.integers(min_value=1, max_value=srp.N - 1),
    # A full-size a costs ~0.1 s per modular power; the arithmetic is the same
    # for a shorter one, and the fixed tests above use a full-size a.
    a=st.integers(min_value=1, max_value=2**512),
    block=st.binary(min_size=1, max_size=300),
    pool=st.from_regex(r"\A[a-z]{2}-[a-z]+-[0-9]_[A-Za-z0-9]{1,20}\Z"),
    when=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
def test_claim_matches_pycognito_for_any_input(
    user_id: str,
    password: str,
    salt: str,
    big_b: int,
    a: int,
    block: bytes,
    pool: str,
    when: dt.datetime,
) -> None:
    parameters = {
        "SALT": salt,
        "SRP_B": format(big_b, "x"),
        "SECRET_BLOCK": base64.b64encode(block).decode(),
        "USER_ID_FOR_SRP": user_id,
        "USERNAME": user_id,
    }
    oracle = _pycognito(a, pool_id=pool)
    oracle.password = password
    with mock.patch.object(pyc, "datetime", _frozen_datetime_module(when.replace(tzinfo=UTC))):
        theirs = oracle.process_challenge(parameters, {"USERNAME": user_id})
    ephemeral = srp.SrpEphemeral.from_exponent(a)
    ours = srp.compute_password_claim(
        user_pool_id=pool,
        params=srp.PasswordVerifierParams.from_challenge_parameters(parameters, username=user_id),
        password=password,
        ephemeral=ephemeral,
        now=when.replace(tzinfo=UTC),
    )
    assert ephemeral.big_a == oracle.large_a_value
    assert ours.timestamp == theirs["TIMESTAMP"]
    assert ours.signature == theirs["PASSWORD_CLAIM_SIGNATURE"]
