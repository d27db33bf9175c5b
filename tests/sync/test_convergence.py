"""Convergence: random edits, events and handovers on 2-6 devices, synced in every way, agree."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

import crm_tui.domain.ops as ops_module
from crm_tui.domain.ops import FieldState, Op
from tests.sync.conftest import Server, new_pg_database
from tests.sync.machine import MARGIN_S, ConvergenceError, ConvergenceMachine

CI = bool(os.environ.get("CI"))
EXAMPLES = {"sqlite": 200 if CI else 40, "postgresql": 50 if CI else 15}
STEPS = 50


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the module's stores live: in memory (tmpfs) when there is room (an example peaks
    near 15 MB), since thousands of short-lived replicas gain nothing from waiting on the disk's
    fsync; else a temp folder."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 48 << 20:
        folder = Path(tempfile.mkdtemp(prefix="crm-convergence-", dir=shm))
        yield folder
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("convergence")


@pytest.fixture(scope="module")
def team_server(request: pytest.FixtureRequest, scratch: Path) -> Iterator[Server]:
    """One real `crm server` process for the module, over SQLite or PostgreSQL."""
    with ExitStack() as stack:
        if request.param == "postgresql":
            target = stack.enter_context(new_pg_database())
        else:
            target = str(Path(tempfile.mkdtemp(dir=scratch)) / "team.db")
        server = Server(target, clock_margin=MARGIN_S)
        stack.callback(server.stop)
        yield server


def run_machine(server: Server, workdir: Path, examples: int, **options: object) -> None:
    """Runs the convergence state machine against `server`."""

    class Machine(ConvergenceMachine):
        def __init__(self) -> None:
            super().__init__(server, workdir)

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            **options,  # type: ignore[arg-type]
        ),
    )


@pytest.mark.parametrize("team_server", ["sqlite", "postgresql"], indirect=True)
def test_replicas_converge_to_what_the_server_holds(team_server: Server, scratch: Path) -> None:
    run_machine(
        team_server, scratch, EXAMPLES["postgresql" if team_server.db.postgres else "sqlite"]
    )


def arrival_order_fold(ops: list[Op]) -> FieldState:
    """A broken merge: among the leaves, the op that arrived last on this device wins."""
    superseded = {pred for op in ops for pred in op.payload.get("pred", ())}
    leaves = [op for op in ops if op.op_id not in superseded] or ops[-1:]
    return FieldState(value=leaves[-1].payload.get("value"), leaves=tuple(reversed(leaves)))


def _contains(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether `error` is, or groups, an error of `kind` (hypothesis may group what it found)."""
    if isinstance(error, kind):
        return True
    if isinstance(error, BaseExceptionGroup):
        return any(_contains(inner, kind) for inner in error.exceptions)
    return False


@pytest.mark.parametrize("team_server", ["sqlite"], indirect=True)
def test_a_merge_that_breaks_ties_by_arrival_is_caught(
    team_server: Server, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every device folds with the broken merge (the server only admits ops); the first failing
    # example is enough, so no shrinking, and it is not saved for the real test to replay.
    monkeypatch.setattr(ops_module, "fold_field", arrival_order_fold)
    with pytest.raises(BaseException) as raised:
        run_machine(
            team_server,
            scratch,
            200,
            phases=[Phase.generate],
            database=None,
            report_multiple_bugs=False,
        )
    assert _contains(raised.value, ConvergenceError), raised.value
