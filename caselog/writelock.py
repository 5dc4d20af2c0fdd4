"""A writer's intent on a DuckDB file and the token that changes with every write.

A writer first takes an exclusive ``flock`` on ``<file>.writer`` beside the store (released by
the kernel even when the process is killed), so readers hold back and let go of the file, and
renews a random token in ``<file>.version``, so results kept beside the store are never used
after a write (caselog.store.read_version).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from pathlib import Path


def is_lock_error(exc: BaseException) -> bool:
    """DuckDB's refusals while another process (or another mode in this one) holds the file."""
    text = str(exc)
    # In one process, a read-only and a read-write open of the same file collide as a
    # "different configuration" or, when they race, a "Unique file handle conflict".
    return any(
        words in text
        for words in ("Could not set lock", "different configuration", "Unique file handle")
    )


_intents: dict[str, list] = {}  # path -> [open file holding the flock, holders in this process]
_intents_guard = threading.Lock()


def take_intent(path: Path, deadline: float) -> bool:
    """Announce a writer: hold an exclusive flock on ``<file>.writer`` (re-entrant per process).
    False when another process still holds it at ``deadline`` (monotonic seconds)."""
    key = str(path)
    while True:
        with _intents_guard:
            held = _intents.get(key)
            if held is not None:
                held[1] += 1
                return True
            handle = open(f"{path}.writer", "a+b")  # noqa: SIM115 - held until released
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
            else:
                try:
                    new_version(path)
                except OSError:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    handle.close()
                    raise
                _intents[key] = [handle, 1]
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def new_version(path: Path) -> None:
    # Before the writer can touch the file: a reader that reads the new token while the writer
    # still waits sees the intent and keeps nothing (read_version).
    token = Path(f"{path}.version")
    spare = token.with_name(f"{token.name}.{os.getpid()}.{threading.get_ident()}")
    spare.write_text(uuid.uuid4().hex)
    os.replace(spare, token)


def drop_intent(path: Path) -> None:
    with _intents_guard:
        held = _intents.get(str(path))
        if held is None:
            return
        held[1] -= 1
        if held[1] == 0:
            del _intents[str(path)]
            fcntl.flock(held[0], fcntl.LOCK_UN)
            held[0].close()


def writer_waiting(path: Path) -> bool:
    """True while some process (this one included) holds or waits for the write lock."""
    if str(path) in _intents:
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
