"""Measures `crm import` of a 10,000-card vCard file against bare `vobject.readComponents`.

Builds the file (Japanese cards with readings and English ones, vCard 3.0, 2,000 companies, a
few cards twice as a phone export would have them), then in one run times:

1. `vobject.readComponents` parsing the file (the baseline: parse only, nothing normalised);
2. `crm import` of it into a new store, end to end (decode, normalise phones and emails, match
   against the store and the cards before, one transaction), as the service runs it;
3. importing the same file again (every card is found: 0 new records).

The issue's target: (2) at no less than 0.75x the rate of (1), and (3) at least as fast as (2).

Usage: .venv/bin/python bench/import_bench.py [--cards 10000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

FAMILY = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
]
GIVEN = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健一", "ケンイチ"),
    ("美咲", "ミサキ"),
    ("翔", "ショウ"),
    ("陽子", "ヨウコ"),
    ("大輔", "ダイスケ"),
    ("直美", "ナオミ"),
]
LATIN = ["Smith", "Clarke", "Brown", "Miller", "Garcia", "Wilson", "Moore", "Taylor"]
FIRST = ["Emma", "John", "Olivia", "James", "Sophia", "Liam", "Mia", "Noah"]


def card(n: int, rng: random.Random) -> str:
    """One typical card from a phone or a card scanner."""
    company = n % 2000
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:bench-{n}"]
    if n % 3:
        # Five cards per company, never two of one name at one company.
        (family, family_kana) = FAMILY[(n // 2000 + rng.randrange(8) * 5) % len(FAMILY)]
        (given, given_kana) = GIVEN[(n // 2000) % len(GIVEN)]
        lines += [
            f"N:{family};{given};;;",
            f"FN:{family} {given}",
            f"X-PHONETIC-LAST-NAME:{family_kana}",
            f"X-PHONETIC-FIRST-NAME:{given_kana}",
            f"ORG:株式会社テスト{company};営業部",
            "TITLE:課長",
            f"ADR;TYPE=WORK:;;芝公園{n % 9 + 1}-{n % 20 + 1};港区;東京都;105-0011;日本",
        ]
    else:
        family, given = LATIN[(n // 2000 + rng.randrange(8) * 5) % 8], FIRST[(n // 2000) % 8]
        lines += [
            f"N:{family};{given};;;",
            f"FN:{given} {family}",
            f"ORG:Example {company} Inc.;Sales",
            "TITLE:Account Manager",
            f"ADR;TYPE=WORK:;;{n % 90 + 1} Main St;Springfield;IL;62701;USA",
        ]
    lines += [
        f"TEL;TYPE=CELL:090-{n // 10000 % 10000:04d}-{n % 10000:04d}",
        f"TEL;TYPE=WORK:03-{company // 100 % 100 + 1000:04d}-{company % 10000:04d}",
        f"EMAIL;TYPE=INTERNET:person{n}@example{company}.jp",
        f"NOTE:Met at the trade show\\, booth {n % 300}",
        "END:VCARD",
    ]
    return "\r\n".join(lines) + "\r\n"


def build(path: Path, cards: int) -> None:
    """Writes the benchmark's file."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        for n in range(cards):
            out.write(card(n, rng))


def main(argv: list[str] | None = None) -> int:
    """Builds the file and prints the three rates and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crm-import-bench-") as tmp:
        folder = Path(tmp)
        source = folder / "cards.vcf"
        build(source, args.cards)
        os.environ["CRM_DB"] = str(folder / "crm.db")
        os.environ.setdefault("CRM_CONFIG", str(folder / "config.toml"))

        import vobject  # type: ignore[import-untyped]

        from crm_tui.services.importing import import_files
        from crm_tui.services.session import open_session

        started = time.perf_counter()
        parsed = sum(1 for _ in vobject.readComponents(source.read_text(encoding="utf-8")))
        bare = time.perf_counter() - started

        session = open_session(None)
        started = time.perf_counter()
        (first,) = import_files(session, [source])
        imported = time.perf_counter() - started
        started = time.perf_counter()
        (again,) = import_files(session, [source])
        reimported = time.perf_counter() - started
        contacts = session.store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        session.close()
    figures = {
        "cards": args.cards,
        "vobject_cards_per_s": round(parsed / bare),
        "import_cards_per_s": round(args.cards / imported),
        "reimport_cards_per_s": round(args.cards / reimported),
        "import_ratio": round(bare / imported, 2),
        "reimport_ratio": round(bare / reimported, 2),
        "created": len(first.created),
        "merged_on_first_import": len(first.merged),
        "reimport_new_records": len(again.created),
        "reimport_unchanged": len(again.unchanged),
        "contacts": contacts,
    }
    ok = (
        figures["import_ratio"] >= 0.75
        and reimported <= imported
        and figures["reimport_new_records"] == 0
    )
    if args.json:
        print(json.dumps(figures | {"pass": ok}, indent=2))
    else:
        print(f"vobject.readComponents: {figures['vobject_cards_per_s']:>7,} cards/s")
        print(
            f"crm import:             {figures['import_cards_per_s']:>7,} cards/s "
            f"({figures['import_ratio']:.2f}x vobject; target >= 0.75x) "
            f"{figures['created']:,} created, {figures['merged_on_first_import']:,} merged"
        )
        print(
            f"crm import again:       {figures['reimport_cards_per_s']:>7,} cards/s "
            f"({figures['reimport_ratio']:.2f}x vobject; target: as fast) "
            f"{figures['reimport_new_records']} new, {figures['reimport_unchanged']:,} unchanged"
        )
        print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
