"""Sessions that persist: the stores, and CognitoUser.restore, against moto on loopback.
The acceptance case restores a FileSessionStore session in a new process (a subprocess
with no password) and signs a call the verifying server accepts."""

from __future__ import annotations

import json
import os
import stat
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from sigv4client.cognito import (
    CognitoUser,
    FileSessionStore,
    MemorySessionStore,
    RememberedDevice,
    SessionStore,
    StoredSession,
    Tokens,
)
from sigv4client.exceptions import CognitoError, RefreshTokenError, SessionStoreError
from sigv4client.local import VerifyingServer
from sigv4client.local.gateway import MotoIdentityResolver
from tests.support.clock import WAIT, FakeClock
from tests.support.cognito import (
    add_user,
    admin,
    call_from_restored_session,
    make_identity_pool,
    make_pool,
)

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def _tokens(tag: str) -> Tokens:
    return Tokens(
        id_token=f"id.{tag}.x",
        access_token=f"access.{tag}.x",
        refresh_token=f"refresh-{tag}",
        expires_at=T0 + timedelta(hours=1),
        device_key="us-east-1_dev",
    )


def _session(user: str, pool: str = "us-east-1_P", client: str = "c") -> StoredSession:
    return StoredSession(user_pool_id=pool, client_id=client, username=user, tokens=_tokens(user))


@pytest.mark.parametrize("kind", ["file", "memory"])
def test_one_entry_per_pool_client_and_user_and_the_last_saved_wins(
    kind: str, tmp_path: Path
) -> None:
    store: SessionStore = (
        FileSessionStore(tmp_path / "s.json") if kind == "file" else MemorySessionStore()
    )
    store.save(_session("alice"))
    store.save(_session("bob"))
    store.save(_session("alice", client="other"))
    assert store.load("us-east-1_P", "c") == _session("bob")
    assert store.load("us-east-1_P", "c", "alice") == _session("alice")
    store.save(_session("alice"))  # saved again: now the last one
    assert store.load("us-east-1_P", "c") == _session("alice")
    assert store.load(client_id="other") == _session("alice", client="other")
    store.delete("us-east-1_P", "c", "alice")
    assert store.load("us-east-1_P", "c") == _session("bob")
    assert store.load("us-east-1_P", "c", "alice") is None


def test_file_store_is_private_and_keeps_devices(tmp_path: Path) -> None:
    path = tmp_path / "new" / "sessions.json"
    store = FileSessionStore(path)
    device = RememberedDevice(
        device_key="us-east-1_dev", device_group_key="grp", device_password="dev-pw-secret"
    )
    saved = StoredSession(
        user_pool_id="us-east-1_P",
        client_id="c",
        username="alice",
        tokens=_tokens("alice"),
        device=device,
        endpoint_url="http://127.0.0.1:1",
    )
    store.save(saved)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert FileSessionStore(path).load() == saved
    assert "dev-pw-secret" not in repr(saved)
    assert "refresh-alice" not in repr(saved)


def test_file_store_refuses_a_readable_file_and_a_damaged_one(tmp_path: Path) -> None:
    path = tmp_path / "sessions.json"
    store = FileSessionStore(path)
    store.save(_session("alice"))
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        store.load()
    path.chmod(0o600)
    path.write_text('{"format": 1, "sessions": [{"tokens": "refresh-alice"}]}')
    with pytest.raises(CognitoError, match="log in again") as caught:
        store.load()
    assert "refresh-alice" not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    "content",
    [
        # Nested past the parser's recursion limit: was a RecursionError.
        '{"format": 1, "sessions": ' + "[" * 100_000 + "]" * 100_000 + "}",
        # Members of the wrong type: were read back as their str(), a session
        # for user "None" with the token "['refresh-alice']".
        json.dumps(
            {
                "format": 1,
                "sessions": [
                    {
                        "user_pool_id": "us-east-1_P",
                        "client_id": "c",
                        "username": None,
                        "tokens": {
                            "id_token": ["refresh-alice"],
                            "access_token": 7,
                            "expires_at": T0.isoformat(),
                        },
                    }
                ],
            }
        ),
    ],
    ids=["deeply-nested", "wrong-types"],
)
def test_file_store_refuses_hostile_content_as_damaged(tmp_path: Path, content: str) -> None:
    path = tmp_path / "sessions.json"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(CognitoError, match="log in again") as caught:
        FileSessionStore(path).load()
    assert "refresh-alice" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_a_session_file_over_1_mib_is_refused_unread(tmp_path: Path) -> None:
    # The folder may be shared with other programs: a huge file there (or a
    # --cache pointed at the wrong file) is not read whole into memory, and
    # the message quotes none of it.
    path = tmp_path / "sessions.json"
    FileSessionStore(path).save(_session("alice"))
    original = path.read_text()
    path.write_text(original + " " * (1 << 20))  # valid JSON, one byte per space
    for call in (FileSessionStore(path).load, lambda: FileSessionStore(path).save(_session("b"))):
        with pytest.raises(SessionStoreError, match="more than 1048576 bytes") as caught:
            call()
        message = str(caught.value)
        assert str(path) in message
        assert "delete it, then log in again" in message
        assert "refresh-alice" not in message
        assert caught.value.__cause__ is None
    assert path.read_text().startswith(original)  # the save replaced nothing


