"""KeyringSessionStore: sessions in the system's keyring, through real keyring backends.

The backends are real ``keyring.backend.KeyringBackend`` subclasses (keyring's
documented plug point): one in memory for the store's contract, one in a file
chosen the way a user chooses a backend (``PYTHON_KEYRING_BACKEND``) so that a
session saved in this process is restored in a new one, which then signs a
call the verifying server accepts; keyring's own ``fail`` backend and a locked
one show the error path. Cognito is moto's server on loopback.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.compat import properties
from keyring.errors import KeyringLocked, PasswordDeleteError

from sigv4client.cognito import (
    CognitoUser,
    FileSessionStore,
    KeyringSessionStore,
    RememberedDevice,
    StoredSession,
    Tokens,
)
from sigv4client.exceptions import InvalidConfigError, RefreshTokenError, SessionStoreError
from sigv4client.local import VerifyingServer
from sigv4client.local.gateway import MotoIdentityResolver
from tests.support.cognito import (
    add_user,
    admin,
    call_from_restored_session,
    make_identity_pool,
    make_pool,
)

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
#: The file FileKeyring keeps its entries in, for a process that selects it by name.
KEYRING_FILE_VAR = "SIGV4CLIENT_TEST_KEYRING_FILE"


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict. Never chosen as a default: only passed as ``keyring=``."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("a test keyring: pass it explicitly")

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")  # as keyring's backends do


class FileKeyring(KeyringBackend):
    """A keyring in the JSON file named by $SIGV4CLIENT_TEST_KEYRING_FILE.

    Viable only when that variable is set, so a process selects it with
    ``PYTHON_KEYRING_BACKEND=tests.test_cognito_keyring.FileKeyring`` and no
    other process picks it as its default.
    """

    @properties.classproperty
    def priority(cls) -> float:
        if KEYRING_FILE_VAR not in os.environ:
            raise RuntimeError(f"set {KEYRING_FILE_VAR} to use this test keyring")
        return 1

    def _path(self) -> Path:
        return Path(os.environ[KEYRING_FILE_VAR])

    def _entries(self) -> dict[str, str]:
        path = self._path()
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        entries = self._entries()
        entries[f"{service}\n{username}"] = password
        self._path().write_text(json.dumps(entries))

    def delete_password(self, service: str, username: str) -> None:
        entries = self._entries()
        if entries.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError("no such entry")
        self._path().write_text(json.dumps(entries))


class LockedKeyring(MemoryKeyring):
    """A keyring that refuses every call as a locked one does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked(f"Failed to unlock the collection for {username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection")


class LockedForWrites(MemoryKeyring):
    """A keyring that reads but refuses writes, quoting the value it was given."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked(f"Failed to unlock the collection to store {password}")


def _locked_for_writes() -> KeyringSessionStore:
    return KeyringSessionStore(keyring=LockedForWrites())


class CredWriteError(Exception):
    """What pywin32's CredWrite raises for a value over the limit (not a keyring error)."""


