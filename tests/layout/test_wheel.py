"""Packaged like a library: the wheel alone, in a clean virtual environment outside the checkout, does the work.

The sources are copied out of the checkout and built into a wheel (no network: setuptools of the test venv). A
new virtual environment (no system site-packages) gets the wheel and its dependencies from a wheelhouse kept in
``~/.cache/fazhan/`` (or ``FAZHAN_WHEELHOUSE``): filled from PyPI the first time on a machine (minutes), then
installed offline (``--no-index``). From a temporary directory the installed ``fazhan`` initialises a database,
records a step, previews a notice and serves the login page: templates, holiday data and migrations must all
have come from the wheel.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("states", "workflow", "notices", "interfaces", "templates")
DATA = ("templates/web/base.html", "templates/web/login.html", "templates/web/static/fazhan.css",
        "templates/notices/talk_reminder.txt.j2", "templates/meetings/minutes.html.j2",
        "workflow/migrations/env.py", "workflow/migrations/script.py.mako",
        "workflow/migrations/versions/0001_initial_schema.py", "states/holidays/README.md")
TODAY = "2025-06-20"


def _pip(python: Path | str, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args], capture_output=True,
                          text=True, timeout=timeout)


def _wheelhouse() -> Path:
    """One wheelhouse per set of dependencies, kept between sessions so installs after the first are offline."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    key = hashlib.sha256("\n".join(sorted(dependencies)).encode()).hexdigest()[:12]
    base = Path(os.environ.get("FAZHAN_WHEELHOUSE") or Path.home() / ".cache" / "fazhan")
    return base / f"wheelhouse-{key}"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src, dist = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("dist")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    built = _pip(sys.executable, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(src))
    assert built.returncode == 0, built.stdout + built.stderr
    (found,) = dist.glob("fazhan-*.whl")
    return found


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin directory."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    # No pip inside (faster): the test's own pip installs into it with --python.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True, timeout=300)
    python, house = home / "bin" / "python", _wheelhouse()
    offline = ("--python", str(python), "install", "--no-compile", "--no-index", "--find-links", str(house),
               str(wheel))
    done = _pip(sys.executable, *offline) if house.is_dir() else None
    if done is None or done.returncode != 0:  # first time here, or the dependencies changed: fill the wheelhouse
        house.mkdir(parents=True, exist_ok=True)
        filled = _pip(sys.executable, "wheel", "-w", str(house), str(wheel))
        assert filled.returncode == 0, filled.stdout[-3000:] + filled.stderr[-3000:]
        for own in house.glob("fazhan-*.whl"):
            own.unlink()  # the project's own wheel is always the one just built
        done = _pip(sys.executable, *offline)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return home / "bin"


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outside-the-checkout")


def _env(venv: Path, workdir: Path) -> dict[str, str]:
    """Nothing of the checkout: no PYTHONPATH, the venv first on PATH, a database in the temporary directory."""
    return {"PATH": f"{venv}:/usr/bin:/bin", "HOME": str(workdir), "LANG": "C.UTF-8", "COLUMNS": "200",
            "FAZHAN_DB": str(workdir / "支部.db"), "FAZHAN_TODAY": TODAY}


def fazhan(venv: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(venv / "fazhan"), *args], cwd=workdir, env=_env(venv, workdir), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def test_the_wheel_carries_templates_holidays_and_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(DATA) <= names, set(DATA) - names
    assert not any(n.startswith("tests/") for n in names)


def test_the_installed_package_runs_from_outside_the_checkout(venv: Path, workdir: Path) -> None:
    where = subprocess.run([str(venv / "python"), "-c", "import templates, workflow; print(templates.TEMPLATES_DIR);"
                            " print(workflow.__file__)"], cwd=workdir, env=_env(venv, workdir), capture_output=True,
                           text=True, timeout=120, check=True).stdout.split()
    assert all(path.startswith(str(venv.parent)) for path in where), where
    assert "数据库已就绪" in fazhan(venv, workdir, "init").stdout
    assert "2004—2026" in fazhan(venv, workdir, "calendar", "show").stdout  # holiday data, as installed
    fazhan(venv, workdir, "org", "add", "某大学党委", "--kind", "基层党委", "--may-approve")
    fazhan(venv, workdir, "org", "add", "计算机学院党支部", "--kind", "党支部", "--parent", "某大学党委")
    fazhan(venv, workdir, "member", "add", "王芳", "--org", "计算机学院党支部", "--since", "2010-01-01", "--post", "书记")
    fazhan(venv, workdir, "applicant", "add", "李明", "--org", "计算机学院党支部", "--sex", "男", "--birth", "2001-04-12")
    done = fazhan(venv, workdir, "advance", "李明", "递交入党申请书", "--on", "2025-06-10",
                  "--set", "organisation_basis=工作单位党组织", "--by", "王芳")
    assert "已记录「1. 递交入党申请书」" in done.stdout
    # A notice, rendered from the templates inside the wheel.
    fazhan(venv, workdir, "notices", "refresh", "--on", TODAY)
    notices = json.loads(fazhan(venv, workdir, "notices", "list", "--json").stdout)
    talk = next(n for n in notices if n["kind"] == "talk_reminder")
    preview = json.loads(fazhan(venv, workdir, "notices", "preview", str(talk["id"]), "--json").stdout)
    assert "李明" in json.dumps(preview, ensure_ascii=False) and "谈话" in json.dumps(preview, ensure_ascii=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_installed_web_serves_its_login_page(venv: Path, workdir: Path) -> None:
    fazhan(venv, workdir, "init")
    port = _free_port()
    server = subprocess.Popen([str(venv / "fazhan"), "web", "--port", str(port)], cwd=workdir,
                              env=_env(venv, workdir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = css = None
        deadline = time.monotonic() + 90
        while page is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as answer:
                    page = (answer.status, answer.read().decode("utf-8"))
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                time.sleep(0.5)
        assert page is not None and page[0] == 200 and "登录" in page[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/fazhan.css", timeout=5) as answer:
            css = (answer.status, answer.read())
        assert css[0] == 200 and len(css[1]) > 100
    finally:
        server.terminate()
        server.wait(timeout=30)
