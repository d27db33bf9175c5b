"""Proves the team server refuses every request without a valid device token, on every path."""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_tui.config import Config
from crm_tui.domain import hlc
from crm_tui.domain.ids import new_id
from crm_tui.services.records import ContactInput, add_contact
from crm_tui.services.session import open_session
from crm_tui.services.team import login
from crm_tui.sync import protocol as p
from crm_tui.sync.server import accounts
from crm_tui.sync.server.app import MAX_BATCH, MAX_BODY
from crm_tui.sync.server.db import Database
from tests.sync.server_process import ServerProcess

ENDPOINTS = {"me": ("GET", f"{p.PREFIX}/me"), "push": ("POST", f"{p.PREFIX}/push")}
ENDPOINTS["pull"] = ("GET", f"{p.PREFIX}/pull")
ENROL = f"{p.PREFIX}/enrol"
REFUSED = (401, 403)
CREDENTIALS = [
    "missing",
    "empty",
    "scheme only",
    "empty token",
    "basic auth",
    "token without its scheme",
    "another scheme",
    "two tokens",
    "truncated",
    "extended",
    "other case",
    "unknown",
    "the stored hash of a valid token",
    "revoked device of a rep still active",
    "device of a revoked rep",
    "another server's",
    "not text",
    "very long",
]
"""Credentials that must get nothing: absent, malformed, unknown, revoked, another device's."""


class Team:
    """A running server with a few reps and devices, and credentials that must not work."""

    def __init__(self, server: ServerProcess, folder: Path) -> None:
        self.server = server
        old, old_device = self.server.enrol("alice")  # her old laptop, revoked below
        self.live, self.live_device = self.server.enrol("alice")  # her new one
        self.carol, _ = self.server.enrol("carol")
        bob, _ = self.server.enrol("bob")  # bob has left: revoked with the manager's command
        accounts.revoke(self.server.db, old_device)
        revoked = crm("server", "revoke", "bob", "--db", self.server.target)
        assert revoked.returncode == 0 and "rep bob" in revoked.stdout, revoked.stderr
        elsewhere = Database(str(folder / "other-team.db"))
        elsewhere.create_schema()
        other, _ = accounts.redeem(elsewhere, accounts.add_rep(elsewhere, "alice"), "s1", None)
        elsewhere.close()
        self.bad: dict[str, str | bytes | None] = {
            "missing": None,
            "empty": "",
            "scheme only": "Bearer",
            "empty token": 'Bearer ""',
            "basic auth": "Basic " + base64.b64encode(b"alice:password").decode(),
            "token without its scheme": self.live,
            "another scheme": f"Token {self.live}",
            "two tokens": f"Bearer {self.live} {self.live}",
            "truncated": f"Bearer {self.live[:-1]}",
            "extended": f"Bearer {self.live}A",
            "other case": f"Bearer {self.live.swapcase()}",
            "unknown": f"Bearer {secrets.token_urlsafe(32)}",
            "the stored hash of a valid token": f"Bearer {accounts.digest(self.live)}",
            "revoked device of a rep still active": f"Bearer {old}",
            "device of a revoked rep": f"Bearer {bob}",
            "another server's": f"Bearer {other}",
            "not text": b"Bearer \xff\xfe\x80",
            "very long": "Bearer " + "A" * 6000,
        }
        assert sorted(self.bad) == sorted(CREDENTIALS)

    def url(self, path: str) -> httpx.URL:
        """The full URL of a path, sent as written (no client-side normalising)."""
        return httpx.URL(self.server.url + path)

    def server_op(self, op_id: str) -> list[tuple[Any, ...]]:
        """The server's row of an op (rep and device), if it has one."""
        return self.server.db.rows("SELECT rep, device_id FROM ops WHERE op_id = ?", (op_id,))