class WinVaultKeyring(MemoryKeyring):
    """Windows Credential Manager's limit, as keyring's backend of that name meets it:
    at most 2,560 bytes of UTF-16 per entry, and an error that is not keyring's."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if len(password.encode("utf-16-le")) > 2560:
            raise CredWriteError(1783, "CredWrite", "The stub received bad data.")
        super().set_password(service, username, password)


def _tokens(tag: str) -> Tokens:
    return Tokens(
        id_token=f"id.{tag}.secret",
        access_token=f"access.{tag}.secret",
        refresh_token=f"refresh-{tag}-secret",
        expires_at=T0 + timedelta(hours=1),
        device_key="us-east-1_dev",
    )


def _session(user: str, pool: str = "us-east-1_P", client: str = "c") -> StoredSession:
    return StoredSession(user_pool_id=pool, client_id=client, username=user, tokens=_tokens(user))


def _full_session() -> StoredSession:
    return StoredSession(
        user_pool_id="us-east-1_P",
        client_id="c",
        username="alice",
        tokens=_tokens("alice"),
        device=RememberedDevice(
            device_key="us-east-1_dev", device_group_key="grp", device_password="dev-pw-secret"
        ),
        endpoint_url="http://127.0.0.1:1",
    )


def _shows_no_secret(text: str) -> None:
    for secret in ("secret", "refresh-", "dev-pw"):
        assert secret not in text, text


# -- the store's contract ---------------------------------------------------------


def test_a_session_comes_back_whole_in_the_file_stores_form(tmp_path: Path) -> None:
    backend = MemoryKeyring()
    saved = _full_session()
    KeyringSessionStore(keyring=backend).save(saved)
    # Another store over the same keyring (another process, as far as it knows).
    assert KeyringSessionStore(keyring=backend).load() == saved
    assert KeyringSessionStore(keyring=backend).load("us-east-1_P", "c", "alice") == saved

    # One entry for the session, named by its pool, client and user, holding
    # what a FileSessionStore holds for it; one more lists the sessions.
    assert set(backend.entries) == {
        ("sigv4client", "us-east-1_P/c/alice"),
        ("sigv4client", "sessions"),
    }
    entry = json.loads(backend.entries[("sigv4client", "us-east-1_P/c/alice")])
    files = FileSessionStore(tmp_path / "s.json")
    files.save(saved)
    assert entry == {
        "format": 1,
        "session": json.loads((tmp_path / "s.json").read_text())["sessions"][0],
    }
    _shows_no_secret(backend.entries[("sigv4client", "sessions")])


def test_one_entry_per_pool_client_and_user_and_the_last_saved_wins() -> None:
    store = KeyringSessionStore(keyring=MemoryKeyring())
    store.save(_session("alice"))
    store.save(_session("bob"))
    store.save(_session("alice", client="other"))
    store.save(_session("alice", pool="us-east-1_Q"))
    assert store.load() == _session("alice", pool="us-east-1_Q")
    assert store.load("us-east-1_P", "c") == _session("bob")
    assert store.load("us-east-1_P", "c", "alice") == _session("alice")
    assert store.load(client_id="other") == _session("alice", client="other")
    assert store.load(username="alice", client_id="c") == _session("alice", pool="us-east-1_Q")
    assert store.load("us-east-1_P", "c", "carol") is None
    assert store.load("us-east-1_Z") is None
    store.save(_session("alice"))  # saved again: now the last one
    assert store.load("us-east-1_P", "c") == _session("alice")
    assert store.load() == _session("alice")


def test_names_that_contain_the_separator_do_not_collide() -> None:
    backend = MemoryKeyring()
    store = KeyringSessionStore(keyring=backend)
    one = _session("a/b", client="c")
    other = _session("b", client="c/a")
    percent = _session("a%2Fb", client="c")
    for session in (one, other, percent):
        store.save(session)
    assert store.load("us-east-1_P", "c", "a/b") == one
    assert store.load("us-east-1_P", "c/a", "b") == other
    assert store.load("us-east-1_P", "c", "a%2Fb") == percent
    assert len(backend.entries) == 4  # three sessions and the list


def test_service_names_and_backends_keep_sessions_apart() -> None:
    backend = MemoryKeyring()
    mine = KeyringSessionStore(keyring=backend)
    theirs = KeyringSessionStore("another-app", keyring=backend)
    mine.save(_session("alice"))
    assert theirs.load() is None
    theirs.save(_session("bob"))
    assert mine.load() == _session("alice")
    assert theirs.load() == _session("bob")
    assert KeyringSessionStore(keyring=MemoryKeyring()).load() is None


def test_delete_forgets_one_session_and_leaves_no_trace_at_the_end() -> None:
    backend = MemoryKeyring()
    store = KeyringSessionStore(keyring=backend)
    store.save(_session("alice"))
    store.save(_session("bob"))
    store.delete("us-east-1_P", "c", "bob")
    assert store.load("us-east-1_P", "c", "bob") is None
    assert store.load() == _session("alice")
    store.delete("us-east-1_P", "c", "bob")  # nothing there: nothing happens
    store.delete("us-east-1_P", "c", "alice")
    assert store.load() is None
    assert backend.entries == {}


def test_an_entry_deleted_outside_the_store_is_skipped() -> None:
    # `keyring del sigv4client us-east-1_P/c/bob`: the list still names it.
    backend = MemoryKeyring()
    store = KeyringSessionStore(keyring=backend)
    store.save(_session("alice"))
    store.save(_session("bob"))
    backend.delete_password("sigv4client", "us-east-1_P/c/bob")
    assert store.load() == _session("alice")
    store.save(_session("carol"))
    assert store.load() == _session("carol")


# -- Windows Credential Manager: values in parts -------------------------------------


def test_on_windows_a_session_is_kept_in_parts_within_the_limit() -> None:
    backend = WinVaultKeyring()
    store = KeyringSessionStore(keyring=backend)
    long = "x" * 1500  # a real session's tokens are over 1,280 characters together
    saved = dataclasses.replace(
        _full_session(),
        tokens=dataclasses.replace(_tokens("alice"), id_token=f"id.{long}.secret"),
    )
    store.save(saved)
    assert KeyringSessionStore(keyring=backend).load() == saved
    names = {name for _, name in backend.entries}
    assert names == {
        "us-east-1_P/c/alice",
        "us-east-1_P/c/alice#1",
        "us-east-1_P/c/alice#2",
        "sessions",
    }
    head = json.loads(backend.entries[("sigv4client", "us-east-1_P/c/alice")])
    assert head.keys() == {"format", "parts", "sha256"}
    joined = "".join(backend.entries[("sigv4client", f"us-east-1_P/c/alice#{n}")] for n in (1, 2))
    assert json.loads(joined)["session"]["tokens"]["id_token"] == f"id.{long}.secret"

    # Saved again, smaller: in one entry, and the old parts are gone.
    store.save(_session("alice"))
    assert {name for _, name in backend.entries} == {"us-east-1_P/c/alice", "sessions"}
    assert store.load() == _session("alice")
    store.save(saved)
    store.delete("us-east-1_P", "c", "alice")
    assert backend.entries == {}


class Chain(MemoryKeyring):
    """keyring's chainer in miniature: its ``backends``, the first one that takes a value."""

    def __init__(self) -> None:
        super().__init__()
        self.backends = [WinVaultKeyring()]
        self.entries = self.backends[0].entries

    def set_password(self, service: str, username: str, password: str) -> None:
        self.backends[0].set_password(service, username, password)


