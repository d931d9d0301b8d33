"""Run a real `esicheck serve` subprocess on a free loopback port (for load and log tests).

The server's stderr goes to a file the test can read afterwards, so tests can prove what the
service logs (and what it never logs).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def esicheck_command() -> str:
    found = Path(sys.executable).with_name("esicheck")
    return str(found) if found.exists() else "/work/venv/bin/esicheck"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    url: str
    key: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def served(
    tmp_path: Path,
    env: dict[str, str] | None = None,
    log_level: str = "debug",
    startup_seconds: float = 60,
) -> Iterator[Served]:
    """A ready `esicheck serve` on SQLite in `tmp_path` with one API key; stopped afterwards."""
    esicheck = esicheck_command()
    db = f"sqlite:///{tmp_path / 'served.sqlite'}"
    full_env = {**os.environ, **(env or {})}
    key = subprocess.run(
        [esicheck, "keys", "create", "--name", "served", "--db", db],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
        env=full_env,
    ).stdout.strip()
    port = _free_port()
    stderr_path = tmp_path / "serve.stderr"
    with stderr_path.open("wb") as stderr:
        server = subprocess.Popen(
            [
                esicheck,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--db",
                db,
                "--log-level",
                log_level,
            ],
            stdout=stderr,
            stderr=stderr,
            env=full_env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            assert server.poll() is None, stderr_path.read_text()[-2000:]
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "esicheck serve did not become ready"
            time.sleep(0.2)
        yield Served(url, key, stderr_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