def crm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs the real command line."""
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """One server for the module; the tests only read it or add ops."""
    folder = tmp_path_factory.mktemp("auth")
    server = ServerProcess(str(folder / "team.db"), folder / "server.log")
    try:
        yield Team(server, folder)
    finally:
        server.stop()
    assert "Traceback" not in server.errors()


def an_op(entity_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A valid op as a client pushes it: a new contact's name."""
    return {
        "op_id": new_id(),
        "site_id": "laptop-1",
        "hlc": hlc.pack(time.time_ns() // 1_000_000, 0),
        "entity": "contact",
        "entity_id": entity_id or new_id(),
        "kind": "set",
        "payload": {"field": "display_name", "value": "Ken Sato", "pred": []},
        **extra,
    }


def send(
    team: Team,
    method: str,
    path: str,
    authorization: str | bytes | None,
    op: dict[str, Any] | None = None,
    **headers: str,
) -> httpx.Response:
    """One request to the server: a push carries `op`, pulls and me carry nothing."""
    sent = {name.encode(): value.encode() for name, value in headers.items()}
    if authorization is not None:
        value = authorization if isinstance(authorization, bytes) else authorization.encode()
        sent[b"Authorization"] = value
    body = json.dumps({"ops": [op or an_op()]}).encode() if method == "POST" else None
    return httpx.request(method, team.url(path), headers=sent, content=body, timeout=30)


def assert_json_error(response: httpx.Response, *statuses: int) -> None:
    """A refusal as the protocol sends it: the status, and JSON saying why."""
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert isinstance(data["error"], str) and data["error"]
    assert isinstance(data["message"], str) and data["message"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_current_device_token_is_accepted_on_every_endpoint(team: Team, endpoint: str) -> None:
    method, path = ENDPOINTS[endpoint]
    op = an_op()
    response = send(team, method, path, f"Bearer {team.live}", op)
    assert response.status_code == 200, response.text
    if endpoint == "push":
        assert response.json()["results"] == [{"op_id": op["op_id"], "status": "ok"}]
        assert team.server_op(op["op_id"]) == [("alice", team.live_device)]
    # The scheme's name is case-insensitive (RFC 9110); the token itself is not.
    assert send(team, method, path, f"bearer {team.live}").status_code == 200


@pytest.mark.parametrize("credential", CREDENTIALS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_bad_credential_is_refused_on_every_endpoint(
    team: Team, endpoint: str, credential: str
) -> None:
    method, path = ENDPOINTS[endpoint]
    op = an_op()
    response = send(team, method, path, team.bad[credential], op)
    assert_json_error(response, *REFUSED)
    assert team.server_op(op["op_id"]) == []  # a refused push leaves nothing behind


def path_variants(path: str) -> dict[str, str]:
    """Other spellings of a path that a router or a proxy may treat as the same."""
    head, name = path.rsplit("/", 1)
    return {
        "trailing slash": f"{path}/",
        "double slashes": path.replace("/", "//"),
        "leading double slash": f"/{path}",
        "upper case": path.upper(),
        "mixed case": f"/Sync/V1/{name.capitalize()}",
        "percent-encoded letters": head + "/" + "".join(f"%{ord(c):02X}" for c in name),
        "percent-encoded in lower hex": head + "/" + "".join(f"%{ord(c):02x}" for c in name),
        "encoded slashes": path.replace("/", "%2F").replace("%2F", "/", 1),
        "doubly encoded letter": f"{head}/%25{ord(name[0]):02X}{name[1:]}",
        "all at once": f"//SYNC//V1//%{ord(name[0].upper()):02X}{name[1:].upper()}//",
    }


VARIANTS = list(path_variants("/sync/v1/me"))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_spelling_of_a_path_gets_the_same_auth_decision(
    team: Team, endpoint: str, variant: str
) -> None:
    method, path = ENDPOINTS[endpoint]
    spelled = path_variants(path)[variant]
    for credential in ("missing", "revoked device of a rep still active", "unknown"):
        canonical = send(team, method, path, team.bad[credential])
        other = send(team, method, spelled, team.bad[credential])
        assert_json_error(canonical, *REFUSED)
        assert_json_error(other, canonical.status_code)
    op = an_op()
    response = send(team, method, spelled, f"Bearer {team.live}", op)
    assert response.status_code == 200, response.text
    if endpoint == "me":
        assert response.json()["rep"] == "alice"
    if endpoint == "push":
        assert team.server_op(op["op_id"]) == [("alice", team.live_device)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_spelling_of_a_public_path_gets_the_same_decision(team: Team, variant: str) -> None:
    wrong = {"code": "AAAA-BBBB-CCCC", "site_id": "laptop-9"}
    canonical = httpx.post(team.url(ENROL), json=wrong, timeout=30)
    other = httpx.post(team.url(path_variants(ENROL)[variant]), json=wrong, timeout=30)
    assert_json_error(canonical, 403)
    assert_json_error(other, 403)
    document = httpx.get(team.url(path_variants(f"{p.PREFIX}/openapi.json")[variant]))
    assert document.status_code == 200
    assert document.json()["paths"].keys() >= {path for _, path in ENDPOINTS.values()}


def test_a_path_outside_the_api_is_not_found_and_never_reaches_an_endpoint(team: Team) -> None:
    for path in ("/", "/sync", "/sync/v2/me", "/sync/v1/../v1x/me", "/admin", "/sync/v1/mee"):
        response = send(team, "GET", path, f"Bearer {team.live}")
        assert_json_error(response, 404)
    assert_json_error(send(team, "GET", "/sync/v1/nope", None), 401)


def enrol(team: Team, code: str) -> httpx.Response:
    """Asks for a device token with a code."""
    return httpx.post(team.url(ENROL), json={"code": code, "site_id": new_id()}, timeout=30)


def devices(team: Team) -> int:
    """How many devices the server knows."""
    return int(team.server.db.rows("SELECT count(*) FROM devices")[0][0])


@pytest.mark.parametrize(
    "kind", ["wrong", "used", "expired", "of a revoked rep", "of a revoked rep, re-admitted"]
)
def test_an_enrolment_code_that_is_not_valid_gets_no_token(team: Team, kind: str) -> None:
    db = team.server.db
    if kind == "wrong":
        code = "AAAA-BBBB-CCCC"
    else:
        rep = f"rep{secrets.token_hex(3)}"
        code = team.server.add_rep(rep)
        if kind == "used":
            assert enrol(team, code).status_code == 200
        elif kind == "expired":
            with db.transaction():
                db.execute(
                    "UPDATE enrolments SET expires_at = '2020-01-01T00:00:00.000Z' "
                    "WHERE code_hash = ?",
                    (accounts.digest(code),),
                )
        else:
            accounts.revoke(db, rep)
            if kind.endswith("re-admitted"):
                team.server.add_rep(rep)  # a new code; the old one stays dead
    before = devices(team)
    response = enrol(team, code)
    assert_json_error(response, 403)
    assert "token" not in response.json()
    assert devices(team) == before


def test_a_code_enrols_one_device_even_when_sent_many_times_at_once(team: Team) -> None:
    code = team.server.add_rep(f"rep{secrets.token_hex(3)}")
    start = threading.Barrier(6)
    statuses: list[int] = []

    def redeem() -> None:
        start.wait()
        statuses.append(enrol(team, code).status_code)

    threads = [threading.Thread(target=redeem) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 403, 403, 403, 403, 403]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"not json",
        b"\xff\xfe{}",
        b"[" * 100_000,
        b'{"code": "\\ud800", "site_id": "laptop-1"}',
        b'{"code": 5, "site_id": "laptop-1"}',
        b'{"code": "AAAA-BBBB-CCCC", "site_id": "has spaces"}',
        b'{"code": "AAAA-BBBB-CCCC", "site_id": "x", "label": "a\\u0000b"}',
        b"[]",
        b"null",
    ],
)
def test_a_malformed_enrolment_gets_400(team: Team, body: bytes) -> None:
    response = httpx.post(team.url(ENROL), content=body, timeout=30)
    assert_json_error(response, 400)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"not json",
        b"\xff\xfe{}",
        b"[" * 100_000,
        b'{"ops": [' + b"[" * 100_000 + b"]}",
        b'{"ops": [{"op_id": "\\udc00"}]}',
        b"[]",
        b"null",
        b'{"ops": {}}',
        b'{"ops": "all of them"}',
        b'{"op": []}',
    ],
)
def test_a_malformed_push_gets_400(team: Team, body: bytes) -> None:
    response = httpx.post(
        team.url(ENDPOINTS["push"][1]),
        content=body,
        headers={"Authorization": f"Bearer {team.live}"},
        timeout=30,
    )
    assert_json_error(response, 400)


