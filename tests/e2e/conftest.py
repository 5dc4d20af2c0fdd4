"""A real `streamlit run` server on localhost and headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GRIDPULSE_CHROMIUM", "/usr/bin/chromium")
# The README's screenshots are refreshed on request (GRIDPULSE_SCREENSHOTS=docs); otherwise the
# browser test keeps its screenshots out of the work tree.
SHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("GRIDPULSE_SCREENSHOTS") == "docs"
    else Path(os.environ.get("TMPDIR", "/tmp")) / "gridpulse-screenshots"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("streamlit did not answer within 90 s")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = "Debian's chromium is not installed (scripts/test.sh installs it as root)"
        if os.environ.get("GRIDPULSE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        chromium = play.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


def serve(
    db_url: str, env: dict[str, str] | None = None, args: tuple[str, ...] = (), port: int = 0
):
    """Start `streamlit run streamlit_app.py` on a (free) localhost port for ``db_url``,
    with extra environment variables and streamlit options when given.

    The server's output is read as it comes into ``proc.log`` (its last 300 lines): a full
    pipe would block the server mid-test. No file watcher: edits elsewhere in the work tree
    (and inotify's overflow warnings) are no business of a test."""
    port = port or free_port()
    env = dict(os.environ, GRIDPULSE_DB=db_url, **(env or {}))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, proc)
    except Exception:
        proc.kill()
        raise
    proc.log = deque(maxlen=300)
    threading.Thread(target=lambda: proc.log.extend(proc.stdout), daemon=True).start()
    return proc, url
