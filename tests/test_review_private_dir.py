"""The cache folder: never through a symlink, and only our own folders tightened.

``--cache ./session.json`` turned the project folder from 0755 to 0700, and a
symlink planted at the cache folder's path redirected the write (and the
chmod) to wherever it pointed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sigv4client import cli
from sigv4client._private_files import read_private_file, write_private_file
from tests.test_private_files import SESSION

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and O_NOFOLLOW")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_folder_with_other_content_keeps_its_mode(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    project.chmod(0o755)
    (project / "README").write_text("x")
    write_private_file(project / "session.json", b"{}")
    assert _mode(project) == 0o755
    assert _mode(project / "session.json") == 0o600
    assert read_private_file(project / "session.json") == b"{}"


def test_a_folder_others_can_write_is_refused_with_what_to_do(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o775)
    (shared / "notes.txt").write_text("x")
    with pytest.raises(PermissionError, match=r"others can write") as caught:
        write_private_file(shared / "session.json", b"{}")
    assert f"chmod go-w {shared}" in str(caught.value)
    assert _mode(shared) == 0o775
    assert sorted(os.listdir(shared)) == ["notes.txt"]
    # Reading from there is refused the same way.
    (shared / "session.json").write_bytes(b"{}")
    (shared / "session.json").chmod(0o600)
    with pytest.raises(PermissionError, match=r"others can write"):
        read_private_file(shared / "session.json")


def test_a_folder_holding_only_our_cache_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "session.json").write_bytes(b"old")
    (folder / "session.json").chmod(0o600)
    folder.chmod(0o775)
    write_private_file(folder / "session.json", b"new")
    assert _mode(folder) == 0o700
    assert read_private_file(folder / "session.json") == b"new"


def test_a_symlinked_cache_folder_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    elsewhere.chmod(0o755)
    planted = tmp_path / "planted"
    planted.symlink_to(elsewhere)
    with pytest.raises(PermissionError, match=r"is a symlink") as caught:
        write_private_file(planted / "session.json", b"{}")
    assert "Remove the link" in str(caught.value)
    assert os.listdir(elsewhere) == []
    assert _mode(elsewhere) == 0o755
    (elsewhere / "session.json").write_bytes(b"{}")
    (elsewhere / "session.json").chmod(0o600)
    with pytest.raises(PermissionError, match=r"is a symlink"):
        read_private_file(planted / "session.json")


def test_the_cli_says_what_to_do_with_a_shared_folder(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "other").write_text("x")
    shared.chmod(0o777)
    with pytest.raises(cli._Failure, match=r"cannot write the session cache: .*others can write"):
        cli._write_cache(shared / "session.json", SESSION)


def test_folders_above_the_cache_folder_are_not_checked_and_a_swap_there_gains_nothing(
    tmp_path: Path,
) -> None:
    # Only the file's own folder is checked, on its descriptor, and every name
    # is reached through that descriptor: a folder above that others can
    # write (here without even /tmp's sticky bit) is used, and what its other
    # writers can do there sends the file into a folder of ours, never theirs.
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    cache = shared / "app" / "cache" / "session.json"
    write_private_file(cache, b"one")
    assert read_private_file(cache) == b"one"
    # They swap the cache folder for a link to a folder of theirs: refused.
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    theirs.chmod(0o777)
    (shared / "app" / "cache").rename(shared / "app" / "old")
    (shared / "app" / "cache").symlink_to(theirs)
    with pytest.raises(PermissionError, match="is a symlink"):
        write_private_file(cache, b"two")
    with pytest.raises(PermissionError, match="is a symlink"):
        read_private_file(cache)
    assert os.listdir(theirs) == []
    # They swap a folder above it for a link into theirs: the save makes its
    # own folder there, 0700 (they cannot look in), and the file 0600.
    (shared / "app").rename(shared / "app.old")
    (shared / "app").symlink_to(theirs)
    write_private_file(cache, b"three")
    assert _mode(theirs / "cache") == 0o700
    assert _mode(theirs / "cache" / "session.json") == 0o600
    assert (theirs / "cache").stat().st_uid == os.geteuid()
