"""Private files where the platform has no ``dir_fd``: Windows, emulated on POSIX.

Windows has no ``dir_fd`` (``os.supports_dir_fd`` is empty there: passing one
raises ``NotImplementedError``), cannot list a folder by descriptor or open a
folder as a file, has no ``O_NOFOLLOW``, no ``os.fchmod`` (before 3.13) and no
``os.geteuid``, and its mode bits are not permissions (every file reads 0666,
every folder 0777). The fixture below takes all of that away from ``os`` the
way Windows lacks it, and sets the module's switches as it sets them there,
so the path the code takes on Windows runs here; any ``dir_fd`` it still
used would raise.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from sigv4client import _private_files
from sigv4client._private_files import read_private_file, write_private_file
from sigv4client.cognito import FileSessionStore
from tests.test_cognito_sessions import _session

pytestmark = pytest.mark.skipif(os.name != "posix", reason="emulates Windows on a POSIX system")


def _no_dir_fd(real: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if any(kwargs.get(k) is not None for k in ("dir_fd", "src_dir_fd", "dst_dir_fd")):
            raise NotImplementedError("dir_fd unavailable on this platform")
        return real(*args, **kwargs)

    return call


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("open", "stat", "replace", "rename", "unlink", "mkdir", "chmod"):
        monkeypatch.setattr(os, name, _no_dir_fd(getattr(os, name)))
    real_open, real_scandir, real_listdir = os.open, os.scandir, os.listdir

    def open_no_folder(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        fd = real_open(path, flags, mode, **kwargs)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise PermissionError(13, "Permission denied", str(path))
        return fd

    def by_path_only(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(path: Any = ".") -> Any:
            if isinstance(path, int):
                raise NotImplementedError("listing a folder by descriptor")
            return real(path)

        return call

    monkeypatch.setattr(os, "open", open_no_folder)
    monkeypatch.setattr(os, "scandir", by_path_only(real_scandir))
    monkeypatch.setattr(os, "listdir", by_path_only(real_listdir))
    monkeypatch.delattr(os, "fchmod")
    monkeypatch.delattr(os, "geteuid")
    monkeypatch.setattr(_private_files, "_DIR_FD", False)
    monkeypatch.setattr(_private_files, "_NOFOLLOW", 0)
    monkeypatch.setattr(_private_files, "_DIRECTORY", 0)
    monkeypatch.setattr(_private_files, "_NONBLOCK", 0)
    monkeypatch.setattr(_private_files, "_POSIX_MODES", False)


def test_the_switches_are_on_here_so_the_emulation_is_what_changes() -> None:
    # On this POSIX system the descriptor path is the one taken without the fixture.
    assert _private_files._DIR_FD
    assert _private_files._POSIX_MODES


@pytest.mark.usefixtures("windows")
def test_write_read_and_rewrite_by_path(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "session.json"
    write_private_file(path, b"one")
    write_private_file(path, b"two")
    assert read_private_file(path) == b"two"
    assert read_private_file(tmp_path / "cache" / "absent.json") is None
    assert read_private_file(tmp_path / "absent" / "session.json") is None
    assert sorted(p.name for p in path.parent.iterdir()) == ["session.json"]


@pytest.mark.usefixtures("windows")
def test_mode_bits_are_not_read_as_permissions(tmp_path: Path) -> None:
    # What Windows reports for every file and folder; the old code refused them all.
    path = tmp_path / "cache" / "session.json"
    write_private_file(path, b"{}")
    path.chmod(0o666)
    path.parent.chmod(0o777)
    assert read_private_file(path) == b"{}"
    write_private_file(path, b"[]")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o777  # no chmod where it means nothing


@pytest.mark.usefixtures("windows")
def test_a_stale_temp_is_swept_by_path(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    write_private_file(path, b"{}")
    stale = tmp_path / ".session.json.0123456789abcdef.tmp"
    stale.write_bytes(b"refresh-token")
    hour_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).timestamp()
    os.utime(stale, (hour_ago, hour_ago))
    write_private_file(path, b"{}")
    assert not stale.exists()


@pytest.mark.usefixtures("windows")
def test_links_are_neither_followed_nor_written_through(tmp_path: Path) -> None:
    target = tmp_path / "target.json"
    target.write_bytes(b"keep")
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "session.json").symlink_to(target)
    with pytest.raises(PermissionError, match="is a symlink"):
        read_private_file(folder / "session.json")  # O_NOFOLLOW is missing: lstat first
    write_private_file(folder / "session.json", b"new")
    assert target.read_bytes() == b"keep"
    assert read_private_file(folder / "session.json") == b"new"
    linked = tmp_path / "linked"
    linked.symlink_to(folder)
    with pytest.raises(PermissionError, match="is a symlink"):
        write_private_file(linked / "session.json", b"x")
    with pytest.raises(PermissionError, match="is a symlink"):
        read_private_file(linked / "session.json")


@pytest.mark.usefixtures("windows")
def test_the_session_store_saves_loads_and_deletes(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path / "sessions.json")
    store.save(_session("alice"))
    store.save(_session("bob"))
    assert FileSessionStore(tmp_path / "sessions.json").load() == _session("bob")
    store.delete("us-east-1_P", "c", "bob")
    assert store.load() == _session("alice")
