"""Tests that the README's quick start is exactly two commands that dev.py and CI provide."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["python3 dev.py demo", "python3 dev.py test"]


def _quick_start_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    assert section, "README.md has no '## Quick start' section"
    block = re.search(r"^```[^\n]*\n(.*?)^```", section.group(1), re.MULTILINE | re.DOTALL)
    assert block, "the quick start has no fenced code block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_quick_start_is_exactly_the_demo_and_test_commands() -> None:
    assert _quick_start_block() == COMMANDS


def test_dev_py_defines_both_commands() -> None:
    tree = ast.parse((ROOT / "dev.py").read_text(encoding="utf-8"))
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert {"demo", "test", "main"} <= functions
    usage = subprocess.run(
        [sys.executable, str(ROOT / "dev.py")], capture_output=True, text=True, check=False
    )
    assert usage.returncode != 0
    assert "demo" in usage.stderr and "test" in usage.stderr


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line.strip().removeprefix("exec ").strip()
        for line in script.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert COMMANDS[1] in commands
