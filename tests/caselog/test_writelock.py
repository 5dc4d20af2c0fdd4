"""The writer's intent beside a DuckDB file: re-entrant in a process, exclusive between
processes, bounded waits, and a new version token once per taking."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from caselog import writelock
from caselog.writelock import drop_intent, take_intent, writer_waiting

# Another process: flock <file>.writer as the kernel sees it, say so, hold it for argv[2] s.
HOLD = (
    "import fcntl, sys, time\n"
    "f = open(sys.argv[1] + '.writer', 'a+b')\n"
    "fcntl.flock(f, fcntl.LOCK_EX)\n"
    "print('held', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
)
# Another process: can it take the flock at once? Prints free or taken.
PROBE = (
    "import fcntl, sys\n"
    "f = open(sys.argv[1] + '.writer', 'a+b')\n"
    "try:\n"
    "    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
    "except BlockingIOError:\n"
    "    print('taken')\n"
    "else:\n"
    "    print('free')\n"
)


def probe(path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip()


def test_re_entrant_in_one_process_and_exclusive_between_processes(tmp_path):
    path = tmp_path / "store.duckdb"
    assert not writer_waiting(path)
    assert take_intent(path, time.monotonic())
    token = (tmp_path / "store.duckdb.version").read_text()
    other: list[bool] = []
    thread = threading.Thread(target=lambda: other.append(take_intent(path, time.monotonic())))
    thread.start()
    thread.join()
    assert other == [True]  # another thread of this process shares the intent
    assert (tmp_path / "store.duckdb.version").read_text() == token  # renewed once per taking
    assert writer_waiting(path) and probe(path) == "taken"
    drop_intent(path)
    assert writer_waiting(path) and probe(path) == "taken"  # one holder is left
    drop_intent(path)
    assert not writer_waiting(path) and probe(path) == "free"
    drop_intent(path)  # dropping what is not held changes nothing
    assert take_intent(path, time.monotonic())
    assert (tmp_path / "store.duckdb.version").read_text() != token
    drop_intent(path)


def test_a_held_intent_makes_the_wait_run_out_then_lets_go(tmp_path):
    path = tmp_path / "store.duckdb"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), "1.5"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        assert writer_waiting(path)
        start = time.monotonic()
        assert not take_intent(path, start + 0.4)
        assert 0.35 <= time.monotonic() - start < 1.4
        assert take_intent(path, time.monotonic() + 30)  # in once the holder has gone
        assert proc.poll() is not None or proc.wait(timeout=30) == 0
        drop_intent(path)
    finally:
        proc.kill()
        proc.wait()


def test_a_token_that_cannot_be_renewed_gives_the_lock_back(tmp_path, monkeypatch):
    path = tmp_path / "store.duckdb"

    def fail(_path):
        raise PermissionError("read-only folder")

    monkeypatch.setattr(writelock, "new_version", fail)
    with pytest.raises(PermissionError):
        take_intent(path, time.monotonic())
    assert not writer_waiting(path) and probe(path) == "free"
