"""Files only their owner may read: cached sessions and tokens.

Three operations, each refusing what another local user could have planted:

- :func:`write_private_file` writes through a fresh temp file (``O_EXCL``,
  ``O_NOFOLLOW``, mode 0600), then renames it over the target. A symlink or a
  file planted at any name is never written through; another process that
  holds the old file open never sees the new content; the file, then (POSIX)
  its folder, are flushed to disk (``fsync``), so that a power loss after the
  write returned cannot undo it; a temp file a killed writer left (it holds
  what was being written) is removed by a later write (a
  :class:`~sigv4client.cognito.FileSessionStore` sweeps on its first save,
  every sign-out, then every ten minutes: a sweep reads the whole folder). A
  folder it creates is 0700; an existing one is tightened to 0700 only if it
  holds nothing but that file (a project folder given as ``--cache
  ./session.json`` keeps its mode), which is learnt by reading the folder
  only up to its first other entry.
- :func:`read_private_file` reads a file that must be a regular file (not a
  symlink), owned by this user and readable by no one else, and no larger
  than :data:`MAX_FILE_BYTES` (1 MiB; a larger one is refused with
  :class:`FileTooLargeError` before any of it is read, and none is written).
- :func:`private_file_lock` holds, across processes, a lock for a
  read-modify-write of a file: an ``flock`` on ``.<name>.lock`` (0600) beside
  it, which no other user can open and so cannot hold (where the file
  system has no locks, the block runs unlocked).

All refuse (:class:`PermissionError`) a folder that is a symlink (it could
point anywhere), one owned by another user, and one others can write: their
owner could read or swap whatever is written there. All raise :class:`PermissionError`
with a message that says what to do, and :class:`OSError` for the rest.

The folder is opened once (never through a symlink), checked on that
descriptor, and every name in it is reached through the descriptor
(``dir_fd``): the folder checked is the folder written. Windows has no
``dir_fd`` (:data:`os.supports_dir_fd` is empty there) and cannot open a
folder as a file: there the folder is checked with ``lstat`` and names are
joined to its path. Its mode bits are not permissions either (a folder reads
0777, a file 0666, whoever may read them): the mode checks and ``chmod`` are
POSIX-only, and who may read the file is the folder's ACL (under the user's
profile, only that user).

The folders above it are not checked, on purpose. Whatever a path resolves
to, the file is written into (or read from) a folder that this user owns and
no one else can write: someone who can write a folder above can make a save
fail, or send it into another folder of this user's (one the save creates is
0700), but neither read the file nor plant one. OpenSSH walks the path up to
the home folder (StrictModes) because sshd, as root, trusts
``authorized_keys`` by its path; its client checks a key file's own mode,
as this module checks the file and its folder. Such a walk would also refuse
every file below a folder others can write, ``/tmp`` and its test folders
among them. No check, of the path or of descriptors, covers another user's
FUSE file system, which reports whatever owner and mode it likes; Linux keeps
a user's FUSE mount from other users unless an administrator allows it
(``user_allow_other``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_FILE_BYTES",
    "STALE_TEMP_SECONDS",
    "FileTooLargeError",
    "private_file_lock",
    "read_private_file",
    "write_private_file",
]

#: The most a private file may hold, read or written: a few sessions take a
#: few KiB. A larger file (or one another program wrote there) is refused
#: before any of it is read into memory.
MAX_FILE_BYTES = 1 << 20

_DIR_MODE = 0o700
_FILE_MODE = 0o600
# O_NOFOLLOW and O_DIRECTORY are POSIX; where they are missing (Windows) the
# flag is 0 and the folder and owner checks below are what remains.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# A FIFO planted where a file is read would block the open forever.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# Windows: without it os.open reads and writes in text mode (CRLF, ^Z).
_BINARY = getattr(os, "O_BINARY", 0)

# Names are reached through the folder's descriptor where every call below
# takes one. os.supports_dir_fd lists os.rename and not os.replace, which takes
# dir_fd wherever os.rename does. Windows has none of them: there names are
# joined to the folder's path.
_DIR_FD = {os.open, os.stat, os.rename, os.unlink} <= os.supports_dir_fd and (
    os.scandir in os.supports_fd
)
# Mode bits are permissions on POSIX only; on Windows they mirror the
# read-only attribute and an ACL decides who may read a file.
_POSIX_MODES = os.name == "posix"
# A folder fsync refused by the file system (PostgreSQL ignores EBADF and EINVAL
# for a folder, as some systems give them; ENOTSUP and ENOSYS where it is not
# implemented): the rename stands, as durable as that file system makes it.
_NO_FOLDER_FSYNC = frozenset(
    {errno.EBADF, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}
)
# What lstat says of a link on Windows (stat defines these names there only):
# IO_REPARSE_TAG_SYMLINK, and IO_REPARSE_TAG_MOUNT_POINT (a junction).
_LINK_TAGS = (0xA000000C, 0xA0000003)


if sys.platform == "win32":

    def _lock_exclusive(fd: int) -> None:
        """Windows has no ``flock``: a read-modify-write there runs unlocked."""

else:
    import fcntl

    def _lock_exclusive(fd: int) -> None:
        # Blocks until the other holder closes its descriptor (or exits).
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            # A file system without locks (some NFS mounts): unlocked, as on Windows,
            # rather than no save at all.
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise


class FileTooLargeError(OSError):
    """A private file (or data to write to one) over its bound; nothing of it was read.

    Its message names the file and the bound, never the content.
    """


def _too_large(path: Path, max_bytes: int) -> FileTooLargeError:
    return FileTooLargeError(errno.EFBIG, f"larger than {max_bytes} bytes", str(path))


def _lock_name(name: str) -> str:
    return f".{name}.lock"


# The random part of a temp file's name: 16 lower-case hex digits.
_TEMP_TOKEN_BYTES = 8
_HEX = frozenset("0123456789abcdef")


def _temp_name(name: str) -> str:
    """A fresh name for the temp file :func:`write_private_file` writes ``name`` through."""
    return f".{name}.{secrets.token_hex(_TEMP_TOKEN_BYTES)}.tmp"


def _is_temp_of(entry: str, name: str) -> bool:
    """Whether ``entry`` is named as :func:`_temp_name` names the temp files of ``name``.

    Exactly: the sweep removes what matches, and a folder may hold other
    files, such as the user's ``.notes.txt.tmp`` beside ``notes``, or the
    temp files of ``notes.json``.
    """
    prefix, suffix = f".{name}.", ".tmp"
    if not (entry.startswith(prefix) and entry.endswith(suffix)):
        return False
    token = entry[len(prefix) : len(entry) - len(suffix)]
    return len(token) == 2 * _TEMP_TOKEN_BYTES and set(token) <= _HEX


def _euid() -> int | None:
    geteuid = getattr(os, "geteuid", None)
    return None if geteuid is None else int(geteuid())


def _is_link(st: os.stat_result) -> bool:
    """Whether ``st`` (from ``lstat``) is a symlink, or a Windows junction."""
    return stat.S_ISLNK(st.st_mode) or getattr(st, "st_reparse_tag", 0) in _LINK_TAGS


def _check_owner(st: os.stat_result, path: Path, what: str) -> None:
    uid = _euid()
    if uid is not None and st.st_uid != uid:
        raise PermissionError(
            f"the {what} {str(path)!r} belongs to user id {st.st_uid}, not to you "
            f"(user id {uid}); its owner could read or replace what is written there. "
            "Remove it, or choose another location"
        )


def _symlinked(folder: Path) -> PermissionError:
    return PermissionError(
        f"the folder {str(folder)!r} is a symlink; a private file is kept only in a real "
        "folder, or the link could send it anywhere. Remove the link, or choose another "
        "location"
    )


@dataclass(frozen=True, slots=True)
class _Folder:
    """An open folder: its path, its status, and its descriptor where names are reached by one.

    ``fd`` is ``None`` where the platform has no ``dir_fd`` (Windows): there
    every name is joined to ``path``. Each operation on a name below is the
    one place that chooses between the two.
    """

    path: Path
    st: os.stat_result
    fd: int | None

    def open(self, name: str, flags: int, mode: int = 0o777) -> int:
        if self.fd is None:
            return os.open(self.path / name, flags, mode)
        return os.open(name, flags, mode, dir_fd=self.fd)

    def lstat(self, name: str) -> os.stat_result:
        if self.fd is None:
            return os.stat(self.path / name, follow_symlinks=False)
        return os.stat(name, dir_fd=self.fd, follow_symlinks=False)

    def replace(self, src: str, dst: str) -> None:
        if self.fd is None:
            os.replace(self.path / src, self.path / dst)
        else:
            os.replace(src, dst, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def unlink(self, name: str) -> None:
        if self.fd is None:
            os.unlink(self.path / name)
        else:
            os.unlink(name, dir_fd=self.fd)

    @contextlib.contextmanager
    def names(self) -> Iterator[Iterator[str]]:
        """The names in the folder, read as they are consumed (stop early: read less)."""
        with os.scandir(self.path) if self.fd is None else os.scandir(self.fd) as entries:
            yield (entry.name for entry in entries)

    def tighten(self) -> None:
        """Make the folder 0700 (POSIX only)."""
        if self.fd is None:
            # Only where dir_fd is missing and modes are permissions: no such
            # POSIX system is known; the lstat above was the check.
            os.chmod(self.path, _DIR_MODE)
        else:
            # On the descriptor: the folder checked is the folder changed.
            os.fchmod(self.fd, _DIR_MODE)

    def sync(self) -> None:
        """Flush the folder's entries to disk, so that a rename in it survives a power loss.

        POSIX: ``fsync`` of the folder's descriptor (a file system that
        refuses it is left as it is). Windows cannot open a folder to flush
        it, and NTFS journals its entries: nothing there.
        """
        if self.fd is None:
            return
        try:
            os.fsync(self.fd)
        except OSError as exc:
            if exc.errno not in _NO_FOLDER_FSYNC:
                raise

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)


def _open_dir(folder: Path) -> _Folder:
    """``folder`` itself (never through a symlink), open, with its status."""
    if not _DIR_FD:
        st = os.stat(folder, follow_symlinks=False)
        if _is_link(st):
            raise _symlinked(folder)
        if not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(f"{str(folder)!r} is not a folder")
        return _Folder(folder, st, None)
    try:
        fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError:
        if folder.is_symlink():
            raise _symlinked(folder) from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISDIR(st.st_mode):
        os.close(fd)
        raise NotADirectoryError(f"{str(folder)!r} is not a folder")
    if folder.is_symlink():  # where O_NOFOLLOW is missing
        os.close(fd)
        raise _symlinked(folder)
    return _Folder(folder, st, fd)


def _others_can_write(st: os.stat_result, folder: Path) -> PermissionError:
    return PermissionError(
        f"others can write to the folder {str(folder)!r} (mode "
        f"{stat.S_IMODE(st.st_mode):o}): they could replace a private file there. Run "
        f"'chmod go-w {folder}', or choose a location in a folder only you can write"
    )


def _check_folder(folder: _Folder) -> None:
    """Refuse a folder another user owns, or (POSIX) one others can write."""
    _check_owner(folder.st, folder.path, "folder")
    if _POSIX_MODES and folder.st.st_mode & 0o022:
        raise _others_can_write(folder.st, folder.path)


def _only_ours(folder: _Folder, name: str) -> bool:
    # The cache itself, its lock, and temp files left by an interrupted write of it.
    with folder.names() as entries:
        return all(
            entry in (name, _lock_name(name)) or _is_temp_of(entry, name) for entry in entries
        )


def _open_private_dir(folder: Path, name: str) -> _Folder:
    """``folder``, open and checked, made 0700 if created here.

    An existing folder is tightened to 0700 only if it holds nothing but the
    file ``name`` (a project folder keeps its mode); otherwise one that others
    can write is refused.
    """
    created = not os.path.lexists(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
    opened = _open_dir(folder)
    try:
        _check_owner(opened.st, folder, "folder")
        mode = stat.S_IMODE(opened.st.st_mode)
        if _POSIX_MODES and mode != _DIR_MODE and (created or _only_ours(opened, name)):
            opened.tighten()
        elif _POSIX_MODES and mode & 0o022:
            raise _others_can_write(opened.st, folder)
    except BaseException:
        opened.close()
        raise
    return opened


def write_private_file(
    path: Path,
    data: bytes,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    sweep: bool = True,
) -> None:
    """Write ``data`` to ``path`` readable by its owner only, atomically.

    The folder is created (or tightened) to mode 0700; the data goes to a new
    temp file beside ``path`` (0600, ``O_EXCL | O_NOFOLLOW``), is flushed to
    disk, and the temp file is renamed over ``path`` (which replaces a symlink
    there rather than following it); the folder is then flushed to disk too
    (POSIX), so the rename survives a power loss once this returns.

    ``data`` longer than ``max_bytes`` (what :func:`read_private_file` reads
    back) raises :class:`FileTooLargeError`, and nothing is written.

    With ``sweep``, the write then removes the temp files of ``path`` that
    killed writers left, :data:`STALE_TEMP_SECONDS` older than the file just
    written (see :func:`_sweep_stale_temps`). That reads the whole folder: a
    caller writing often sweeps on its first write and then every
    :data:`STALE_TEMP_SECONDS` (sooner, a temp file younger than that is not
    removed anyway).
    """
    if len(data) > max_bytes:
        raise _too_large(path, max_bytes)
    folder = _open_private_dir(path.parent, path.name)
    try:
        tmp = _temp_name(path.name)
        fd = folder.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY,
            _FILE_MODE,
        )
        try:
            with os.fdopen(fd, "wb") as f:
                if _POSIX_MODES:
                    # 0600 whatever the umask (the mode of os.open is masked by it).
                    os.fchmod(f.fileno(), _FILE_MODE)
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
                written_at = os.fstat(f.fileno()).st_mtime
            folder.replace(tmp, path.name)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                folder.unlink(tmp)
            raise
        # The rename is a change of the folder, not of the file: until the
        # folder is flushed too, a power loss can bring back the old file (a
        # session saved, or one a sign-out removed).
        folder.sync()
        if sweep:
            _sweep_stale_temps(folder, path.name, written_at)
    finally:
        folder.close()


#: A temp file this old was left by a writer that died between writing and
#: renaming it (a write takes milliseconds): another writer's is never this old.
STALE_TEMP_SECONDS = 600


def _sweep_stale_temps(folder: _Folder, name: str, now: float) -> None:
    """Remove temp files of ``name`` that a killed writer left behind.

    They hold what was being written (tokens), which a later save or sign-out
    must not leave on disk. Only regular files of this user, named as
    :func:`write_private_file` names them, older than
    :data:`STALE_TEMP_SECONDS` at ``now``: the mtime the file system gave the
    file just written. Ages are read on the clock that stamped them, so no
    other clock (an injected one, the system's against a network file
    system's) can take another writer's temp file, mid-save, for a stale one,
    or leave a stale one for ever.
    """
    uid = _euid()
    with folder.names() as entries:
        temps = [entry for entry in entries if _is_temp_of(entry, name)]
    for entry in temps:
        with contextlib.suppress(OSError):
            st = folder.lstat(entry)
            if (
                stat.S_ISREG(st.st_mode)
                and (uid is None or st.st_uid == uid)
                and now - st.st_mtime > STALE_TEMP_SECONDS
            ):
                folder.unlink(entry)


@contextlib.contextmanager
def private_file_lock(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` across processes while the block runs.

    For a read-modify-write of ``path``: two processes that each read the
    file, add their change and write it back would otherwise keep only the
    change written last. The lock is an ``flock`` on ``.<name>.lock`` beside
    ``path`` (0600, in a folder checked and created as :func:`write_private_file`
    does): a file no other user can open, so no other user can hold the lock
    and stall the writer. It is released when the block ends, or when the
    process dies. (Windows has no ``flock``: there the block runs unlocked.)
    """
    folder = _open_private_dir(path.parent, path.name)
    try:
        fd = folder.open(
            _lock_name(path.name), os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, _FILE_MODE
        )
    finally:
        folder.close()
    try:
        st = os.fstat(fd)
        lock_path = path.with_name(_lock_name(path.name))
        if not stat.S_ISREG(st.st_mode):
            raise PermissionError(f"{str(lock_path)!r} is not a regular file; remove it")
        _check_owner(st, lock_path, "lock file")
        _lock_exclusive(fd)
        yield
    finally:
        os.close(fd)


def _symlinked_file(path: Path) -> PermissionError:
    return PermissionError(
        f"{str(path)!r} is a symlink; a private file is read only from a regular "
        "file. Remove the link and log in again"
    )


def read_private_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> bytes | None:
    """The content of ``path``, or ``None`` if there is no such file.

    Refused with :class:`PermissionError`: a symlink, something other than a
    regular file, a file owned by another user, or one that others may read or
    write (the message gives the ``chmod`` that fixes it). One of more than
    ``max_bytes`` raises :class:`FileTooLargeError`, before any of it is read.
    """
    # The folder as the writer checks it: not a symlink, and not one others
    # can write (they could have put the file there); the file is opened in it.
    try:
        folder = _open_dir(path.parent)
    except FileNotFoundError:
        return None
    try:
        _check_folder(folder)
        if not _NOFOLLOW and _is_link(folder.lstat(path.name)):
            raise _symlinked_file(path)  # the open below would follow it
        fd = folder.open(path.name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY)
    except FileNotFoundError:
        return None
    except PermissionError:
        raise
    except OSError:
        if path.is_symlink():
            raise _symlinked_file(path) from None
        raise
    finally:
        folder.close()
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise PermissionError(f"{str(path)!r} is not a regular file; remove it")
        _check_owner(st, path, "file")
        if _POSIX_MODES and st.st_mode & 0o077:
            raise PermissionError(
                f"{path} is readable by others; run 'chmod 600 {path}' or log in again"
            )
        if st.st_size > max_bytes:
            raise _too_large(path, max_bytes)
        # Bounded too: the file could have grown since fstat.
        data = f.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(path, max_bytes)
        return data
