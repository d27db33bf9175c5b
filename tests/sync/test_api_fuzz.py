"""Fuzzes the real team server from its OpenAPI description and with near-valid ops: no 5xx."""

from __future__ import annotations

import json
import os
import time
import types
import typing
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from crm_tui.config import Config
from crm_tui.domain import hlc
from crm_tui.domain.ids import new_id
from crm_tui.domain.ops import EVENT, SET
from crm_tui.domain.records import BY_ENTITY, Record, editable_fields
from crm_tui.services.session import Session, open_session
from crm_tui.services.sync import sync_now
from crm_tui.services.team import login
from crm_tui.sync import protocol as p
from crm_tui.sync.server.openapi import spec
from tests.sync.server_process import ServerProcess

CI = bool(os.environ.get("CI"))
CASES = [
    (method.upper(), path, mode)
    for path, item in spec()["paths"].items()
    for method, operation in item.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # A request with no parameters and no body has nothing to break.
    if mode.is_positive or operation.get("parameters") or operation.get("requestBody")
]
AUTH = ("none", "rep", "manager", "revoked")


class Fuzzed(NamedTuple):
    """A running server and the credentials the fuzzer may send."""

    server: ServerProcess
    tokens: dict[str, str | None]
    schema: Any


def start(target: str, folder: Path) -> Fuzzed:
    """Starts a server over `target` with a rep, a manager and a revoked device."""
    server = ServerProcess(target, folder / "server.log")
    try:
        rep, _ = server.enrol("fuzzer")
        manager, _ = server.enrol("boss", "manager")
        revoked, device = server.enrol("fuzzer")
        server.db.execute(
            "UPDATE devices SET revoked_at = '2026-01-01' WHERE device_id = ?", (device,)
        )
        # The description the server itself serves is the one under test.
        schema = schemathesis.openapi.from_url(f"{server.url}{p.PREFIX}/openapi.json")
    except BaseException:
        server.stop()
        raise
    tokens = {"none": None, "rep": rep, "manager": manager, "revoked": revoked}
    return Fuzzed(server, tokens, schema)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """One SQLite server for the module's schema-driven runs."""
    folder = tmp_path_factory.mktemp("fuzz")
    made = start(str(folder / "team.db"), folder)
    yield made
    made.server.stop()


def check_answer(response: httpx.Response | Any, what: str) -> None:
    """No 5xx, and every refusal is the protocol's JSON error."""
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        data = response.json()
        assert isinstance(data.get("error"), str) and isinstance(data.get("message"), str), what


@pytest.mark.parametrize(("method", "path", "mode"), CASES)
def test_no_request_from_the_openapi_description_gets_a_5xx(
    fuzzed: Fuzzed, method: str, path: str, mode: GenerationMode
) -> None:
    operation = fuzzed.schema[path][method]

    @settings(
        max_examples=100 if CI else 30,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(generation_mode=mode),
        auth=st.sampled_from(AUTH),
        now=st.booleans(),
    )
    def run(case: Any, auth: str, now: bool) -> None:
        headers: dict[str, str] = {}
        token = fuzzed.tokens[auth]
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if now:  # half the cases speak the current protocol, so they get past the version gate
            headers[p.PROTOCOL_HEADER] = str(p.PROTOCOL_VERSION)
        response = case.call(base_url=fuzzed.server.url, headers=headers, timeout=30)
        check_answer(response, f"{method} {path} ({auth}): {case!r}"[:2000])

    run()
    assert "Traceback" not in fuzzed.server.errors()


