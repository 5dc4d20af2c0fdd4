"""A writer's intent on a DuckDB file and the token that changes with every write.

A writer first takes an exclusive ``flock`` on ``<file>.writer`` beside the store (the
``filelock`` package; released by the kernel even when the process is killed), so readers hold
back and let go of the file, and renews a random token in ``<file>.version``, so results kept
beside the store are never used after a write (caselog.store.read_version).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from pathlib import Path

from filelock import FileLock, Timeout


def is_lock_error(exc: BaseException) -> bool:
    """DuckDB's refusals while another process (or another mode in this one) holds the file."""
    text = str(exc)
    # In one process, a read-only and a read-write open of the same file collide as a
    # "different configuration" or, when they race, a "Unique file handle conflict".
    return any(
        words in text
        for words in ("Could not set lock", "different configuration", "Unique file handle")
    )


_intents: dict[str, FileLock] = {}  # path -> its lock, shared by the threads of this process
_intents_guard = threading.Lock()


def _intent(path: Path) -> FileLock:
    key = str(path)
    with _intents_guard:
        lock = _intents.get(key)
        if lock is None:
            lock = FileLock(
                f"{path}.writer",
                thread_local=False,  # re-entrant per process, as a store's engines share it
                poll_interval=0.1,
                preserve_lock_file=True,  # readers probe this very file (writer_waiting)
                on_acquired=lambda _fd: new_version(path),  # raising gives the lock back
            )
            _intents[key] = lock
        return lock


def take_intent(path: Path, deadline: float) -> bool:
    """Announce a writer: hold an exclusive flock on ``<file>.writer`` (re-entrant per process).
    False when another process still holds it at ``deadline`` (monotonic seconds)."""
    try:
        _intent(path).acquire(timeout=max(0.0, deadline - time.monotonic()))
    except Timeout:
        return False
    return True


def new_version(path: Path) -> None:
    # Before the writer can touch the file: a reader that reads the new token while the writer
    # still waits sees the intent and keeps nothing (read_version).
    token = Path(f"{path}.version")
    spare = token.with_name(f"{token.name}.{os.getpid()}.{threading.get_ident()}")
    spare.write_text(uuid.uuid4().hex)
    os.replace(spare, token)


def drop_intent(path: Path) -> None:
    lock = _intents.get(str(path))
    if lock is not None and lock.is_locked:
        lock.release()


def writer_waiting(path: Path) -> bool:
    """True while some process (this one included) holds or waits for the write lock."""
    lock = _intents.get(str(path))
    if lock is not None and lock.is_locked:
        return True
    try:
        with open(f"{path}.writer", "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except FileNotFoundError:
        return False
    return False


def _forget_after_fork() -> None:
    # A forked child holds none of its parent's locks, and filelock refuses inherited ones.
    global _intents_guard
    _intents.clear()
    _intents_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
