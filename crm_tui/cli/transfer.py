"""Provides `crm import` (vCard and CSV files, with a summary) and `crm export`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli.common import DbOption, JsonOption, session

if TYPE_CHECKING:
    from crm_tui.services.importing import Change, FileReport
    from crm_tui.services.listing import Filters


def import_(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help=".vcf or .csv files, or vdir folders of .vcf files.")
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would change; write nothing."),
    ] = False,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help='A CSV column the headers do not name, as COLUMN=FIELD (e.g. "担当者=name").',
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import contacts from vCard (2.1, 3.0, 4.0) and CSV files; nobody comes in twice.

    Example: crm import ~/Downloads/cards.vcf --dry-run
    """
    import sys

    from crm_tui.cli.output import emit_json
    from crm_tui.cli.progress import progress_bar
    from crm_tui.services.importing import import_files

    columns = None
    if mapping:
        from crm_tui.interchange.csv_read import parse_mapping

        columns = parse_mapping(mapping)
    s = session(ctx, db)
    show = progress_bar(threshold=1000) if sys.stderr.isatty() and not as_json else None
    try:
        reports = import_files(s, paths, mapping=columns, dry_run=dry_run, progress=show)
    finally:
        if show is not None:
            show("done", 0, None)
    if as_json:
        emit_json([_report_json(r) for r in reports])
    else:
        for report in reports:
            _print_report(report, dry_run)
    if any(r.error for r in reports):
        raise typer.Exit(2)


def _print_report(report: FileReport, dry_run: bool) -> None:
    """The file's summary line, then each skipped card (and, for a dry run, each change)."""
    from crm_tui.cli.output import note, safe, write

    if report.error:
        note(f"crm: {report.error}")
        return
    verb = "would import" if dry_run else "imported"
    write(
        f"{safe(report.file)}: {verb} {report.cards} card{'' if report.cards == 1 else 's'}: "
        f"{len(report.created)} created, {len(report.merged)} merged, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped"
        + (f"; {len(report.new_companies)} new companies" if report.new_companies else "")
    )
    if dry_run:
        for change in report.created:
            write(f"  create  {_who(change)}")
        for change in report.merged:
            fields = ", ".join(sorted(change.fields))
            write(f"  merge   {_who(change)} ({'; '.join(change.evidence)}): adds {fields}")
    for skipped in report.skipped:
        write(f"  skipped {safe(str(skipped.where))}: {safe(skipped.reason)}")


def _who(change: Change) -> str:
    from crm_tui.cli.output import safe

    return f"{safe(change.name)}  [{safe(str(change.where))}]"


def _report_json(report: FileReport) -> dict[str, object]:
    def changes(items: list[Change]) -> list[dict[str, object]]:
        return [
            {
                "id": c.contact_id,
                "name": c.name,
                "card": c.where.number,
                "fields": sorted(c.fields),
                "evidence": list(c.evidence),
            }
            for c in items
        ]

    return {
        "file": report.file,
        "error": report.error,
        "created": changes(report.created),
        "merged": changes(report.merged),
        "unchanged": changes(report.unchanged),
        "skipped": [
            {"card": s.where.number, "line": s.where.line, "reason": s.reason}
            for s in report.skipped
        ],
        "new_companies": report.new_companies,
    }


export_app = typer.Typer(
    help="Export contacts (vCard, CSV), follow-ups and visits (iCalendar), or everything (JSON).",
    no_args_is_help=True,
    add_completion=False,
)

Owner = Annotated[str | None, typer.Option(help="Only this rep's contacts.")]
CompanyOpt = Annotated[str | None, typer.Option("--company", help="Only this company's contacts.")]
Tag = Annotated[str | None, typer.Option(help="Only contacts with this tag.")]
Lifecycle = Annotated[str | None, typer.Option(help="Contacts at this stage.")]
Archived = Annotated[bool, typer.Option(help="Include archived contacts.")]
Segment = Annotated[str | None, typer.Option(help="Only the contacts of this saved segment.")]
Where = Annotated[
    str | None,
    typer.Option("--where", help="Only the contacts a filter selects (docs/segments.md)."),
]
Out = Annotated[Path | None, typer.Option("--out", help="Write to this file (default: stdout).")]


