"""The deprecation helpers: old names work, warn once per use, and blame the caller's line."""

from __future__ import annotations

import asyncio
import inspect
import sys
import types
import warnings

import pytest

from sigv4client._deprecation import (
    Renamed,
    renamed_attributes,
    renamed_function,
    renamed_keyword,
    warn_renamed,
)


def _only_warning(record: pytest.WarningsRecorder) -> warnings.WarningMessage:
    assert len(record) == 1, [str(w.message) for w in record]
    return record[0]


def sign_request(method: str, path: str, *, body: bytes = b"") -> str:
    return f"{method} {path} {len(body)}"


signRequest = renamed_function(sign_request, "signRequest", removed_in="0.3.0")


def test_renamed_function_works_and_warns_at_the_callers_line() -> None:
    with pytest.warns(DeprecationWarning, match="signRequest") as record:
        result = signRequest("GET", "/a", body=b"xy")
    assert result == "GET /a 2"
    warning = _only_warning(record)
    message = str(warning.message)
    assert f"{__name__}.signRequest is deprecated" in message
    assert "removed in sigv4client 0.3.0" in message
    assert f"use {__name__}.sign_request instead" in message
    assert warning.filename == __file__


def test_renamed_function_keeps_the_signature_and_takes_the_old_name() -> None:
    assert inspect.signature(signRequest) == inspect.signature(sign_request)
    assert signRequest.__name__ == "signRequest"
    assert signRequest.__qualname__ == "signRequest"
    assert "0.3.0" in (signRequest.__doc__ or "")


def test_the_new_name_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sign_request("GET", "/") == "GET / 0"


class Client:
    def send(self, path: str) -> str:
        return f"sent {path}"

    invoke_api = renamed_function(send, "invoke_api", removed_in="0.4")


def test_renamed_method() -> None:
    with pytest.warns(DeprecationWarning, match=r"Client\.invoke_api is deprecated") as record:
        assert Client().invoke_api("/x") == "sent /x"
    warning = _only_warning(record)
    assert "use tests.test_deprecation.Client.send instead" in str(warning.message)
    assert warning.filename == __file__


async def fetch(n: int) -> int:
    await asyncio.sleep(0)
    return n * 2


fetch_old = renamed_function(fetch, "fetch_old", removed_in="0.3.0")


def test_renamed_coroutine_function_warns_at_the_call() -> None:
    with pytest.warns(DeprecationWarning, match="fetch_old is deprecated") as record:
        assert asyncio.run(fetch_old(21)) == 42
    assert _only_warning(record).filename == __file__


@pytest.fixture
def module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A module with a renamed class and a renamed constant, and a lazy fallback."""
    mod = types.ModuleType("sigv4client_fake_mod")

    class NewError(Exception):
        pass

    mod.NewError = NewError  # type: ignore[attr-defined]  # a module built at run time
    mod.NEW_LIMIT = 5  # type: ignore[attr-defined]

    def lazy(name: str) -> object:
        if name == "lazy_value":
            return "loaded"
        raise AttributeError(f"module {mod.__name__!r} has no attribute {name!r}")

    mod.__getattr__ = renamed_attributes(  # type: ignore[method-assign]  # PEP 562 hook
        mod.__name__,
        {"OldError": Renamed("NewError", "0.3.0"), "OLD_LIMIT": Renamed("NEW_LIMIT", "0.3.0")},
        fallback=lazy,
    )
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    return mod


def test_renamed_class_is_the_same_class(module: types.ModuleType) -> None:
    with pytest.warns(DeprecationWarning, match="OldError") as record:
        old = module.OldError
    assert old is module.NewError
    warning = _only_warning(record)
    assert str(warning.message) == (
        "sigv4client_fake_mod.OldError is deprecated and will be removed in "
        "sigv4client 0.3.0; use sigv4client_fake_mod.NewError instead"
    )
    assert warning.filename == __file__
    with pytest.raises(module.NewError), pytest.warns(DeprecationWarning, match="OldError"):
        raise module.OldError("caught under the new name")


def test_renamed_attribute_through_from_import(module: types.ModuleType) -> None:
    with pytest.warns(DeprecationWarning, match="OLD_LIMIT is deprecated") as record:
        from sigv4client_fake_mod import OLD_LIMIT  # type: ignore[import-not-found]
    assert OLD_LIMIT == 5
    assert _only_warning(record).filename == __file__


def test_other_names_go_to_the_fallback_then_fail(module: types.ModuleType) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert module.lazy_value == "loaded"
        assert module.NewError.__name__ == "NewError"
        with pytest.raises(AttributeError, match="no attribute 'missing'"):
            _ = module.missing


def test_without_fallback_unknown_names_raise_attribute_error() -> None:
    getter = renamed_attributes("m", {"a": Renamed("b", "1.0")})
    with pytest.raises(AttributeError, match="module 'm' has no attribute 'zzz'"):
        getter("zzz")


@renamed_keyword("region_name", "region", removed_in="0.3.0")
def make_config(service: str, *, region: str = "us-east-1") -> str:
    return f"{service}@{region}"


def test_renamed_keyword_is_accepted_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match="region_name") as record:
        assert make_config("s3", region_name="eu-west-1") == "s3@eu-west-1"  # type: ignore[call-arg]
    warning = _only_warning(record)
    assert str(warning.message) == (
        "the region_name= argument of tests.test_deprecation.make_config() is deprecated "
        "and will be removed in sigv4client 0.3.0; use region= instead"
    )
    assert warning.filename == __file__


def test_new_keyword_and_positional_use_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert make_config("s3", region="eu-west-2") == "s3@eu-west-2"
        assert make_config("s3") == "s3@us-east-1"
    assert inspect.signature(make_config).parameters.keys() == {"service", "region"}


def test_both_keywords_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"got both region_name= .* pass only region="):
        make_config("s3", region="a", region_name="b")  # type: ignore[call-arg]


def test_warn_renamed_directly() -> None:
    def old_api() -> None:
        warn_renamed("old_api()", "new_api()", removed_in="2.0")

    with pytest.warns(DeprecationWarning, match=r"old_api\(\) is deprecated") as record:
        old_api()
    assert _only_warning(record).filename == __file__


@pytest.mark.parametrize("version", ["", "next", "v0.3", "0", "0.3.x", None])
def test_removed_in_must_be_a_version(version: object) -> None:
    with pytest.raises(ValueError, match="removed_in must be the release"):
        renamed_function(sign_request, "old", removed_in=version)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="removed_in must be the release"):
        Renamed("new", version)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="removed_in must be the release"):
        renamed_keyword("a", "b", removed_in=version)  # type: ignore[arg-type]