def test_on_windows_behind_keyrings_chainer_too() -> None:
    backend = Chain()
    store = KeyringSessionStore(keyring=backend)
    saved = dataclasses.replace(
        _session("alice"), tokens=dataclasses.replace(_tokens("alice"), id_token="i" * 3000)
    )
    store.save(saved)
    assert store.load() == saved
    assert ("sigv4client", "us-east-1_P/c/alice#3") in backend.entries


def test_on_windows_the_list_of_many_sessions_is_kept_in_parts() -> None:
    backend = WinVaultKeyring()
    store = KeyringSessionStore(keyring=backend)
    users = [f"user-{n:02d}-{'u' * 40}" for n in range(40)]
    for user in users:
        store.save(_session(user))
    assert ("sigv4client", "sessions#2") in backend.entries
    assert store.load() == _session(users[-1])
    store.save(_session(users[0]))
    assert store.load() == _session(users[0])
    for user in users:
        store.delete("us-east-1_P", "c", user)
    assert backend.entries == {}


def test_a_part_missing_or_left_by_another_save_is_damage() -> None:
    backend = WinVaultKeyring()
    store = KeyringSessionStore(keyring=backend)
    big = dataclasses.replace(
        _session("alice"), tokens=dataclasses.replace(_tokens("alice"), id_token="i" * 3000)
    )
    store.save(big)
    part = ("sigv4client", "us-east-1_P/c/alice#2")
    kept = backend.entries.pop(part)
    with pytest.raises(SessionStoreError, match=r"us-east-1_P/c/alice#<n>\) and log in again"):
        store.load()
    backend.entries[part] = kept.replace("i", "j")  # as if another save stopped half-way
    with pytest.raises(SessionStoreError, match="damaged") as caught:
        store.load("us-east-1_P", "c", "alice")
    assert caught.value.__context__ is None
    name = ("sigv4client", "us-east-1_P/c/alice")
    backend.entries[name] = backend.entries[name].replace('"parts": 3', '"parts": 1000000000')
    with pytest.raises(SessionStoreError, match="damaged"):
        store.load()  # read as what it is not, at once: not a billion parts
    store.save(big)  # logging in again mends it
    assert store.load() == big


# -- damaged entries: a clear error, nothing lost -----------------------------------