def _filters(
    owner: str | None,
    company: str | None,
    tag: str | None,
    lifecycle: str | None,
    archived: bool,
    segment: str | None = None,
    where: str | None = None,
) -> Filters:
    from crm_tui.services.listing import Filters

    return Filters(
        owner=owner,
        company=company,
        tag=tag,
        lifecycle=lifecycle,
        archived=archived,
        segment=segment,
        where=where,
    )


def _deliver(data: bytes, out: Path | None, what: str) -> None:
    """Writes an export to `--out` (atomically) or to stdout."""
    import sys

    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from crm_tui.cli.output import note, safe
    from crm_tui.services.exporting import write_atomically

    write_atomically(out, data)
    note(f"Wrote {what} to {safe(str(out))}.")


@export_app.command("vcard")
def export_vcard(
    ctx: typer.Context,
    version: Annotated[str, typer.Option(help="vCard version: 3.0 or 4.0.")] = "3.0",
    out: Out = None,
    vdir: Annotated[
        Path | None, typer.Option(help="Write one .vcf per contact into this folder (a vdir).")
    ] = None,
    owner: Owner = None,
    company: CompanyOpt = None,
    tag: Tag = None,
    lifecycle: Lifecycle = None,
    archived: Archived = False,
    segment: Segment = None,
    where: Where = None,
    db: DbOption = None,
) -> None:
    """Contacts as vCards, with readings as X-PHONETIC-* and SORT-AS (khard, phones, Outlook).

    Example: crm export vcard --version 4.0 --out team.vcf
    """
    from crm_tui.cli.output import note, safe
    from crm_tui.services.exporting import export_vcard as run

    filters = _filters(owner, company, tag, lifecycle, archived, segment, where)
    count, text = run(session(ctx, db), filters, version, vdir)
    if text is not None:
        _deliver(text.encode("utf-8"), out, f"{count} contact{'' if count == 1 else 's'}")
    else:
        note(f"Wrote {count} contact{'' if count == 1 else 's'} to {safe(str(vdir))}.")


@export_app.command("csv")
def export_csv(
    ctx: typer.Context,
    excel: Annotated[
        bool, typer.Option("--excel", help="UTF-8 with BOM and CRLF, for Excel on Windows.")
    ] = False,
    out: Out = None,
    owner: Owner = None,
    company: CompanyOpt = None,
    tag: Tag = None,
    lifecycle: Lifecycle = None,
    archived: Archived = False,
    segment: Segment = None,
    where: Where = None,
    db: DbOption = None,
) -> None:
    """Contacts as CSV; cells that a spreadsheet would run as formulas are neutralised.

    Example: crm export csv --excel --out contacts.csv
    """
    from crm_tui.services.exporting import export_csv as run

    filters = _filters(owner, company, tag, lifecycle, archived, segment, where)
    data = run(session(ctx, db), filters, excel)
    _deliver(data, out, "the contacts")


@export_app.command("ics")
def export_ics(
    ctx: typer.Context,
    out: Out = None,
    owner: Owner = None,
    company: CompanyOpt = None,
    tag: Tag = None,
    lifecycle: Lifecycle = None,
    archived: Archived = False,
    segment: Segment = None,
    where: Where = None,
    db: DbOption = None,
) -> None:
    """Follow-up tasks as VTODO and visits and meetings as VEVENT, for calendar apps.

    Example: crm export ics --out crm.ics
    """
    from crm_tui.services.exporting import export_ics as run

    data = run(session(ctx, db), _filters(owner, company, tag, lifecycle, archived, segment, where))
    _deliver(data, out, "the calendar")


@export_app.command("json")
def export_json(ctx: typer.Context, out: Out = None, db: DbOption = None) -> None:
    """Every record of every kind (archived ones too) as JSON, for scripts and backups.

    Example: crm export json --out everything.json
    """
    import json

    from crm_tui.services.exporting import export_everything

    data = export_everything(session(ctx, db))
    _deliver(json.dumps(data, ensure_ascii=False, indent=2).encode() + b"\n", out, "everything")


@export_app.command("person")
def export_person(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="The contact: a name, email, phone or id.")],
    out: Out = None,
    db: DbOption = None,
) -> None:
    """Everything held about one person, for a disclosure request under privacy law.

    Example: crm export person taro@example.jp --out yamada.json
    """
    import json

    from crm_tui.services.exporting import export_person as run

    data = run(session(ctx, db), who)
    _deliver(json.dumps(data, ensure_ascii=False, indent=2).encode() + b"\n", out, "the record")
