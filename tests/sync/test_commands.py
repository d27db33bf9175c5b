"""The team commands as reps and managers type them, and what they print."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Result
from tests.sync.conftest import Server
from tests.sync.laptops import Laptop, TeamServer, joined, run_crm

WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@pytest.fixture
def team(tmp_path: Path) -> Iterator[TeamServer]:
    """A server folder with team.db, run as a manager runs it."""
    started = TeamServer(tmp_path / "server")
    yield started
    started.stop()


def one_line_error(result: Result, code: int) -> str:
    """A refusal's message, checked to be one line on stderr with nothing on stdout."""
    assert (result.code, result.out) == (code, ""), result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("crm: "), result.err
    message: str = lines[0]
    return message


def test_login_adopts_earlier_work_and_refuses_bad_codes_and_a_second_server(
    server: Server, make_server: Callable[..., Server], tmp_path: Path
) -> None:
    carol = Laptop(tmp_path / "carol")
    alone = carol.crm("status").out
    assert alone.splitlines()[0] == "Team server: none (run `crm login URL CODE`)"
    not_yet = one_line_error(carol.crm("sync", ok=False), 7)
    assert "not joined a team server yet" in not_yet and "crm login URL CODE" in not_yet
    carol.crm("add", "contact", "早川 花子", "--email", "hana@example.jp")
    carol.crm("log", "visit", "hana@example.jp", "Met at the fair")
    meta_before = carol.query("SELECT key, value FROM meta ORDER BY key")

    wrong = one_line_error(carol.crm("login", server.url, "ABCD-EFGH-JKLM", ok=False), 7)
    assert "enrolment code is unknown, used or expired; ask for a new one" in wrong
    bad_url = one_line_error(carol.crm("login", "team.example", "ABCD", ok=False), 2)
    assert "is not a server address; write it like https://" in bad_url
    assert carol.query("SELECT key, value FROM meta ORDER BY key") == meta_before

    code = server.add_rep("carol")
    joined_now = carol.crm("login", server.url, code, "--label", "carol-laptop")
    assert joined_now.out.splitlines() == [
        f"Joined {server.url} as carol (rep).",
        "2 records made before joining are now carol's.",
        "Run `crm sync` to exchange data with the team.",
    ]
    used = Laptop(tmp_path / "used")
    assert "unknown, used or expired" in one_line_error(
        used.crm("login", server.url, code, ok=False), 7
    )
    assert used.json("status")["server"] is None

    other = make_server()
    second = carol.crm("login", other.url, other.add_rep("carol"), ok=False)
    assert "already syncs with" in one_line_error(second, 2)
    assert carol.json("status")["server"] == server.url

    assert carol.sync()["sent"] > 0
    bob = Laptop(tmp_path / "bob")
    answer = bob.json("login", server.url, server.add_rep("bob"))
    assert set(answer) == {"server", "rep", "role", "device_id", "adopted"}
    assert (answer["server"], answer["rep"], answer["role"], answer["adopted"]) == (
        server.url,
        "bob",
        "rep",
        0,
    )
    bob.sync()
    hana = bob.show("hana@example.jp")
    assert hana["owner"] == "carol"
    assert [(e["summary"], e["owner"]) for e in hana["timeline"]] == [("Met at the fair", "carol")]


def test_sync_says_what_it_did_and_offline_the_work_is_kept(server: Server, tmp_path: Path) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    alice.crm("add", "contact", "佐藤 健一", "--email", "ken@example.jp")
    line = alice.crm("sync").out
    assert re.fullmatch(rf"sent 6, received 0, conflicts 0, rejected 0; last sync {WHEN}\n", line)
    report = alice.sync()
    assert set(report) == {
        "sent",
        "received",
        "conflicts",
        "rejected",
        "waiting",
        "dropped",
        "clock_skew_ms",
        "last_sync",
    }
    assert (report["sent"], report["received"], report["conflicts"], report["rejected"]) == (
        0,
        0,
        0,
        0,
    )
    assert re.fullmatch(ISO, report["last_sync"]) and report["waiting"] == 0

    server.stop()
    alice.crm("edit", "ken@example.jp", "--title", "部長")
    offline = one_line_error(alice.crm("sync", ok=False), 7)
    assert f"Cannot reach the team server at {server.url}" in offline
    assert "your work is kept" in offline
    status = alice.crm("status").out.splitlines()
    assert status[:3] == [f"Team server: {server.url}", "Rep: alice (rep)", "Pending: 1 op to send"]
    assert re.fullmatch(rf"Last sync: {WHEN}", status[3])
    assert status[4] == f"Last attempt failed: {offline.removeprefix('crm: ')}"
    kept = alice.json("status")
    assert (kept["pending"], kept["last_sync"], kept["rejected"]) == (1, report["last_sync"], [])
    assert kept["last_error"] == offline.removeprefix("crm: ")
    assert alice.show("ken@example.jp")["title"] == "部長"


