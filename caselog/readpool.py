"""The pool of a reading engine on a DuckDB file: a connection kept while queries come.

A DuckDB file admits no reader in another process while a writer holds it, so an idle
connection is closed after ``READ_IDLE`` seconds, and at once when a writer waits.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from pathlib import Path

from sqlalchemy.pool import ConnectionPoolEntry, Pool

from caselog.writelock import writer_waiting

READ_IDLE = 1.5  # seconds a reading engine keeps an unused DuckDB connection

_pools: weakref.WeakSet[IdlePool] = weakref.WeakSet()
_exiting = threading.Event()


@atexit.register
def _close_before_exit() -> None:
    """Stop the watchers and close idle connections in the main thread before the interpreter
    finalizes: a daemon thread inside DuckDB's close() then cannot take the GIL back, Python
    ends it with pthread_exit, and the C++ frames turn that into std::terminate (exit 134)."""
    _exiting.set()
    for pool in list(_pools):
        watcher = pool._watcher
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout=5)
        pool._close_idle()


class IdlePool(Pool):
    """A reading engine's pool: a connection is reused while queries keep coming, closed after
    ``READ_IDLE`` idle seconds, and neither kept nor handed out while a writer waits.

    A daemon thread looks at the idle connections every ``_TICK`` seconds while there are any;
    caselog.store gives the pool the store's path, where it sees a writer's intent."""

    _TICK = 0.1

    def __init__(self, creator, **kw):
        super().__init__(creator, **kw)
        self.path: Path | None = None
        self._idle: list[tuple[ConnectionPoolEntry, float]] = []
        self._guard = threading.Lock()
        self._watching = False
        self._watcher: threading.Thread | None = None
        self._disposed = False
        _pools.add(self)

    def status(self) -> str:
        return f"IdlePool ({len(self._idle)} idle)"

    def _writer(self) -> bool:
        return self.path is not None and writer_waiting(self.path)

    def _do_get(self) -> ConnectionPoolEntry:
        if self._writer():
            self._close_idle()  # let go of the file; the new connect holds back for the writer
        else:
            with self._guard:
                if self._idle:
                    return self._idle.pop()[0]
        return self._create_connection()

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        if self._disposed or _exiting.is_set() or self._writer():
            record.close()
            return
        with self._guard:
            self._idle.append((record, time.monotonic()))
            if self._watching:
                return
            self._watching = True
        try:
            watcher = threading.Thread(
                target=self._watch, name="gridpulse-idle-reader", daemon=True
            )
            self._watcher = watcher
            watcher.start()
        except RuntimeError:  # the interpreter is shutting down: keep nothing
            self._watching = False
            self._close_idle()

    def _watch(self) -> None:
        done = False
        while not done:
            if _exiting.wait(self._TICK):  # the exit handler closes what is idle
                with self._guard:
                    self._watching = False
                return
            writer = self._writer()
            stale = time.monotonic() - READ_IDLE
            with self._guard:
                keep = [] if writer else [(r, t) for r, t in self._idle if t > stale]
                gone = [r for r, t in self._idle if (r, t) not in keep]
                self._idle = keep
                done = not keep
                if done:
                    self._watching = False
            for record in gone:
                record.close()

    def _close_idle(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
        for record, _ in idle:
            record.close()

    def dispose(self) -> None:
        self._disposed = True  # connections still checked out are closed when returned
        self._close_idle()

    def recreate(self) -> IdlePool:
        self.logger.info("Pool recreating")
        pool = self.__class__(
            self._creator,
            recycle=self._recycle,
            echo=self.echo,
            logging_name=self._orig_logging_name,
            reset_on_return=self._reset_on_return,
            pre_ping=self._pre_ping,
            _dispatch=self.dispatch,
            dialect=self._dialect,
        )
        pool.path = self.path
        return pool
