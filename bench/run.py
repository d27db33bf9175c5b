"""Measures crm's quick commands and a local edit on the reference store, against the targets.

One run: (re)build the reference store if needed, precompile crm's bytecode, then time, in
interleaved rounds, `python -c pass` (the baseline), `crm next-actions`, `crm search` with the
two reference words, `crm show <contact>` and `crm log visit <contact>`, each as a fresh process;
then, in this process, a local edit with its op against a plain sqlite3 INSERT. Medians are
reported as ratios to the baseline, with the spec's targets.

Usage: .venv/bin/python bench/run.py [--db PATH] [--rebuild] [--scale 0.02] [--json]

Exit status: 0 when every target is met, 1 when one is missed, 2 when a command failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import build_reference as reference

ROOT = reference.BENCH_DIR.parent
TARGETS = {"next-actions": 8.0, "search": 9.0, "show": 8.0, "log visit": 9.0}
EDIT_TARGET = 2.0


def say(text: str) -> None:
    """Prints progress on stderr (stdout carries the report)."""
    print(text, file=sys.stderr, flush=True)


# --- preparation --------------------------------------------------------------------------------


def ensure_reference(db: Path, rebuild: bool, scale: float) -> None:
    """Builds the reference store in a child process when it is missing, when its schema is not
    one crm can migrate, or when a rebuild is asked; an older schema is migrated in place."""
    from crm_tui.storage.version import SCHEMA_VERSION

    if db.exists() and reference.sidecar_path(db).exists() and not rebuild:
        conn = sqlite3.connect(db)
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
        finally:
            conn.close()
        if version == SCHEMA_VERSION:
            return
        if 0 < version < SCHEMA_VERSION:
            # Opening it migrates it, as it would any rep's store; far quicker than a rebuild.
            from crm_tui.storage.db import open_store

            say(f"{db} has schema {version}, crm has {SCHEMA_VERSION}: migrating it.")
            open_store(db, "bench").close()
            return
        say(f"{db} has schema {version}, crm has {SCHEMA_VERSION}: rebuilding it.")
    say(f"Building the reference store {db} (scale {scale:g})...")
    command = [sys.executable, str(reference.BENCH_DIR / "build_reference.py")]
    command += ["--db", str(db), "--scale", str(scale), "--force"]
    # The build's report goes to stderr with the rest of the progress.
    subprocess.run(command, check=True, stdout=sys.stderr)


def precompile() -> None:
    """Writes crm_tui's bytecode, as an installed package would have it (this environment sets
    PYTHONDONTWRITEBYTECODE=1, so no run would ever write it)."""
    command = [sys.executable, "-m", "compileall", "-q", str(ROOT / "crm_tui")]
    subprocess.run(command, check=True)


def copy_store(source: Path, target: Path) -> None:
    """Copies a store with SQLite's backup API (safe even if a WAL file is around)."""
    for path in reference.store_files(target):
        path.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def store_state(db: Path) -> tuple[int, int]:
    """The number of ops and the highest op sequence number: any write changes them."""
    conn = sqlite3.connect(db)
    try:
        count, top = conn.execute("SELECT count(*), coalesce(max(seq), 0) FROM ops").fetchone()
        return int(count), int(top)
    finally:
        conn.close()


class Subject(NamedTuple):
    """The contact `crm show` and `crm log visit` are measured with."""

    email: str
    activities: int
    median: float


def typical_contact(db: Path) -> Subject:
    """A contact with the median number of activities (ties: the first email in order)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT c.emails, count(a.id) FROM contacts c "
            "LEFT JOIN activities a ON a.contact_id = c.id AND NOT a.retracted "
            "WHERE NOT c.archived AND c.emails != '[]' GROUP BY c.id"
        ).fetchall()
    finally:
        conn.close()
    if not rows:
        raise SystemExit(f"{db} has no contact with an email.")
    counts = [int(n) for _, n in rows]
    median = statistics.median(counts)
    wanted = statistics.median_low(counts)
    email = min(json.loads(emails)[0] for emails, n in rows if n == wanted)
    return Subject(email, wanted, median)


class Setup(NamedTuple):
    """What a benchmark of crm commands starts from."""

    ref: Path
    """The reference store."""
    info: dict[str, Any]
    """Its sidecar: scale, seed, build instant, counts."""
    crm: Path
    """The `crm` script beside this Python."""
    machine: dict[str, Any]
    """The machine's facts (`machine_facts`)."""