def test_status_lists_the_ops_the_server_refused_and_keeps_them(
    server: Server, tmp_path: Path
) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    bob = joined(tmp_path / "bob", server, "bob")
    alice.crm("add", "contact", "佐藤 健一", "--email", "ken@example.jp")
    ken = alice.show("ken@example.jp")["id"]
    alice.sync()
    bob.sync()
    bob.crm("edit", "ken@example.jp", "--owner", "bob", "--title", "部長")
    line = bob.crm("sync").out
    assert line.startswith("sent 1, received 0, conflicts 0, rejected 1; last sync ")
    status = bob.json("status")
    assert set(status) == {
        "server",
        "rep",
        "role",
        "pending",
        "rejected",
        "last_sync",
        "last_attempt",
        "last_error",
    }
    (refused,) = status["rejected"]
    assert set(refused) == {"op_id", "entity", "entity_id", "label", "change", "reason", "meaning"}
    assert (refused["entity"], refused["entity_id"], refused["reason"]) == (
        "contact",
        ken,
        "forbidden",
    )
    assert status["pending"] == 0
    said = bob.crm("status").out.splitlines()
    assert refused["meaning"] == "only the customer's owner or a manager may do this"
    assert any(
        line.startswith("Refused by the server: contact 佐藤 健一: owner = bob ")
        and "only the customer's owner or a manager may do this" in line
        for line in said
    ), said
    # It stays on the device, is not sent again, and does not count.
    assert bob.crm("sync").out.startswith("sent 0, received 0, conflicts 0, rejected 0;")
    assert bob.query("SELECT rejected FROM ops WHERE op_id = ?", refused["op_id"]) == [
        ("forbidden",)
    ]
    assert bob.json("status")["rejected"] == [refused]
    shown = bob.show("ken@example.jp")
    assert (shown["owner"], shown["title"]) == ("alice", "部長")
    history = bob.crm("history", "ken@example.jp", "--field", "owner").out
    assert "owner = bob  [refused: forbidden]" in history


def test_a_typed_resolution_is_checked_as_crm_edit_checks_the_field(
    server: Server, tmp_path: Path
) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    bob = joined(tmp_path / "bob", server, "bob")
    alice.crm("add", "company", "関西製鉄")
    alice.crm("add", "company", "東京精機")
    alice.crm("add", "contact", "佐藤 健一", "--email", "ken@example.jp")
    alice.sync()
    bob.sync()
    alice.crm("edit", "ken@example.jp", "--lifecycle", "customer", "--company", "関西製鉄")
    bob.crm("edit", "ken@example.jp", "--lifecycle", "former", "--company", "東京精機")
    alice.sync()
    assert bob.sync()["conflicts"] == 2
    ken = bob.show("ken@example.jp")["id"]
    listed = bob.crm("conflicts").out
    assert "= 関西製鉄  (alice" in listed and "= 東京精機  (bob" in listed  # ids named

    stage = bob.crm("resolve", f"{ken}:lifecycle", "--value", "banana", ok=False)
    assert "banana" in one_line_error(stage, 2)
    assert "customer" in stage.err  # the stages it takes
    assert len(bob.json("conflicts")) == 2  # nothing was written

    bob.crm("resolve", f"{ken}:lifecycle", "--value", "prospect")
    # A company by its name, as `crm edit --company` takes it: the contact gets its id.
    bob.crm("resolve", f"{ken}:company_id", "--value", "東京精機")
    shown = bob.show("ken@example.jp")
    tokyo = bob.show("東京精機")["id"]
    assert (shown["lifecycle"], shown["company_id"], shown["conflicts"]) == (
        "prospect",
        tokyo,
        [],
    )
    assert bob.crm("doctor").code == 0