def test_a_save_that_would_pass_1_mib_is_refused_and_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sessions.json"
    store = FileSessionStore(path)
    store.save(_session("alice"))
    huge = StoredSession(
        user_pool_id="us-east-1_P",
        client_id="c",
        username="bob",
        tokens=Tokens(
            id_token="i" * (1 << 20),
            access_token="a",
            refresh_token="refresh-bob",
            expires_at=T0,
        ),
    )
    with pytest.raises(SessionStoreError, match="would take more than 1048576 bytes") as caught:
        store.save(huge)
    assert "Sign out the users no longer needed" in str(caught.value)
    assert "refresh-bob" not in str(caught.value)
    assert store.load() == _session("alice")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sessions.json.lock", "sessions.json"]


def _temp_left_by_a_killed_writer(folder: Path, tag: str, age: timedelta = HOUR) -> Path:
    """A temp file holding a token, ``age`` old on the file system's clock."""
    temp = folder / f".sessions.json.{tag * 16}.tmp"
    temp.write_bytes(b"refresh-alice")
    written = temp.stat().st_mtime - age.total_seconds()
    os.utime(temp, (written, written))
    return temp


def test_a_store_clock_ahead_leaves_a_live_temp_alone(tmp_path: Path) -> None:
    # Regression: a temp file's age was the store's clock minus the file's
    # mtime, which the file system stamps: a clock a day ahead (a test's, or
    # one set wrong) took another writer's temp file, mid-save, for a day old
    # and removed it, failing that save (on Windows, or a file system without
    # locks, where saves are not serialized).
    clock = FakeClock(datetime.now(timezone.utc) + timedelta(days=1))
    live = _temp_left_by_a_killed_writer(tmp_path, "e", age=timedelta(0))
    FileSessionStore(tmp_path / "sessions.json", clock=clock).save(_session("alice"))
    assert live.exists()


def test_a_store_clock_behind_still_sweeps(tmp_path: Path) -> None:
    # ... and a clock pinned in the past (a test's T0) never found one old
    # enough: the tokens of a killed writer stayed on disk.
    store = FileSessionStore(tmp_path / "sessions.json", clock=lambda: T0 - timedelta(days=365))
    stale = _temp_left_by_a_killed_writer(tmp_path, "f")
    store.save(_session("alice"))
    assert not stale.exists()


def test_stale_temps_are_swept_on_the_first_save_then_every_ten_minutes(tmp_path: Path) -> None:
    # A sweep reads the whole folder (a project folder can be large): a store
    # sweeps on its first save, then once ten minutes have passed, the age a
    # temp file must reach to be removed at all.
    clock = FakeClock(datetime.now(timezone.utc))
    store = FileSessionStore(tmp_path / "sessions.json", clock=clock)
    first = _temp_left_by_a_killed_writer(tmp_path, "a")
    store.save(_session("alice"))
    assert not first.exists()
    second = _temp_left_by_a_killed_writer(tmp_path, "b")
    clock.advance(minutes=9)
    store.save(_session("alice"))
    assert second.exists()  # not swept: too soon after the last sweep
    clock.advance(minutes=2)
    store.save(_session("alice"))
    assert not second.exists()
    # A new store (a new process) sweeps on its first save.
    third = _temp_left_by_a_killed_writer(tmp_path, "c")
    FileSessionStore(tmp_path / "sessions.json", clock=clock).save(_session("bob"))
    assert not third.exists()


def test_a_sign_out_sweeps_however_recent_the_last_sweep(tmp_path: Path) -> None:
    clock = FakeClock(datetime.now(timezone.utc))
    store = FileSessionStore(tmp_path / "sessions.json", clock=clock)
    store.save(_session("alice"))
    temp = _temp_left_by_a_killed_writer(tmp_path, "d")
    store.delete("us-east-1_P", "c", "alice")
    assert not temp.exists()


def test_a_save_in_a_large_project_folder_reads_little_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the first save's sweep, a save lists the folder only to learn
    # whether it holds anything but the store's files (to tighten it to 0700
    # if not): the first other entry answers that.
    project = tmp_path / "project"
    project.mkdir()
    project.chmod(0o755)
    for i in range(500):
        (project / f"file{i}").touch()
    store = FileSessionStore(project / "sessions.json")
    store.save(_session("alice"))
    read: list[str] = []
    real_scandir = os.scandir

    class Recording:
        def __init__(self, entries: Any) -> None:
            self.entries = entries

        def __enter__(self) -> Recording:
            self.entries.__enter__()
            return self

        def __exit__(self, *exc: object) -> None:
            self.entries.__exit__(*exc)

        def __iter__(self) -> Recording:
            return self

        def __next__(self) -> os.DirEntry[str]:
            entry: os.DirEntry[str] = next(self.entries)
            read.append(entry.name)
            return entry

    monkeypatch.setattr(os, "scandir", lambda path: Recording(real_scandir(path)))
    store.save(_session("bob"))
    # At most the store's own two files, then one other.
    assert 1 <= len(read) <= 3
    assert stat.S_IMODE(project.stat().st_mode) == 0o755
    assert store.load(username="bob") == _session("bob")