def set_up(db: Path, rebuild: bool, scale: float) -> Setup | None:
    """Builds the reference store if missing, finds `crm`, compiles its bytecode and reads the
    machine; None (having said why) when this Python has no `crm` beside it."""
    ref = db.resolve()
    ref.parent.mkdir(parents=True, exist_ok=True)
    ensure_reference(ref, rebuild, scale)
    info = json.loads(reference.sidecar_path(ref).read_text())
    crm = Path(sys.executable).parent / "crm"
    if not crm.exists():
        say(f"{crm} is missing: run this with the virtualenv's python (.venv/bin/python).")
        return None
    say("Compiling crm_tui's bytecode...")
    precompile()
    return Setup(ref, info, crm, machine_facts())


def machine_facts() -> dict[str, Any]:
    """What the figures depend on: CPUs, load, Python, SQLite, the OS."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


# --- the commands -------------------------------------------------------------------------------


class Command(NamedTuple):
    """One measured command: a label, its argv, its target ratio and how to check a run."""

    name: str
    label: str
    argv: list[str]
    target: float | None
    check: Callable[[bytes], str | None]


def exits_cleanly(_: bytes) -> str | None:
    """Any output will do; the exit status is checked separately."""
    return None


def prints_hits(stdout: bytes) -> str | None:
    """`crm search` printed at least one hit (a header line and a row)."""
    rows = [line for line in stdout.decode(errors="replace").splitlines() if line.strip()]
    return None if len(rows) >= 2 else "found no hits"


def commands(crm: Path, ref: Path, copy: Path, email: str, words: list[str]) -> list[Command]:
    """The baseline and the four measured commands."""
    return [
        Command("baseline", "python -c pass", [sys.executable, "-c", "pass"], None, exits_cleanly),
        Command(
            "next-actions",
            "crm next-actions",
            [str(crm), "next-actions", "--db", str(ref)],
            TARGETS["next-actions"],
            exits_cleanly,
        ),
        Command(
            "search",
            f"crm search {' '.join(words)}",
            [str(crm), "search", "--db", str(ref), *words],
            TARGETS["search"],
            prints_hits,
        ),
        Command(
            "show",
            "crm show <contact email>",
            [str(crm), "show", "--db", str(ref), email],
            TARGETS["show"],
            exits_cleanly,
        ),
        Command(
            "log visit",
            "crm log visit <email> (copy)",
            [str(crm), "log", "visit", "--db", str(copy), email, "bench visit"],
            TARGETS["log visit"],
            exits_cleanly,
        ),
    ]


def run_once(command: Command, env: dict[str, str]) -> tuple[float, str | None]:
    """Runs a command once; returns its wall time in ms and a problem, if any."""
    started = time.perf_counter_ns()
    done = subprocess.run(command.argv, env=env, capture_output=True, check=False)
    elapsed = (time.perf_counter_ns() - started) / 1e6
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        return elapsed, f"exit status {done.returncode}: {detail[0]}"
    return elapsed, command.check(done.stdout)


def json_of(argv: list[str], env: dict[str, str]) -> Any:
    """Runs a crm command with `--json` and returns what it printed."""
    done = subprocess.run([*argv, "--json"], env=env, capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode().strip()}"
        )
    return json.loads(done.stdout)


def describe_workload(cmds: list[Command], env: dict[str, str]) -> dict[str, int]:
    """How much each read command returns (one untimed run each, with --json)."""
    by_name = {c.name: c for c in cmds}
    agenda = json_of(by_name["next-actions"].argv, env)
    hits = json_of(by_name["search"].argv, env)
    shown = json_of(by_name["show"].argv, env)
    return {
        "next_actions_items": len(agenda),
        "search_hits": len(hits),
        "show_timeline_entries": len(shown.get("timeline", [])),
    }


def ratios(cmds: list[Command], samples: dict[str, list[float]]) -> list[dict[str, Any]]:
    """Each command's timings with its median as a ratio to the baseline's, and its verdict."""
    baseline = statistics.median(samples["baseline"])
    results = []
    for command in cmds:
        ratio = statistics.median(samples[command.name]) / baseline
        results.append(
            {
                "name": command.name,
                "label": command.label,
                "argv": command.argv,
                **summary(samples[command.name]),
                "ratio": round(ratio, 2),
                "target": command.target,
                "pass": command.target is None or ratio <= command.target,
            }
        )
    return results


def measure_commands(
    cmds: list[Command], env: dict[str, str], rounds: int, warmup: int
) -> tuple[dict[str, list[float]], list[str]]:
    """Runs every command once per round, in an order that rotates each round."""
    samples: dict[str, list[float]] = {c.name: [] for c in cmds}
    problems: list[str] = []
    for round_no in range(warmup + rounds):
        shift = round_no % len(cmds)
        for command in cmds[shift:] + cmds[:shift]:
            elapsed, problem = run_once(command, env)
            if problem:
                problems.append(f"{command.label}: {problem}")
                say(f"  error: {command.label}: {problem}")
            if round_no >= warmup:
                samples[command.name].append(elapsed)
        if round_no >= warmup:
            say(f"  round {round_no - warmup + 1}/{rounds}")
    return samples, problems


# --- a local edit versus a plain INSERT ---------------------------------------------------------


def measure_edit(
    copy: Path, plain: Path, reps: int, warmup: int
) -> tuple[list[float], list[float], list[float]]:
    """Times `Writer.update` of a contact's title, and of its note, against a plain INSERT of a
    contacts row.

    Each repetition edits another contact (so no record's history grows with the benchmark)
    and inserts one row, in its own `BEGIN IMMEDIATE … COMMIT`, into a fresh file with the
    store's pragmas (WAL, synchronous=FULL, …); the order rotates. The title is a plain
    field; the note is full-text indexed, so its edit also rewrites the record's FTS5 document.
    """
    from crm_tui.domain.ids import new_id
    from crm_tui.domain.records import Contact
    from crm_tui.storage.db import PRAGMAS, open_store

    store = open_store(copy, reference.REP)
    for path in reference.store_files(plain):
        path.unlink(missing_ok=True)
    flat = sqlite3.connect(plain, isolation_level=None)
    try:
        for pragma in PRAGMAS:
            flat.execute(f"PRAGMA {pragma}")
        conn = store.conn
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM contacts ORDER BY emails LIMIT ?", (reps + warmup,)
            )
        ]
        (ddl,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'contacts'"
        ).fetchone()
        flat.execute(ddl.replace("contacts", "contacts_plain", 1))
        flat.execute("CREATE INDEX contacts_plain_company ON contacts_plain (company_id)")
        row = list(conn.execute("SELECT * FROM contacts WHERE id = ?", (ids[0],)).fetchone())
        insert = f"INSERT INTO contacts_plain VALUES ({', '.join('?' * len(row))})"

        def edit(i: int, field: str = "title") -> float:
            started = time.perf_counter_ns()
            with store.write() as w:
                w.update(Contact, ids[i % len(ids)], {field: f"ベンチ {i}"})
            return (time.perf_counter_ns() - started) / 1e6

        def edit_note(i: int) -> float:
            return edit(i, "note")

        def plain_insert(i: int) -> float:
            row[0] = new_id()
            started = time.perf_counter_ns()
            flat.execute("BEGIN IMMEDIATE")
            flat.execute(insert, row)
            flat.execute("COMMIT")
            return (time.perf_counter_ns() - started) / 1e6

        timed: tuple[list[float], list[float], list[float]] = ([], [], [])
        steps = (edit, edit_note, plain_insert)
        for i in range(warmup + reps):
            order = [(i + k) % 3 for k in range(3)]
            taken = {k: steps[k](i) for k in order}
            if i >= warmup:
                for k in range(3):
                    timed[k].append(taken[k])
        return timed
    finally:
        flat.close()
        store.close()


# --- the report ---------------------------------------------------------------------------------


def summary(samples: list[float]) -> dict[str, float]:
    """Median and quartiles of timings in ms."""
    quartiles = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p25_ms": round(quartiles[0], 2),
        "p75_ms": round(quartiles[2], 2),
        "min_ms": round(min(samples), 2),
    }


def report_table(result: dict[str, Any]) -> str:
    """The human report: facts, then one aligned line per measurement."""
    m = result["machine"]
    s = result["store"]
    lines = [
        f"Machine: {m['cpu_count']} CPUs ({m['cpu_model'] or 'unknown model'}), "
        f"load {' '.join(str(x) for x in m['load_average'])} -> "
        f"{' '.join(str(x) for x in result['load_average_after'])}",
        f"Python {m['python']} ({m['python_executable']}), SQLite {m['sqlite']}, {m['platform']}",
        f"Store: {s['path']} (scale {s['scale']}, built {s['built_at']}, "
        f"{s['file_mb']} MB); now pinned to {result['now'] or 'the real clock'}",
        f"Show/log contact: {s['contact']} ({s['contact_activities']} activities; "
        f"median per contact {s['median_activities']:g})",
        f"Workload: next-actions {s['next_actions_items']} items, search "
        f"{s['search_hits']} hits, show {s['show_timeline_entries']} timeline entries",
        f"{result['rounds']} rounds (+{result['warmup']} warm-up), medians:",
        "",
    ]
    header = ("measurement", "median", "p25-p75", "ratio", "target", "result")
    rows: list[tuple[str, ...]] = []
    for item in result["commands"]:
        target = item["target"]
        rows.append(
            (
                item["label"],
                f"{item['median_ms']:.1f} ms",
                f"{item['p25_ms']:.0f}-{item['p75_ms']:.0f}",
                f"{item['ratio']:.2f}x",
                f"<= {target:g}x" if target else "",
                ("PASS" if item["pass"] else "FAIL") if target else "",
            )
        )
    edit = result["edit"]
    rows.append(
        (
            "plain INSERT (sqlite3, own txn)",
            f"{edit['insert']['median_ms']:.2f} ms",
            f"{edit['insert']['p25_ms']:.1f}-{edit['insert']['p75_ms']:.1f}",
            "1.00x",
            "",
            "",
        )
    )
    rows.append(
        (
            "local edit with its op (title)",
            f"{edit['edit']['median_ms']:.2f} ms",
            f"{edit['edit']['p25_ms']:.1f}-{edit['edit']['p75_ms']:.1f}",
            f"{edit['ratio']:.2f}x",
            f"<= {EDIT_TARGET:g}x",
            "PASS" if edit["pass"] else "FAIL",
        )
    )
    note = result["edit"]["note"]
    rows.append(
        (
            "  … of a searched field (note)",
            f"{note['edit']['median_ms']:.2f} ms",
            f"{note['edit']['p25_ms']:.1f}-{note['edit']['p75_ms']:.1f}",
            f"{note['ratio']:.2f}x",
            f"<= {EDIT_TARGET:g}x",
            "PASS" if note["pass"] else "FAIL",
        )
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    if result["problems"]:
        lines += ["", "Problems:", *(f"  {p}" for p in result["problems"])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Builds if needed, measures, and prints the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, default=reference.DEFAULT_DB, help="reference store")
    parser.add_argument("--rebuild", action="store_true", help="build the store anew first")
    parser.add_argument("--scale", type=float, default=1.0, help="scale of a (re)build")
    parser.add_argument("--rounds", type=int, default=21, help="measured rounds (default 21)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first")
    parser.add_argument("--edit-reps", type=int, default=200, help="edits and inserts timed")
    parser.add_argument(
        "--real-now",
        action="store_true",
        help="use the real clock instead of pinning CRM_NOW to the build's instant",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.edit_reps < 2:
        parser.error("--rounds must be at least 1 and --edit-reps at least 2")

    ready = set_up(args.db, args.rebuild, args.scale)
    if ready is None:
        return 2
    ref, info, crm, machine = ready

    copy = ref.with_name(f"{ref.stem}.copy.db")
    plain = ref.with_name(f"{ref.stem}.plain.db")
    say(f"Copying the store to {copy.name} for the commands that write...")
    copy_store(ref, copy)
    subject = typical_contact(ref)
    words = list(info.get("search_words", reference.SEARCH_WORDS))
    env = dict(os.environ)
    env.pop("CRM_DB", None)
    env["CRM_CONFIG"] = str(ref.parent / "no-such-config.toml")
    now = None if args.real_now else info.get("built_at")
    if now:
        env["CRM_NOW"] = now
    else:
        env.pop("CRM_NOW", None)
    if not args.real_now and date.fromisoformat(info["today"]) != datetime.now().date():
        say(f"(The store was built on {info['today']}; its dates are read as of then.)")

    cmds = commands(crm, ref, copy, subject.email, words)
    before = store_state(ref)
    workload = describe_workload(cmds, env)
    say(f"Timing {len(cmds)} commands x {args.rounds} rounds...")
    samples, problems = measure_commands(cmds, env, args.rounds, args.warmup)
    if store_state(ref) != before:
        problems.append(f"the reference store {ref} changed while read commands ran")
    say(f"Timing {args.edit_reps} local edits and plain INSERTs...")
    edits, note_edits, inserts = measure_edit(copy, plain, args.edit_reps, warmup=10)

    results = ratios(cmds, samples)
    edit_ratio = statistics.median(edits) / statistics.median(inserts)
    note_ratio = statistics.median(note_edits) / statistics.median(inserts)
    result: dict[str, Any] = {
        "machine": machine,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "now": now,
        "rounds": args.rounds,
        "warmup": args.warmup,
        "store": {
            "path": str(ref),
            "scale": info.get("scale"),
            "built_at": info.get("built_at"),
            "build_seconds": info.get("build_seconds"),
            "counts": info.get("counts"),
            "file_mb": round(ref.stat().st_size / 1e6),
            "contact": subject.email,
            "contact_activities": subject.activities,
            "median_activities": subject.median,
            **workload,
        },
        "commands": results,
        "edit": {
            "edit": summary(edits),
            "insert": summary(inserts),
            "ratio": round(edit_ratio, 2),
            "target": EDIT_TARGET,
            "pass": edit_ratio <= EDIT_TARGET,
            "repetitions": args.edit_reps,
            "note": {
                "edit": summary(note_edits),
                "ratio": round(note_ratio, 2),
                "pass": note_ratio <= EDIT_TARGET,
            },
        },
        "problems": problems,
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(report_table(result))
    if problems:
        return 2
    met = all(r["pass"] for r in results) and result["edit"]["pass"]
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
