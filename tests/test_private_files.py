"""The login cache and other private files: nothing another local user planted is written through.

Each attack is set up as another user would set it up (a symlink or a file at
the temp name, a world-writable folder, a folder owned by someone else), then
the CLI's cache writer and the private-file module are run against it.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from sigv4client import cli
from sigv4client._private_files import read_private_file, write_private_file
from sigv4client.cognito import StoredSession, Tokens
from tests.support.cli import run

REFRESH = "refresh-token-that-must-stay-private"
SESSION = StoredSession(
    user_pool_id="us-east-1_P",
    client_id="c",
    username="alice",
    tokens=Tokens(
        id_token="id",
        access_token="acc",
        refresh_token=REFRESH,
        expires_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    ),
)


def _refresh_token(cache: Path) -> object:
    return json.loads(cache.read_text())["sessions"][0]["tokens"]["refresh_token"]


OTHER_UID = 65534  # nobody

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and O_NOFOLLOW")
pytestmark = posix_only


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_symlink_planted_at_the_old_temp_name_is_not_written_through(tmp_path: Path) -> None:
    # Regression: the cache went through a fixed "session.tmp", opened without
    # O_EXCL or O_NOFOLLOW: a symlink there sent the refresh token to its target.
    cache = tmp_path / "cache" / "session.json"
    cache.parent.mkdir(mode=0o700)
    stolen = tmp_path / "attacker.txt"
    stolen.write_text("")
    (cache.parent / "session.tmp").symlink_to(stolen)
    cli._write_cache(cache, SESSION)
    assert stolen.read_text() == ""
    assert _refresh_token(cache) == REFRESH
    assert _mode(cache) == 0o600


def test_a_file_held_open_at_the_old_temp_name_never_sees_the_token(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "session.json"
    cache.parent.mkdir(mode=0o700)
    planted = cache.parent / "session.tmp"
    planted.write_text("")
    planted.chmod(0o666)
    with planted.open("rb") as held:  # another process keeps it open
        cli._write_cache(cache, SESSION)
        assert REFRESH.encode() not in held.read()
    assert _refresh_token(cache) == REFRESH


def test_a_symlink_at_the_cache_itself_is_replaced_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    (folder / "session.json").symlink_to(target)
    cli._write_cache(folder / "session.json", SESSION)
    assert target.read_text() == "{}"
    assert not (folder / "session.json").is_symlink()
    assert _mode(folder / "session.json") == 0o600


def test_a_world_writable_cache_folder_is_tightened_to_0700(tmp_path: Path) -> None:
    # Regression: an existing folder was left at its mode (0777 here).
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o777)
    cli._write_cache(folder / "session.json", SESSION)
    assert _mode(folder) == 0o700
    assert _mode(folder / "session.json") == 0o600


def test_a_new_cache_folder_is_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        cli._write_cache(tmp_path / "a" / "b" / "session.json", SESSION)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a" / "b") == 0o700
    assert _mode(tmp_path / "a" / "b" / "session.json") == 0o600


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_cache_folder_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    os.chown(folder, OTHER_UID, OTHER_UID)
    with pytest.raises(cli._Failure, match=r"belongs to user id 65534, not to you") as caught:
        cli._write_cache(folder / "session.json", SESSION)
    assert "Remove it, or choose another location" in str(caught.value)
    assert caught.value.code == cli.EXIT_ERROR
    assert list(folder.iterdir()) == []
    assert _mode(folder) == 0o755  # not "tightened" for its owner either


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_cache_file_owned_by_another_user_is_not_read(tmp_path: Path) -> None:
    write_private_file(tmp_path / "session.json", b"{}")
    os.chown(tmp_path / "session.json", OTHER_UID, OTHER_UID)
    with pytest.raises(PermissionError, match="belongs to user id 65534"):
        read_private_file(tmp_path / "session.json")


def test_no_temp_file_is_left_behind(tmp_path: Path) -> None:
    for _ in range(3):
        write_private_file(tmp_path / "session.json", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]


def test_a_failed_write_leaves_no_temp_file_and_keeps_the_old_content(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    write_private_file(path, b"old")
    (tmp_path / "sub").mkdir()
    with pytest.raises(OSError, match=r"Is a directory|Directory not empty"):
        write_private_file(tmp_path / "sub", b"new")  # rename over a folder fails
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.json", "sub"]
    assert path.read_bytes() == b"old"


def test_reading_refuses_a_symlink_and_a_file_others_can_read(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    write_private_file(real, b"{}")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with pytest.raises(PermissionError, match="is a symlink"):
        read_private_file(link)
    real.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        read_private_file(real)
    assert read_private_file(tmp_path / "absent.json") is None


def test_reading_a_planted_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "session.json"
    os.mkfifo(fifo, 0o600)
    outcome: list[BaseException | bytes | None] = []

    def read() -> None:
        try:
            outcome.append(read_private_file(fifo))
        except OSError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)
    if reader.is_alive():  # unblock the reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert isinstance(outcome[0], PermissionError)
    assert "not a regular file" in str(outcome[0])


def test_the_cli_reports_a_cache_it_refuses_to_read(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    write_private_file(real, b"{}")
    (tmp_path / "session.json").symlink_to(real)
    with pytest.raises(cli._Failure, match=r"cannot read the session cache: .*is a symlink"):
        cli._read_cache(tmp_path / "session.json")


@pytest.mark.parametrize(
    "content",
    [
        {"id_token": "x"},  # keys missing
        {  # a date that is not one
            "id_token": "i",
            "access_token": "a",
            "refresh_token": "r",
            "expires_at": "soon",
            "user_pool_id": "us-east-1_Abc",
            "client_id": "c",
        },
    ],
)
def test_a_damaged_cache_says_log_in_again(tmp_path: Path, content: dict[str, str]) -> None:
    # Regression: a cache without one of its keys ended in a KeyError traceback.
    cache = tmp_path / "session.json"
    write_private_file(cache, json.dumps(content).encode())
    proc = run(
        [
            "--identity-pool-id",
            "us-east-1:00000000-0000-0000-0000-000000000000",
            "--cache",
            str(cache),
            "--region",
            "us-east-1",
            "http://127.0.0.1:1/",
        ]
    )
    assert proc.returncode == 1, proc.stderr
    assert "is incomplete or damaged; log in again" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_hard_link_at_the_cache_is_replaced_not_written_through(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.link(victim, folder / "session.json")
    cli._write_cache(folder / "session.json", SESSION)
    assert victim.read_text() == "keep me"
    assert _refresh_token(folder / "session.json") == REFRESH


def test_a_temp_file_a_killed_writer_left_is_removed_by_the_next_write(tmp_path: Path) -> None:
    # A writer killed between writing its temp file and renaming it leaves the
    # tokens it was writing on disk; the next write removes such a file once it
    # is old enough that no live writer can own it, and leaves anything else.
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    cache = folder / "session.json"
    stale = folder / ".session.json.0123456789abcdef.tmp"
    fresh = folder / ".session.json.fedcba9876543210.tmp"  # a live writer's, mid-write
    other = folder / ".other.json.0123456789abcdef.tmp"  # another file's
    planted = folder / ".session.json.5555555555555555.tmp"  # a symlink: never followed
    target = tmp_path / "target.txt"
    target.write_text("keep")
    for path in (stale, fresh, other):
        path.write_bytes(REFRESH.encode())
    planted.symlink_to(target)
    hour_ago = datetime.now(timezone.utc).timestamp() - 3600
    for path in (stale, other):
        os.utime(path, (hour_ago, hour_ago))
    os.utime(planted, (hour_ago, hour_ago), follow_symlinks=False)
    write_private_file(cache, b"{}")
    assert not stale.exists()
    assert fresh.exists()
    assert other.exists()
    assert planted.is_symlink()
    assert target.read_text() == "keep"
    assert read_private_file(cache) == b"{}"


def test_the_sweep_removes_only_names_a_write_of_this_file_gives(tmp_path: Path) -> None:
    # Regression: any ".<name>.*.tmp" was taken for a temp file of <name>, so a
    # write of "notes" removed the user's own ".notes.txt.tmp" (and another
    # file's temps) from a project folder once they were ten minutes old.
    folder = tmp_path / "project"
    folder.mkdir(mode=0o700)
    cache = folder / "notes"
    mine = folder / ".notes.0123456789abcdef.tmp"
    theirs = [
        folder / ".notes.txt.tmp",
        folder / ".notes.json.0123456789abcdef.tmp",  # a temp file of "notes.json"
        folder / ".notes.0123456789ABCDEF.tmp",
        folder / ".notes.0123456789abcde.tmp",
    ]
    hour_ago = datetime.now(timezone.utc).timestamp() - 3600
    for path in (mine, *theirs):
        path.write_bytes(b"keep")
        os.utime(path, (hour_ago, hour_ago))
    write_private_file(cache, b"{}")
    assert not mine.exists()
    assert all(path.exists() for path in theirs)


def test_a_folder_holding_a_file_of_the_user_is_not_taken_for_the_stores_own(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "project"
    folder.mkdir(mode=0o750)
    (folder / ".notes.txt.tmp").write_text("the user's")
    write_private_file(folder / "notes", b"{}")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750  # a project folder keeps its mode


def test_a_file_system_without_locks_saves_unlocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some NFS mounts refuse flock (ENOLCK): a save there runs unlocked, as on
    # Windows, instead of failing; any other error of the lock still raises.
    import errno
    import fcntl

    from sigv4client import _private_files

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    cache = tmp_path / "cache" / "session.json"
    with _private_files.private_file_lock(cache):
        write_private_file(cache, b"{}")
    assert read_private_file(cache) == b"{}"

    def broken(fd: int, op: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(fcntl, "flock", broken)
    with pytest.raises(OSError, match="I/O error"), _private_files.private_file_lock(cache):
        pass


def _record_fsync_and_replace(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int | None]]:
    """Record, in order, each os.fsync (with the inode of a folder synced) and
    os.replace; both still do what they do."""
    events: list[tuple[str, int | None]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        events.append(("fsync folder", st.st_ino) if stat.S_ISDIR(st.st_mode) else ("fsync", None))
        real_fsync(fd)

    def replace(*args: Any, **kwargs: Any) -> None:
        events.append(("replace", None))
        real_replace(*args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def test_the_folder_is_flushed_to_disk_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without it, a power loss just after the write returned could bring back
    # the old file: the rename is a change of the folder, not of the file.
    cache = tmp_path / "cache" / "session.json"
    write_private_file(cache, b"old")
    events = _record_fsync_and_replace(monkeypatch)
    write_private_file(cache, b"new")
    folder_inode = cache.parent.stat().st_ino
    assert events == [("fsync", None), ("replace", None), ("fsync folder", folder_inode)]
    assert read_private_file(cache) == b"new"


@pytest.mark.parametrize("operation", ["save", "delete"])
def test_a_session_saved_or_signed_out_is_flushed_with_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    from sigv4client.cognito import FileSessionStore

    store = FileSessionStore(tmp_path / "sessions.json")
    store.save(SESSION)
    events = _record_fsync_and_replace(monkeypatch)
    if operation == "save":
        store.save(SESSION)
    else:
        store.delete(SESSION.user_pool_id, SESSION.client_id, SESSION.username)
    assert events[-2:] == [("replace", None), ("fsync folder", tmp_path.stat().st_ino)]


def _fsync_refusing_folders(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """os.fsync as a file system that refuses a folder's fsync with ``code`` has it."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(code, os.strerror(code))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize("code", ["EINVAL", "EBADF", "ENOTSUP", "ENOSYS"])
def test_a_file_system_refusing_a_folder_fsync_still_saves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    import errno

    _fsync_refusing_folders(monkeypatch, getattr(errno, code))
    write_private_file(tmp_path / "session.json", b"{}")
    assert read_private_file(tmp_path / "session.json") == b"{}"


def test_a_folder_fsync_that_fails_otherwise_fails_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An I/O error means the save may not be on disk: the caller is told.
    import errno

    _fsync_refusing_folders(monkeypatch, errno.EIO)
    with pytest.raises(OSError, match="Input/output error"):
        write_private_file(tmp_path / "session.json", b"{}")
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]  # no temp left


def test_a_file_over_the_bound_is_refused_and_data_over_it_is_not_written(
    tmp_path: Path,
) -> None:
    from sigv4client._private_files import FileTooLargeError

    path = tmp_path / "session.json"
    write_private_file(path, b"x" * 8, max_bytes=8)
    assert read_private_file(path, max_bytes=8) == b"x" * 8
    with pytest.raises(FileTooLargeError, match="larger than 7 bytes") as caught:
        read_private_file(path, max_bytes=7)
    assert caught.value.filename == str(path)
    with pytest.raises(FileTooLargeError, match="larger than 8 bytes"):
        write_private_file(path, b"y" * 9, max_bytes=8)
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]  # no temp file
    assert path.read_bytes() == b"x" * 8