def test_two_stores_saving_the_same_file_at_once_keep_both_sessions(tmp_path: Path) -> None:
    # Regression: each store read the file, added its session and wrote it
    # back under its own thread lock only; two processes saving at once kept
    # the session written last (4 processes x 30 users kept 32 of 120).
    path = tmp_path / "sessions.json"
    writing, go_on = threading.Event(), threading.Event()

    class Slow(FileSessionStore):
        def _write(self, sessions: list[StoredSession]) -> None:
            writing.set()
            assert go_on.wait(WAIT)
            super()._write(sessions)

    first = threading.Thread(target=Slow(path).save, args=(_session("alice"),))
    first.start()
    assert writing.wait(WAIT)  # alice's save has read the file, and holds
    second = threading.Thread(target=FileSessionStore(path).save, args=(_session("bob"),))
    second.start()
    second.join(0.5)  # unlocked, bob's save is done by now
    go_on.set()
    first.join(WAIT)
    second.join(WAIT)
    store = FileSessionStore(path)
    assert store.load(username="alice") == _session("alice")
    assert store.load(username="bob") == _session("bob")
    assert stat.S_IMODE((tmp_path / ".sessions.json.lock").stat().st_mode) == 0o600


def test_deleting_a_session_that_is_not_there_creates_nothing(tmp_path: Path) -> None:
    FileSessionStore(tmp_path / "new" / "sessions.json").delete("us-east-1_P", "c", "alice")
    assert not (tmp_path / "new").exists()


def test_file_store_never_writes_through_a_planted_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("untouched")
    path = tmp_path / "sessions.json"
    os.symlink(target, path)
    with pytest.raises(PermissionError, match="symlink"):
        FileSessionStore(path).load()
    assert target.read_text() == "untouched"


def test_restore_without_a_session_says_log_in() -> None:
    with pytest.raises(RefreshTokenError, match="log in"):
        CognitoUser.restore(MemorySessionStore(), user_pool_id="us-east-1_P", client_id="c")


def test_login_saves_sign_out_forgets_and_restore_refreshes(moto_endpoint: str) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp)
    name, password = add_user(idp, pool.pool_id)
    store = MemorySessionStore()
    user = CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=pool.client_id,
        endpoint_url=moto_endpoint,
        session_store=store,
    )
    tokens = user.login(name, password)
    saved = store.load(pool.pool_id, pool.client_id)
    assert saved is not None
    assert saved.tokens == tokens
    assert saved.username == name

    # An expired session comes back refreshed, and is saved again.
    clock = [datetime.now(timezone.utc) + timedelta(days=1)]
    restored = CognitoUser.restore(
        store, user_pool_id=pool.pool_id, client_id=pool.client_id, clock=lambda: clock[0]
    )
    assert restored.tokens is not None
    assert restored.tokens.id_token != tokens.id_token
    again = store.load(pool.pool_id, pool.client_id)
    assert again is not None
    assert again.tokens == restored.tokens

    restored.global_sign_out()
    assert store.load(pool.pool_id, pool.client_id) is None


def test_a_session_restored_in_a_new_process_signs_a_call(
    moto_endpoint: str, tmp_path: Path
) -> None:
    idp = admin("cognito-idp", moto_endpoint)
    pool = make_pool(idp)
    name, password = add_user(idp, pool.pool_id)
    identity_pool = make_identity_pool(
        admin("cognito-identity", moto_endpoint), pool.pool_id, pool.client_id
    )
    path = tmp_path / "cache" / f"{uuid.uuid4().hex}.json"
    CognitoUser(
        user_pool_id=pool.pool_id,
        client_id=pool.client_id,
        endpoint_url=moto_endpoint,
        session_store=FileSessionStore(path),
    ).login(name, password)
    resolve = MotoIdentityResolver(moto_endpoint, identity_pool)
    with VerifyingServer(resolve=resolve, region="us-east-1") as server:
        args = {
            "path": str(path),
            "pool": pool.pool_id,
            "client": pool.client_id,
            "identity_pool": identity_pool,
            "url": f"{server.url}/prod/me",
        }
        # The child has no password, and no AWS credentials of its own.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        answer, printed = call_from_restored_session('FileSessionStore(args["path"])', args, env)
    assert answer["status"] == 200, answer
    assert "TESTACCESSKEY12345" in answer["body"]
    assert password not in printed


def test_saving_replaces_a_planted_symlink_without_reading_or_following_it(
    tmp_path: Path,
) -> None:
    planted = tmp_path / "attacker.json"
    planted.write_text(json.dumps({"format": 1, "sessions": []}))
    path = tmp_path / "sessions.json"
    os.symlink(planted, path)
    FileSessionStore(path).save(_session("alice"))
    assert json.loads(planted.read_text()) == {"format": 1, "sessions": []}
    assert not path.is_symlink()
    assert FileSessionStore(path).load() == _session("alice")