def test_conflicts_are_listed_resolved_and_their_history_told(
    server: Server, tmp_path: Path
) -> None:
    alice = joined(tmp_path / "alice", server, "alice")
    bob = joined(tmp_path / "bob", server, "bob")
    alice.crm("add", "contact", "佐藤 健一", "--email", "ken@example.jp")
    assert alice.crm("conflicts").out == "No conflicts.\n"
    alice.sync()
    bob.sync()
    alice.crm("edit", "ken@example.jp", "--title", "部長", "--add-tag", "vip")
    bob.crm("edit", "ken@example.jp", "--title", "課長", "--add-tag", "golf")
    alice.sync()
    assert bob.sync()["conflicts"] == 2
    alice.sync()

    listed = alice.crm("conflicts").out.splitlines()
    ken = alice.show("ken@example.jp")["id"]
    alice_site, bob_site = (
        laptop.query("SELECT value FROM meta WHERE key = 'site_id'")[0][0][-5:]
        for laptop in (alice, bob)
    )
    assert [re.sub(WHEN, "WHEN", row) for row in listed] == [
        f"{ken}:tags  contact 佐藤 健一: tags",
        f"  1. golf  (bob, device {bob_site}, WHEN)",
        f"  2. vip  (alice, device {alice_site}, WHEN)",
        f"{ken}:title  contact 佐藤 健一: title",
        f"  1. 課長  (bob, device {bob_site}, WHEN)",
        f"  2. 部長  (alice, device {alice_site}, WHEN)",
    ]
    which = one_line_error(alice.crm("resolve", "ken@example.jp", ok=False), 4)
    assert which.endswith("has conflicts in tags, title; say which with --field or its id.")
    what = one_line_error(alice.crm("resolve", f"{ken}:title", ok=False), 2)
    assert what == "crm: Say which value to keep: --pick N or --value TEXT."
    out_of_range = alice.crm("resolve", f"{ken}:title", "--pick", "3", ok=False)
    assert one_line_error(out_of_range, 2) == f"crm: --pick takes 1 to 2 for {ken}:title."

    # Picking the value already shown still settles the conflict, for everyone.
    shown_title = next(c["shown"] for c in alice.json("conflicts") if c["field"] == "title")
    assert shown_title == "課長"
    picked = alice.crm("resolve", "ken@example.jp", "--field", "title", "--pick", "1")
    assert picked.out == "Resolved title of contact 佐藤 健一.\n"
    typed = alice.crm("resolve", f"{ken}:tags", "--value", '["vip", "golf"]')
    assert typed.out == "Resolved tags of contact 佐藤 健一.\n"
    assert alice.json("conflicts") == []
    assert alice.sync()["conflicts"] == 0
    assert bob.sync()["conflicts"] == 0
    for laptop in (alice, bob):
        shown = laptop.show("ken@example.jp")
        assert (shown["title"], shown["tags"], shown["conflicts"]) == ("課長", ["vip", "golf"], [])

    history = bob.crm("history", "ken@example.jp", "--field", "title").out.splitlines()
    assert re.split(r"\s{2,}", history[0]) == ["WHEN", "WHO", "DEVICE", "CHANGE"]
    rows = [re.split(r"\s{2,}", re.sub(WHEN, "WHEN", row)) for row in history[1:]]
    assert rows == [
        ["WHEN", "alice", alice_site, "title = 部長"],
        ["WHEN", "bob", bob_site, "title = 課長"],
        ["WHEN", "alice", alice_site, "title = 課長"],
    ]
    changes = bob.json("history", "ken@example.jp", "--field", "title")
    assert [set(c) for c in changes] == [
        {"at", "rep", "site_id", "what", "field", "value", "op_id", "refused"}
    ] * 3
    assert [(c["rep"], c["what"], c["value"]) for c in changes] == [
        ("alice", "set", "部長"),
        ("bob", "set", "課長"),
        ("alice", "set", "課長"),
    ]
    tags = bob.crm("history", "ken@example.jp", "--field", "tags").out
    assert "tags = vip, golf" in tags and "[" not in tags
    assert bob.crm("history", "ken@example.jp", "--field", "phone").out == (
        "No changes to phone recorded.\n"
    )


