"""What the browser tests and ``scripts/screenshots.py`` share: Debian's Chromium, and a demo database.

Chromium comes from Debian (``apt-get install chromium``), never from ``playwright install``: the machine has
no internet except package mirrors. ``fonts-noto-cjk`` is installed with it so that Chinese is not drawn as
empty boxes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

from argon2 import PasswordHasher

from interfaces.web.demo import DEMO_PASSWORD, ensure_demo_users
from workflow import demo_data
from workflow.clock import Clock
from workflow.db import make_engine, upgrade

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TODAY = date(2026, 6, 15)  # a fixed "today" inside the 2026.05 rule set and the holiday calendar
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # tests only: logins stay fast
PASSWORD = DEMO_PASSWORD


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


def ensure_chromium() -> str:
    """The path of Debian's Chromium, installing it and a Chinese font first if they are missing."""
    if CHROMIUM.exists() and _has_cjk_font():
        return str(CHROMIUM)
    if os.geteuid() != 0:
        raise RuntimeError("浏览器测试需要 Debian 的 chromium 和 fonts-noto-cjk：请以 root 运行，或先执行 "
                           "apt-get install -y chromium fonts-noto-cjk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk"], check=True, env=env)
    return str(CHROMIUM)


def demo_database(url: str, clock: Clock, hasher: PasswordHasher = FAST_HASHER) -> str:
    """Migrate the database, load the demo organisation and applicants, and add the demo logins."""
    upgrade(url)
    engine = make_engine(url)
    try:
        if demo_data.is_empty(engine):
            demo_data.seed(engine, clock)
        ensure_demo_users(engine, clock, hasher=hasher)
    finally:
        engine.dispose()
    return url
