"""Real server processes for the tests: ``fazhan serve`` / ``fazhan run`` started as a 党委's IT person would,
and an HTTP client that logs in through the public login form (whatever the sessions are made of).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from interfaces.web.server import free_port

ROOT = Path(__file__).resolve().parents[2]
FAZHAN = str(Path(sys.executable).with_name("fazhan"))
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Server:
    """One server process on a free loopback port; its output goes to a file in the test's folder."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = cwd / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen([FAZHAN, *command, "--port", str(self.port)], cwd=cwd, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 90) -> dict:
        """Poll ``/ready`` until it answers 200; the process dying or the time running out fails the test."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"服务进程退出（{self.process.returncode}）：\n{self.log()[-4000:]}")
            try:
                answer = httpx.get(f"{self.url}/ready", timeout=5)
                if answer.status_code == 200:
                    return answer.json()
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"服务未在{timeout}秒内就绪：\n{self.log()[-4000:]}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Stop the whole process group (gunicorn's master and workers) and return the exit status."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()
        return int(self.process.returncode)


@contextmanager
def servers(count: int, command: list[str], env: dict[str, str], cwd: Path) -> Iterator[list[Server]]:
    """``count`` servers started at the same moment (so they migrate a fresh database together)."""
    started = [Server(command, env, cwd, f"server{i}") for i in range(count)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAZHAN_")}
    return {**env, "PYTHONPATH": str(ROOT), "HOME": str(tmp), **extra}


def logged_in(url: str, username: str, password: str) -> tuple[httpx.Client, str]:
    """A client with a session from the login form, and the CSRF token its API calls carry."""
    client = httpx.Client(base_url=url, timeout=60)
    form = client.get("/login")
    assert form.status_code == 200, form.text
    found = TOKEN.search(form.text)
    assert found, "登录表单中没有 csrf_token"
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": found.group(1),
                                         "next": "/"})
    assert answer.status_code == 303, answer.text
    session = client.get("/api/session")
    assert session.status_code == 200, session.text
    return client, str(session.json()["csrf_token"])