def test_a_manager_enrols_lists_and_revokes_reps(team: TeamServer, tmp_path: Path) -> None:
    enrolled = team.crm("server", "add-rep", "alice", "--db", "team.db").out
    assert re.fullmatch(r"alice \(rep\): crm login <server URL> [A-Z0-9-]{14}\n", enrolled)
    code = team.add_rep("alice")  # a new code; the first one still works too
    bob_code = team.add_rep("bob")
    team.add_rep("mona", "manager")
    bad = team.crm("server", "add-rep", "zed", "--role", "boss", "--db", "team.db", ok=False)
    assert "'boss' is not a role; use rep or manager." in one_line_error(bad, 2)
    url = team.start()
    alice = Laptop(tmp_path / "alice")
    alice.crm("login", url, code, "--label", "alice-laptop")
    bob = Laptop(tmp_path / "bob")
    bob.login(url, bob_code)
    alice.sync()

    reps = team.crm("server", "reps", "--db", "team.db", "--json").json()
    assert [(r["name"], r["role"], r["revoked"]) for r in reps] == [
        ("alice", "rep", False),
        ("bob", "rep", False),
        ("mona", "manager", False),
    ]
    assert set(reps[0]) == {"name", "role", "revoked", "devices"}
    (device,) = reps[0]["devices"]
    assert set(device) == {"device", "label", "last_sync", "revoked"}
    assert device["label"] == "alice-laptop" and re.fullmatch(ISO, device["last_sync"])
    assert reps[1]["devices"][0]["last_sync"] is None and reps[2]["devices"] == []
    table = team.crm("server", "reps", "--db", "team.db").out.splitlines()
    assert re.split(r"\s{2,}", table[0]) == ["REP", "ROLE", "DEVICE", "LABEL", "LAST SYNC"]
    rows = [re.split(r"\s{2,}", re.sub(WHEN, "WHEN", row)) for row in table[1:]]
    assert rows == [
        ["alice", "rep", device["device"], "alice-laptop", "WHEN"],
        ["bob", "rep", reps[1]["devices"][0]["device"], "never"],
        ["mona", "manager", "-", "never"],
    ]

    assert team.crm("server", "revoke", "alice", "--db", "team.db").out == "Revoked rep alice.\n"
    alice.crm("add", "contact", "佐藤 健一", "--email", "ken@example.jp")
    cut = one_line_error(alice.crm("sync", ok=False), 7)
    assert "does not accept this device any more" in cut and "crm login URL CODE" in cut
    said = alice.crm("status").out.splitlines()
    assert said[2] == "Pending: 6 ops to send"
    assert said[-1] == f"Last attempt failed: {cut[5:]}"
    assert bob.sync()["rejected"] == 0
    bob_device = bob.json("status")
    revoke_device = team.crm("server", "revoke", reps[1]["devices"][0]["device"], "--db", "team.db")
    assert revoke_device.out == f"Revoked device {reps[1]['devices'][0]['device']}.\n"
    assert one_line_error(bob.crm("sync", ok=False), 7) == cut
    assert bob.json("status")["last_sync"] == bob_device["last_sync"]
    unknown = team.crm("server", "revoke", "nobody", "--db", "team.db", ok=False)
    assert (
        one_line_error(unknown, 3)
        == "crm: No rep or device is called 'nobody'; see `crm server reps`."
    )
    after = {r["name"]: r for r in team.crm("server", "reps", "--db", "team.db", "--json").json()}
    assert after["alice"]["revoked"] and after["alice"]["devices"][0]["revoked"]
    assert not after["bob"]["revoked"] and after["bob"]["devices"][0]["revoked"]
    assert "(revoked)" in team.crm("server", "reps", "--db", "team.db").out

    # Re-admitted with a new code, Alice's laptop sends what it kept meanwhile.
    alice.login(url, team.add_rep("alice"))
    assert alice.sync()["sent"] == 6
    nameless = one_line_error(team.crm("server", "reps", ok=False), 2)
    assert nameless == "crm: Name the server's store: --db team.db (or a postgresql:// URL)."
    by_variable = run_crm(
        ("server", "reps", "--json"), {**team.env, "CRM_SERVER_DB": "team.db"}, team.folder, True
    )
    assert [r["revoked"] for r in by_variable.json()] == [False, False, False]
