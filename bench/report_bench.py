"""Measures `crm report --period quarter` (human output, with its charts) and segment counts on
the reference store, each as a ratio to `python -c pass`.

One run, with `run.py`'s helpers: build the reference store if missing, precompile crm's
bytecode, run the report once with `--json` to describe the workload (untimed), then time every
command as a fresh process in interleaved rounds (1 warm-up, 21 measured; each round starts one
further along the list) and compare medians. The store is checked to be unchanged afterwards.
`CRM_NOW` is pinned to the store's build instant (`--real-now` to use the real clock), so the
quarter holds the same data whatever day the benchmark runs. The segment counts use two of the
issue's example filters (docs/segments.md): a text match with a per-customer purchase count, and
a relative date with a related deal's stage. Target: each ratio <= 8.

Usage: .venv/bin/python bench/report_bench.py [--db PATH] [--rounds 21] [--json]
Exit status: 0 when every target is met, 1 when one is missed, 2 when a command failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import build_reference as reference
from run import (
    Command,
    exits_cleanly,
    json_of,
    measure_commands,
    ratios,
    say,
    set_up,
    store_state,
)

TARGET = 8.0


def commands(crm: Path, ref: Path) -> list[Command]:
    """The baseline and the measured commands (more can be appended: each gets a ratio)."""
    return [
        Command("baseline", "python -c pass", [sys.executable, "-c", "pass"], None, exits_cleanly),
        Command(
            "report",
            "crm report --period quarter",
            [str(crm), "report", "--db", str(ref), "--period", "quarter"],
            TARGET,
            prints_charts,
        ),
        *(
            Command(
                f"segment count {n}",
                f"crm segment count --where '{where}'",
                [str(crm), "segment", "count", "--db", str(ref), "--where", where],
                TARGET,
                prints_a_count,
            )
            for n, where in enumerate(SEGMENTS, 1)
        ),
    ]


SEGMENTS = (
    'title ~ "部長" and lifecycle = customer and purchases >= 3',
    'last_activity < -90d and deal.stage = "lost"',
)
"""Filters from the issue's examples whose counts are timed."""


def prints_a_count(stdout: bytes) -> str | None:
    """The count came out as a whole number (a filter the store cannot answer fails here)."""
    text = stdout.decode(errors="replace").strip()
    return None if text.replace(",", "").isdigit() else f"printed {text[:60]!r}, not a count"


def prints_charts(stdout: bytes) -> str | None:
    """The human report came out whole: its bars and its sparklines."""
    text = stdout.decode(errors="replace")
    if "Activities per" not in text or "█" not in text:
        return "printed no charts"
    return None


def workload(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """What the measured report covers (one untimed run with --json)."""
    data = json_of(argv, env)
    now, before = data["current"], data["previous"]
    return {
        "period": data["period"]["label"],
        "previous": data["period"]["previous"]["label"],
        "activities": [now["activities_total"], before["activities_total"]],
        "deals_closed": [
            now["deals_won"] + now["deals_lost"],
            before["deals_won"] + before["deals_lost"],
        ],
        "open_deals": [
            sum(s["deals"] for s in now["pipeline"]),
            sum(s["deals"] for s in before["pipeline"]),
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """Measures and prints the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, default=reference.DEFAULT_DB, help="reference store")
    parser.add_argument("--rounds", type=int, default=21, help="measured rounds (default 21)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured rounds first")
    parser.add_argument("--real-now", action="store_true", help="do not pin CRM_NOW")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    ready = set_up(args.db, rebuild=False, scale=1.0)
    if ready is None:
        return 2
    ref, info, crm, machine = ready
    env = dict(os.environ)
    env.pop("CRM_DB", None)
    env.pop("NO_COLOR", None)
    env["CRM_CONFIG"] = str(ref.parent / "no-such-config.toml")
    now = None if args.real_now else info.get("built_at")
    if now:
        env["CRM_NOW"] = now
    else:
        env.pop("CRM_NOW", None)

    cmds = commands(crm, ref)
    before = store_state(ref)
    covered = workload(cmds[1].argv, env)
    say(f"Timing {len(cmds)} commands x {args.rounds} rounds...")
    samples, problems = measure_commands(cmds, env, args.rounds, args.warmup)
    if store_state(ref) != before:
        problems.append(f"the reference store {ref} changed while the report ran")
    results = ratios(cmds, samples)
    result = {
        "machine": machine,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "now": now,
        "rounds": args.rounds,
        "store": {"path": str(ref), "counts": info.get("counts"), **covered},
        "commands": results,
        "problems": problems,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else table(result))
    if problems:
        return 2
    return 0 if all(r["pass"] for r in results) else 1


def table(result: dict[str, Any]) -> str:
    """The human report: the machine, the workload, one line per command."""
    m, s = result["machine"], result["store"]
    lines = [
        f"Machine: {m['cpu_count']} CPUs, load {' '.join(map(str, m['load_average']))} -> "
        f"{' '.join(map(str, result['load_average_after']))}; Python {m['python']}, "
        f"SQLite {m['sqlite']}",
        f"Store: {s['path']}; now pinned to {result['now'] or 'the real clock'}",
        f"Report of {s['period']} vs {s['previous']}: activities {s['activities']}, "
        f"deals closed {s['deals_closed']}, open deals {s['open_deals']}",
        f"{result['rounds']} rounds, medians:",
        "",
    ]
    for item in result["commands"]:
        target = item["target"]
        verdict = ("PASS" if item["pass"] else "FAIL") if target else ""
        lines.append(
            f"{item['label']:<32}{item['median_ms']:>8.1f} ms  "
            f"{item['p25_ms']:>5.0f}-{item['p75_ms']:<5.0f}{item['ratio']:>7.2f}x  "
            f"{f'<= {target:g}x' if target else '':<8}{verdict}".rstrip()
        )
    if result["problems"]:
        lines += ["", "Problems:", *(f"  {p}" for p in result["problems"])]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