def test_a_damaged_session_is_refused_without_quoting_it_and_nothing_is_lost() -> None:
    backend = MemoryKeyring()
    store = KeyringSessionStore(keyring=backend)
    store.save(_session("alice"))
    store.save(_session("bob"))
    name = ("sigv4client", "us-east-1_P/c/bob")
    damaged = {
        "not json": "refresh-bob-secret{",
        "another format": json.dumps({"format": 2, "session": {"tokens": "refresh-bob-secret"}}),
        "a token missing": json.dumps(
            {"format": 1, "session": {"user_pool_id": "us-east-1_P", "tokens": {}}}
        ),
        "a bad date": backend.entries[name].replace(T0.isoformat()[:4], "refresh-bob-secret"),
        "another user's": backend.entries[("sigv4client", "us-east-1_P/c/alice")],
    }
    for why, value in damaged.items():
        backend.entries[name] = value
        for load in (lambda: store.load(), lambda: store.load("us-east-1_P", "c", "bob")):
            with pytest.raises(SessionStoreError, match="log in again") as caught:
                load()
            error = caught.value
            assert "us-east-1_P/c/bob" in str(error), why
            assert "keyring del sigv4client" in str(error), why
            _shows_no_secret(str(error))
            assert error.__cause__ is None, why
            assert error.__context__ is None, why
        # Nothing lost: the entry is left as it was, the other session still loads.
        assert backend.entries[name] == value
        assert store.load("us-east-1_P", "c", "alice") == _session("alice")
    # Logging in again writes a new session over it.
    store.save(_session("bob"))
    assert store.load() == _session("bob")


def test_a_damaged_list_stops_a_save_before_anything_is_written() -> None:
    backend = MemoryKeyring()
    store = KeyringSessionStore(keyring=backend)
    store.save(_session("alice"))
    backend.entries[("sigv4client", "sessions")] = '{"format": 1, "sessions": [["only two", 1]]}'
    before = dict(backend.entries)
    for call in (store.load, lambda: store.save(_session("bob"))):
        with pytest.raises(
            SessionStoreError, match=r"'sessions'.*keyring del sigv4client sessions"
        ):
            call()
    assert backend.entries == before
    # A session named in full is still read from its own entry.
    assert store.load("us-east-1_P", "c", "alice") == _session("alice")


# -- backends that fail ------------------------------------------------------------


def test_a_locked_keyring_says_what_to_do_and_quotes_nothing() -> None:
    store = KeyringSessionStore(keyring=LockedKeyring())
    calls = [
        ("read", store.load),
        ("write", lambda: _locked_for_writes().save(_full_session())),
        ("read", lambda: store.delete("us-east-1_P", "c", "alice")),
    ]
    for verb, call in calls:
        with pytest.raises(SessionStoreError) as caught:
            call()
        message = str(caught.value)
        assert f"could not {verb} the entry" in message
        assert "Locked" in message  # the backend's name
        assert "KeyringLocked" in message
        assert "unlock the keyring" in message
        assert "FileSessionStore" in message
        # The backend quoted the entry it was given: it is cut out.
        _shows_no_secret(message)
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None
        assert isinstance(caught.value, SessionStoreError)


def test_no_keyring_backend_says_how_to_choose_one() -> None:
    # keyring's own `fail` backend: what get_keyring() gives when none is available.
    store = KeyringSessionStore(keyring=fail.Keyring())
    with pytest.raises(SessionStoreError, match="NoKeyringError") as caught:
        store.save(_session("alice"))
    assert "keyring --list-backends" in str(caught.value)
    assert "FileSessionStore" in str(caught.value)
    _shows_no_secret(str(caught.value))


def test_restore_with_no_keyring_backend_fails_with_the_store_error() -> None:
    with pytest.raises(SessionStoreError, match="could not read"):
        CognitoUser.restore(
            KeyringSessionStore(keyring=fail.Keyring()), user_pool_id="us-east-1_P", client_id="c"
        )
    with pytest.raises(RefreshTokenError, match="log in"):
        CognitoUser.restore(
            KeyringSessionStore(keyring=MemoryKeyring()), user_pool_id="us-east-1_P", client_id="c"
        )


def test_bad_arguments_are_named() -> None:
    with pytest.raises(InvalidConfigError, match="service"):
        KeyringSessionStore("")
    with pytest.raises(InvalidConfigError, match=r"keyring\.backend\.KeyringBackend"):
        KeyringSessionStore(keyring=object())  # type: ignore[arg-type]


