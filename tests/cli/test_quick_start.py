"""Tests that the README's quick start is exactly two commands that dev.py and CI provide."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def _block_after(text: str) -> list[str]:
    """The commands of the README's first code block after `text`, comments dropped."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rest = readme[readme.index(text) :]
    block = re.search(r"^```[^\n]*\n(.*?)^```", rest, re.MULTILINE | re.DOTALL)
    assert block, f"no code block after {text!r}"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_initiatives_block_runs_as_written_on_the_demo_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    from typer.testing import CliRunner

    from crm_tui.cli.main import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    Path(os.environ["CRM_CONFIG"]).write_text(
        '[mail]\nsignature = "Alice"\nunsubscribe = "配信停止はご返信ください。"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--reset"]).exit_code == 0
    commands = _block_after("Segments, step sequences, lead scores and the KPI report")
    assert len(commands) >= 8
    for line in commands:
        words = shlex.split(line)
        assert words[0] == "crm", line
        done = runner.invoke(app, words[1:])
        assert done.exit_code == 0, f"{line}: {done.stderr}{done.stdout}"
    assert list((tmp_path / "drafts").glob("*.eml")), "the cadence send wrote no draft"
