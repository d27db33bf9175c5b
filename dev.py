#!/usr/bin/env python3
"""Provides the two quick-start commands: `python3 dev.py demo` and `python3 dev.py test`.

Both make (or reuse) a virtual environment in `.venv`, install the project and its test tools
into it when `pyproject.toml` has changed, and then run. Only the standard library is used here,
so a fresh machine with Python 3.11+ needs nothing else.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"
DEMO_DB = ROOT / ".demo" / "crm.db"


def _run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    """Runs a command, stopping the script with its exit code when it fails."""
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    """Creates `.venv` and installs the project with its test extras when needed."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this script may be run by an older Python)
        sys.exit(f"crm needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("Installing crm and its test tools into .venv ...", flush=True)
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[test]")
    STAMP.write_text(wanted)


def demo() -> None:
    """Seeds a demo store in `.demo/`, shows what a rep would do next, then opens the app."""
    DEMO_DB.parent.mkdir(exist_ok=True)
    env = {**os.environ, "CRM_DB": str(DEMO_DB)}
    _run(BIN / "crm", "demo", "--reset", env=env)
    print(f"\nThe demo store is {DEMO_DB}; try: CRM_DB={DEMO_DB} {BIN / 'crm'} --help")
    if sys.stdin.isatty() and sys.stdout.isatty():
        # On a terminal, the product itself: the full-screen app on the demo store (q quits).
        _run(BIN / "crm", env=env)


def test() -> None:
    """Runs lint, type checks and the whole test suite."""
    _run(PYTHON, "-m", "ruff", "check", ".")
    _run(PYTHON, "-m", "ruff", "format", "--check", ".")
    _run(PYTHON, "-m", "mypy")
    workers = "2" if (os.cpu_count() or 1) > 1 else "0"
    _run(PYTHON, "-m", "pytest", "-n", workers, "-q", *sys.argv[2:])


def main() -> None:
    """Dispatches `demo` or `test`."""
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit("usage: python3 dev.py demo | test [pytest args]")
    ensure_environment()
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