# Near-valid ops: the right shape, every entity, kind, field and event type, with values of
# any JSON type, over a few shared records and op ids so that they meet, duplicate and link.
KINDS = sorted(BY_ENTITY)
RECORDS = {entity: [new_id() for _ in range(2)] for entity in KINDS}
LINKS = [record for entity in ("company", "contact", "deal") for record in RECORDS[entity]]
OP_IDS = [new_id() for _ in range(12)]
REPS = ("fuzzer", "boss", "nobody")
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from([*LINKS, *REPS]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
TEXT = st.text(max_size=12) | st.sampled_from([*LINKS, *REPS])


def typed(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a field's own type (as its annotation says), links among the shared records."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([typed(arg) for arg in args])
    if hint is type(None):
        return st.none()
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(-(2**63), 2**63 - 1)
    if origin is list:
        return st.lists(typed(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=6), JSON, max_size=3)
    return TEXT


def chance(draw: st.DrawFn, percent: int) -> bool:
    """True about `percent` times in a hundred; Hypothesis's favourite draws (the bounds)
    land in the middle, so a rare branch stays rare."""
    return (draw(st.integers(0, 99)) + 50) % 100 < percent


@st.composite
def value_of(draw: st.DrawFn, cls: type[Record], name: str) -> Any:
    """Mostly a value the field can hold, sometimes any JSON at all."""
    hints = typing.get_type_hints(cls)
    if name in hints and name.endswith("_id") and chance(draw, 75):
        return draw(st.sampled_from(LINKS) | st.none())
    if name in hints and chance(draw, 90):
        return draw(typed(hints[name]))
    return draw(JSON)


@st.composite
def near_valid_ops(draw: st.DrawFn) -> dict[str, Any]:
    """An op a client could send: mostly well formed, sometimes not quite."""
    entity = draw(st.sampled_from(KINDS))
    cls = BY_ENTITY[entity]
    payload: dict[str, Any]
    known = sorted(p.EVENT_TYPES.get(entity, frozenset()))
    if chance(draw, 55 if known else 95):
        kind = SET
        fields = editable_fields(cls)
        field = draw(st.sampled_from(fields) if chance(draw, 90) else st.text(max_size=6))
        pred = draw(st.lists(st.sampled_from(OP_IDS), max_size=2))
        payload = {"field": field, "value": draw(value_of(cls, field)), "pred": pred}
    else:
        kind = EVENT
        odd = st.sampled_from(["logged", "handover", "purged", "renewed"])
        payload = {"type": draw(st.sampled_from(known) if known and chance(draw, 85) else odd)}
        if chance(draw, 90):
            names = draw(st.lists(st.sampled_from(list(cls.FIELDS)) | st.text(max_size=6)))
            payload["fields"] = {name: draw(value_of(cls, name)) for name in names[:4]}
        if payload["type"] == p.HANDOVER:
            payload |= {"to": draw(TEXT | JSON), "from": draw(TEXT | JSON)}
        if payload["type"] == p.PURGED:
            payload["ids"] = draw(st.lists(st.sampled_from(LINKS), max_size=2))
        if payload["type"] == "renewed":
            for name in ("renewed_on", "previous_end", "end_on", "renewal_on", "value"):
                if draw(st.booleans()):
                    payload[name] = draw(TEXT | JSON)
    now = time.time_ns() // 1_000_000
    op: dict[str, Any] = {
        "op_id": draw(st.sampled_from(OP_IDS)) if chance(draw, 15) else new_id(),
        "site_id": draw(st.sampled_from(["laptop-1", "laptop-2"])),
        "hlc": hlc.pack(now + draw(st.integers(-(10**9), 10**6)), draw(st.integers(0, 5))),
        "entity": entity,
        "entity_id": draw(st.sampled_from(RECORDS[entity] if chance(draw, 90) else LINKS)),
        "kind": kind,
        "payload": payload,
    }
    if chance(draw, 5):  # now and then, one key is off
        key = draw(st.sampled_from(sorted(op)))
        op[key] = draw(JSON)
    return op


def fresh_device(folder: Path, server: ServerProcess, name: str) -> Session:
    """A rep's device that has joined the server."""
    session = open_session(folder / f"{name}.db", Config(rep_name=name))
    login(session, server.url, server.add_rep(name))
    return session


def push_and_apply(backend: str, folder: Path, examples: int) -> None:
    """Pushes generated batches as a rep or a manager; a device syncs after each: whatever the
    server admits, every device must be able to apply (one bad op would stop the team)."""
    target = backend if backend.startswith("postgresql") else str(folder / "team.db")
    seen: dict[str, int] = {}
    with ExitStack() as stack:
        fuzzed = start(target, folder)
        stack.callback(fuzzed.server.stop)
        device = fresh_device(folder, fuzzed.server, "watcher")
        stack.callback(device.close)
        client = stack.enter_context(httpx.Client(base_url=fuzzed.server.url, timeout=30))

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(batch=st.lists(near_valid_ops(), min_size=1, max_size=6), role=st.booleans())
        def run(batch: list[dict[str, Any]], role: bool) -> None:
            token = fuzzed.tokens["manager" if role else "rep"]
            response = client.post(
                f"{p.PREFIX}/push",
                content=json.dumps({"ops": batch}),
                headers={"Authorization": f"Bearer {token}"},
            )
            check_answer(response, f"push {batch!r}"[:2000])
            results = response.json()["results"]
            assert len(results) == len(batch)
            for result in results:
                assert result["status"] in (p.OK, p.DUP, p.REJECTED), result
                seen[result["status"]] = seen.get(result["status"], 0) + 1
            sync_now(device)  # raises if a page cannot be applied
            (integrity,) = device.store.conn.execute("PRAGMA integrity_check").fetchone()
            assert integrity == "ok"

        run()
    assert "Traceback" not in fuzzed.server.errors()
    # The generator reaches the admission rules, not only the shape checks.
    assert seen.get(p.OK, 0) > examples // 10, seen
    assert seen.get(p.REJECTED, 0) > examples // 10, seen


def test_every_op_the_sqlite_server_admits_can_be_applied_by_a_device(tmp_path: Path) -> None:
    push_and_apply("sqlite", tmp_path, 150 if CI else 60)


def test_every_op_the_postgresql_server_admits_can_be_applied_by_a_device(
    pg_database: str, tmp_path: Path
) -> None:
    push_and_apply(pg_database, tmp_path, 100 if CI else 40)
