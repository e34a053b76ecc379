"""Files only their owner may read: cached sessions and tokens.

Two operations, both refusing what another local user could have planted:

- :func:`write_private_file` writes through a fresh temp file (``O_EXCL``,
  ``O_NOFOLLOW``, mode 0600) in a folder made or tightened to 0700, then
  renames it over the target. A symlink or a file planted at any name is
  never written through; another process that holds the old file open never
  sees the new content.
- :func:`read_private_file` reads a file that must be a regular file (not a
  symlink), owned by this user and readable by no one else.

A folder owned by another user is refused (:class:`PermissionError`): its owner
could read or swap whatever is written there. Both raise :class:`PermissionError`
with a message that says what to do, and :class:`OSError` for the rest.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

__all__ = ["read_private_file", "write_private_file"]

_DIR_MODE = 0o700
_FILE_MODE = 0o600
# O_NOFOLLOW and O_DIRECTORY are POSIX; where they are missing (Windows) the
# flag is 0 and the folder and owner checks below are what remains.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# A FIFO planted where a file is read would block the open forever.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _euid() -> int | None:
    geteuid = getattr(os, "geteuid", None)
    return None if geteuid is None else int(geteuid())


def _check_owner(st: os.stat_result, path: Path, what: str) -> None:
    uid = _euid()
    if uid is not None and st.st_uid != uid:
        raise PermissionError(
            f"the {what} {str(path)!r} belongs to user id {st.st_uid}, not to you "
            f"(user id {uid}); its owner could read or replace what is written there. "
            "Remove it, or choose another location"
        )


def _open_private_dir(folder: Path) -> int:
    """Make ``folder`` (0700) or tighten it to 0700; a descriptor of it, checked."""
    folder.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
    fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(f"{str(folder)!r} is not a folder")
        _check_owner(st, folder, "folder")
        if stat.S_IMODE(st.st_mode) != _DIR_MODE:
            # On the descriptor: the folder checked is the folder changed.
            os.fchmod(fd, _DIR_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only, atomically.

    The folder is created (or tightened) to mode 0700; the data goes to a new
    temp file beside ``path`` (0600, ``O_EXCL | O_NOFOLLOW``), is flushed to
    disk, and the temp file is renamed over ``path`` (which replaces a symlink
    there rather than following it).
    """
    dir_fd = _open_private_dir(path.parent)
    try:
        tmp = f".{path.name}.{secrets.token_hex(8)}.tmp"
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
            _FILE_MODE,
            dir_fd=dir_fd,
        )
        try:
            with os.fdopen(fd, "wb") as f:
                # 0600 whatever the umask (the mode of os.open is masked by it).
                os.fchmod(f.fileno(), _FILE_MODE)
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
    finally:
        os.close(dir_fd)


def read_private_file(path: Path) -> bytes | None:
    """The content of ``path``, or ``None`` if there is no such file.

    Refused with :class:`PermissionError`: a symlink, something other than a
    regular file, a file owned by another user, or one that others may read or
    write (the message gives the ``chmod`` that fixes it).
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        if path.is_symlink():
            raise PermissionError(
                f"{str(path)!r} is a symlink; a private file is read only from a regular "
                "file. Remove the link and log in again"
            ) from None
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise PermissionError(f"{str(path)!r} is not a regular file; remove it")
        _check_owner(st, path, "file")
        if st.st_mode & 0o077:
            raise PermissionError(
                f"{path} is readable by others; run 'chmod 600 {path}' or log in again"
            )
        return f.read()
