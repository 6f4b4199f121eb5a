"""Writing files so that a crash never leaves half of one: the one place the project writes durably.

- ``replace_atomic(path, data)``: the new content goes to a temporary file beside ``path`` (a name of
  its own, so two writers never share one), is flushed to disk, given ``mode`` and renamed over
  ``path``; then the folder's entry is flushed too. A reader sees the old file or the new one.
- ``write_durable(path, data)``: write and flush to disk, for files inside a folder that is itself
  renamed into place afterwards (an index snapshot, a model folder).
- ``replace_folder(path, fill)``: build a new folder with ``fill(tmp)`` beside ``path`` (a name of its
  own) and rename it into place; an existing ``path`` is moved aside first and then removed, so ``path``
  is always either the old complete folder or the new one, save for the instant between two renames.
- ``leftovers(folder)``: what an interrupted ``replace_folder`` left in ``folder``, for a sweep.
- ``sync_path(path)``: flush a file someone else wrote (FAISS) or a folder's entries (after a rename).

Imports nothing of the project's, like ``types`` and ``errors``.

>>> import tempfile; folder = tempfile.TemporaryDirectory(); d = Path(folder.name)
>>> replace_atomic(d / "CURRENT", "kb1\\n"); replace_atomic(d / "CURRENT", "kb2\\n")
>>> (d / "CURRENT").read_text(), [p.name for p in d.iterdir()]
('kb2\\n', ['CURRENT'])
>>> folder.cleanup()
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

_NO_FOLDER_SYNC = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF, errno.EACCES, errno.EPERM}
_FOLDER_LEFTOVERS = (".tmp", ".old")  # how replace_folder's building and moved-aside folders are named
Content = str | bytes | Callable[[BinaryIO], None]  # text (UTF-8), bytes, or a writer such as np.save

T = TypeVar("T")


def _write(fh: BinaryIO, data: Content) -> None:
    if isinstance(data, str):
        fh.write(data.encode("utf-8"))
    elif isinstance(data, bytes):
        fh.write(data)
    else:
        data(fh)
    fh.flush()
    os.fsync(fh.fileno())


def replace_atomic(path: Path, data: Content, *, mode: int = 0o644, suffix: str = ".tmp") -> None:
    """Replace ``path``'s content all at once (see the module). ``mode`` 0644 by default: a temporary
    file is created 0600, which would hide the file from a service running as another user.
    ``suffix``: how the temporary file's name ends, for a reader that sweeps leftovers by pattern."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write(fh, data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _sync_folder(path.parent)


def replace_folder(path: Path, fill: Callable[[Path], None], *, mode: int = 0o755) -> None:
    """Replace the folder ``path`` by one that ``fill`` writes (see the module); ``fill`` should write
    its files with ``write_durable``. A ``fill`` that fails leaves ``path`` as it was and no temporary
    folder. Two writers never share a temporary folder; when both replace ``path`` at once, the
    last one's folder stays, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=_FOLDER_LEFTOVERS[0]))
    try:
        os.chmod(tmp, mode)  # mkdtemp makes it 0700, which would hide it from a service of another user
        fill(tmp)
        while True:
            try:
                os.replace(tmp, path)  # succeeds when ``path`` is missing (or an empty folder)
                break
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            aside = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=_FOLDER_LEFTOVERS[1]))
            with contextlib.suppress(FileNotFoundError):  # another writer moved it aside first
                os.replace(path, aside)
            shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _sync_folder(path.parent)


def leftovers(folder: Path) -> list[Path]:
    """What an interrupted ``replace_folder`` left in ``folder``: the hidden folders it builds in
    (``.tmp``) and moves an old one aside to (``.old``). Loading never looks at them; only a caller that
    knows no writer is at work (a lock, or their age) may remove them."""
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(_FOLDER_LEFTOVERS)]


def _sync_folder(folder: Path) -> None:
    try:
        sync_path(folder)
    except OSError as exc:  # some filesystems (network shares) cannot flush a folder: the files themselves
        if exc.errno not in _NO_FOLDER_SYNC:  # are flushed and renamed, which is what matters most
            raise


def write_durable(path: Path, data: Content) -> None:
    """Write ``path`` and flush it to disk (no rename: its folder is renamed into place later)."""
    with path.open("wb") as fh:
        _write(fh, data)


def sync_path(path: Path) -> None:
    """Flush a file written by someone else, or a folder's entries after a rename."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SavedCopy:
    """In-memory rows saved whole, the way both embedding and latent-term caches do it: a change sets
    ``dirty`` under the rows' ``lock``; ``save(take, write)`` takes a consistent copy under it, writes the
    copy outside it (a put never waits for the disk), one save at a time in copy order, and marks the rows
    dirty again when the write fails, so the next save writes them.

    >>> import threading
    >>> rows = {"a": 1}; saved = SavedCopy(threading.Lock()); saved.dirty = True
    >>> saved.save(lambda: dict(rows), print)
    {'a': 1}
    >>> saved.save(lambda: dict(rows), print)   # nothing changed since: nothing written
    """

    def __init__(self, lock: Any) -> None:
        self.lock, self.dirty = lock, False
        self._saving = threading.Lock()

    def save(self, take: Callable[[], T], write: Callable[[T], None]) -> None:
        with self._saving:
            with self.lock:
                if not self.dirty:
                    return
                copy, self.dirty = take(), False
            try:
                write(copy)
            except BaseException:
                with self.lock:
                    self.dirty = True
                raise