def test_repr_names_the_service_and_backend_only() -> None:
    backend = MemoryKeyring()
    store = KeyringSessionStore("my-app", keyring=backend)
    store.save(_full_session())
    assert repr(store) == "KeyringSessionStore(service='my-app', keyring=MemoryKeyring)"
    assert (
        repr(KeyringSessionStore()) == "KeyringSessionStore(service='sigv4client', keyring=default)"
    )


# -- the extra: imported only when the store is built --------------------------------


def test_without_the_keyring_package_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # what an absent package looks like
    with pytest.raises(ImportError, match=r'pip install "sigv4client\[keyring\]"'):
        KeyringSessionStore()


def test_importing_the_cognito_package_does_not_import_keyring() -> None:
    code = (
        "import sys, sigv4client.cognito, sigv4client.cognito.sessions; "
        "print('keyring' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == "False"


# -- CognitoUser against moto on loopback --------------------------------------------


def test_login_saves_to_the_keyring_restore_refreshes_sign_out_forgets(
    moto_endpoint: str,
) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp)
    name, password = add_user(idp, pool.pool_id)
    backend = MemoryKeyring()
    user = CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=pool.client_id,
        endpoint_url=moto_endpoint,
        session_store=KeyringSessionStore(keyring=backend),
    )
    tokens = user.login(name, password)
    store = KeyringSessionStore(keyring=backend)
    saved = store.load(pool.pool_id, pool.client_id)
    assert saved is not None
    assert saved.tokens == tokens
    assert saved.endpoint_url == moto_endpoint

    # An expired session comes back refreshed, and is saved again.
    clock = [datetime.now(timezone.utc) + timedelta(days=1)]
    restored = CognitoUser.restore(
        store, user_pool_id=pool.pool_id, client_id=pool.client_id, clock=lambda: clock[0]
    )
    assert restored.tokens is not None
    assert restored.tokens.id_token != tokens.id_token
    again = store.load(pool.pool_id, pool.client_id, name)
    assert again is not None
    assert again.tokens == restored.tokens

    restored.global_sign_out()
    assert store.load(pool.pool_id, pool.client_id) is None
    assert backend.entries == {}


def test_a_session_restored_from_the_keyring_in_a_new_process_signs_a_call(
    moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp)
    name, password = add_user(idp, pool.pool_id)
    identity_pool = make_identity_pool(
        admin("cognito-identity", moto_endpoint), pool.pool_id, pool.client_id
    )
    keyring_file = tmp_path / f"{uuid.uuid4().hex}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env[KEYRING_FILE_VAR] = str(keyring_file)
    monkeypatch.setenv(KEYRING_FILE_VAR, str(keyring_file))
    CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=pool.client_id,
        endpoint_url=moto_endpoint,
        session_store=KeyringSessionStore(keyring=FileKeyring()),
    ).login(name, password)
    assert password not in keyring_file.read_text()
    resolve = MotoIdentityResolver(moto_endpoint, identity_pool)
    with VerifyingServer(resolve=resolve, region="us-east-1") as server:
        args = {
            "pool": pool.pool_id,
            "client": pool.client_id,
            "identity_pool": identity_pool,
            "url": f"{server.url}/prod/me",
        }
        # The child has no password and no AWS credentials of its own; its
        # default keyring is the one this process saved to, chosen the way a
        # user chooses a backend.
        env["PYTHON_KEYRING_BACKEND"] = "tests.test_cognito_keyring.FileKeyring"
        answer, printed = call_from_restored_session("KeyringSessionStore()", args, env, cwd=ROOT)
    assert answer["status"] == 200, answer
    assert "TESTACCESSKEY12345" in answer["body"]
    assert password not in printed


def test_a_damaged_session_file_neither_chains_nor_carries_the_parsers_error(
    tmp_path: Path,
) -> None:
    # Regression: the file store raised `from None` inside its handler, which
    # still kept the parser's error (quoting the damaged value) as __context__.
    path = tmp_path / "sessions.json"
    FileSessionStore(path).save(_session("alice"))
    path.write_text(path.read_text().replace(T0.isoformat()[:4], "refresh-alice-secret"))
    with pytest.raises(SessionStoreError, match="log in again") as caught:
        FileSessionStore(path).load()
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