def test_ops_that_break_the_rules_are_refused_one_by_one_never_with_a_500(team: Team) -> None:
    bad = [
        an_op(op_id="not-an-id"),
        an_op(op_id=new_id() + "\n"),
        an_op(hlc=-1),
        an_op(hlc=2**64),
        an_op(hlc="soon"),
        an_op(entity="spaceship"),
        an_op(kind="delete"),
        an_op(payload=[]),
        an_op(payload={"field": "display_name", "value": 5, "pred": []}),
        an_op(payload={"field": "owner", "value": "bo\u0000b", "pred": []}),
        an_op(payload={"field": "display_name", "value": "x", "pred": [["nested"]]}),
        an_op(kind="event", payload={"type": ["logged"]}),
        an_op(kind="event", payload={"type": {"handover": 1}}),
        an_op(kind="event", payload={"type": "handover", "to": ["bob"]}),
        an_op(kind="event", payload={"type": "purged", "ids": "everyone"}),
        an_op(entity="activity", kind="event", payload={"type": "logged", "fields": {"at": 5}}),
    ]
    good = an_op()
    response = httpx.post(
        team.url(ENDPOINTS["push"][1]),
        json={"ops": [*bad, good]},
        headers={"Authorization": f"Bearer {team.live}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * len(bad) + ["ok"]
    assert all(r["reason"].startswith("invalid") and not r["retryable"] for r in results[:-1])
    assert team.server_op(good["op_id"]) == [("alice", team.live_device)]
    for op in bad:
        if isinstance(op["op_id"], str):
            assert team.server_op(op["op_id"]) == []


def test_too_many_ops_in_one_push_get_413(team: Team) -> None:
    ops = [an_op() for _ in range(MAX_BATCH + 1)]
    response = httpx.post(
        team.url(ENDPOINTS["push"][1]),
        json={"ops": ops},
        headers={"Authorization": f"Bearer {team.live}"},
        timeout=60,
    )
    assert_json_error(response, 413)
    assert team.server_op(ops[0]["op_id"]) == []


def raw_request(team: Team, head: str) -> tuple[int, dict[str, Any]]:
    """Sends a request head as written (no body) and reads the status and JSON of the answer."""
    with socket.create_connection(("127.0.0.1", team.server.port), timeout=30) as conn:
        conn.sendall(head.encode())
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    status_line, _, rest = received.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(body)


@pytest.mark.parametrize("path", [ENDPOINTS["push"][1], ENROL])
@pytest.mark.parametrize("authorised", [True, False])
def test_a_body_announced_as_oversized_is_refused_before_it_is_read(
    team: Team, path: str, authorised: bool
) -> None:
    auth = f"Authorization: Bearer {team.live}\r\n" if authorised else ""
    status, data = raw_request(
        team,
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
        f"Content-Length: {MAX_BODY + 1}\r\nConnection: close\r\n\r\n",
    )
    assert status == 413
    assert data["error"] == "too_large"


@pytest.mark.parametrize("path", [ENDPOINTS["push"][1], ENROL])
def test_an_oversized_body_sent_in_chunks_gets_413(team: Team, path: str) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"ops": ["'
        for _ in range(16):
            yield b"x" * (1024 * 1024)
        yield b'"]}'

    response = httpx.post(
        team.url(path),
        content=body(),
        headers={"Authorization": f"Bearer {team.live}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert_json_error(response, 413)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"limit": "0"}, 400),
        ({"limit": "-5"}, 400),
        ({"limit": "many"}, 400),
        ({"limit": "1e3"}, 400),
        ({"limit": str(10**30)}, 400),
        ({"limit": "5001"}, 400),
        ({"cursor": "!!!"}, 409),
        ({"cursor": "bm90IGEgY3Vyc29y"}, 409),
        ({"cursor": p.encode_cursor("ANOTHERSERVER", 3)}, 409),
        ({"cursor": "{epoch}:-1"}, 409),
        ({"cursor": "{epoch}:9223372036854775808"}, 409),
        ({"cursor": "{epoch}:" + "9" * 40}, 409),
    ],
)
def test_a_bad_pull_gets_a_4xx_never_a_500(team: Team, params: dict[str, str], status: int) -> None:
    if params.get("cursor", "").startswith("{epoch}:"):  # a cursor of this server, forged
        forged = params["cursor"].format(epoch=team.server.db.meta("epoch"))
        params = {"cursor": base64.urlsafe_b64encode(forged.encode()).decode()}
    response = httpx.get(
        team.url(ENDPOINTS["pull"][1]),
        params=params,
        headers={"Authorization": f"Bearer {team.live}"},
        timeout=30,
    )
    assert_json_error(response, status)


@pytest.mark.parametrize("version", ["0", "2", "one", ""])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_client_of_another_protocol_version_is_told_to_upgrade(
    team: Team, endpoint: str, version: str
) -> None:
    method, path = ENDPOINTS[endpoint]
    op = an_op()
    headers = {p.PROTOCOL_HEADER: version}
    response = send(team, method, path, f"Bearer {team.live}", op, **headers)
    assert_json_error(response, 426)
    assert "upgrade" in response.json()["message"]
    assert team.server_op(op["op_id"]) == []


def test_the_author_of_an_op_is_the_tokens_rep_whatever_the_op_says(team: Team) -> None:
    op = an_op(rep="bob", author="bob", device_id="someone-else", flags=["after_handover"])
    response = send(team, "POST", ENDPOINTS["push"][1], f"Bearer {team.live}", op)
    assert response.json()["results"][0]["status"] == "ok"
    assert team.server_op(op["op_id"]) == [("alice", team.live_device)]
    pulled: list[dict[str, Any]] = []
    cursor = None
    while True:  # as carol's device reads the team's log, page by page
        page = httpx.get(
            team.url(ENDPOINTS["pull"][1]),
            params={"limit": 1000, **({"cursor": cursor} if cursor else {})},
            headers={"Authorization": f"Bearer {team.carol}"},
            timeout=30,
        ).json()
        pulled += page["ops"]
        cursor = page["cursor"]
        if not page["more"]:
            break
    (mine,) = [o for o in pulled if o["op_id"] == op["op_id"]]
    assert mine["rep"] == "alice"
    assert mine["flags"] == []


def test_crm_sync_on_an_old_client_says_upgrade_and_keeps_the_work(
    team: Team, tmp_path: Path
) -> None:
    store = tmp_path / "dave.db"
    session = open_session(store, Config(rep_name="dave"))
    login(session, team.server.url, team.server.add_rep("dave"))
    add_contact(session, ContactInput("Yamada Taro", emails=["taro@example.jp"]))
    (pending,) = session.store.conn.execute("SELECT count(*) FROM ops WHERE pushed = 0").fetchone()
    session.close()
    assert pending > 0
    env = {**os.environ, "CRM_DB": str(store), "CRM_CONFIG": str(tmp_path / "none.toml")}
    old_client = (
        "import crm_tui.sync.protocol as p; p.PROTOCOL_VERSION = 0; "
        "from crm_tui.cli.main import main; main()"
    )
    old = subprocess.run(
        [sys.executable, "-c", old_client, "sync"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert old.returncode == 7, old.stderr
    assert "upgrade crm" in old.stderr and "kept" in old.stderr
    assert "Traceback" not in old.stderr
    status = json.loads(crm("status", "--json", env=env).stdout)
    assert status["pending"] == pending
    assert "upgrade" in status["last_error"]
    assert team.server.db.rows("SELECT count(*) FROM ops WHERE rep = 'dave'") == [(0,)]
    upgraded = crm("sync", "--json", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(upgraded.stdout)["sent"] == pending
    assert team.server.db.rows("SELECT count(*) FROM ops WHERE rep = 'dave'") == [(pending,)]
