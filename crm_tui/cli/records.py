"""Provides `crm show`, `ls`, `search`, `edit`, `archive`, `unarchive`, `amend` and `retract`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from crm_tui.cli.common import DbOption, JsonOption, report, session
from crm_tui.domain.records import Record as RecordType

Text = Annotated[str | None, typer.Option(show_default=False)]
Many = Annotated[list[str] | None, typer.Option(show_default=False)]
Record = Annotated[str, typer.Argument(help="Name, email, phone, number or id (8+ characters).")]


def show(
    ctx: typer.Context,
    record: Record,
    all_: Annotated[bool, typer.Option("--all", help="Every version, retracted ones too.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a record and its timeline, newest first.

    Example: crm show 山田
    """
    from crm_tui.cli.render import print_view
    from crm_tui.services.show import show_record

    s = session(ctx, db)
    view = show_record(s, record, all_versions=all_)
    if as_json:
        from crm_tui.cli.jsonify import view_json
        from crm_tui.cli.output import emit_json

        emit_json(view_json(view))
    else:
        print_view(view, s.tz)


def ls(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            help="contacts, companies, deals, tasks, quotes, inquiries, contracts or invoices."
        ),
    ],
    owner: Annotated[str | None, typer.Option(help="Only this rep's records.")] = None,
    company: Annotated[str | None, typer.Option(help="Only this company's records.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only records with this tag.")] = None,
    lifecycle: Annotated[str | None, typer.Option(help="Contacts at this stage.")] = None,
    stage: Annotated[str | None, typer.Option(help="Deals at this stage.")] = None,
    status: Annotated[str | None, typer.Option(help="Tasks, quotes or inquiries.")] = None,
    unpaid: Annotated[bool, typer.Option(help="Invoices not yet paid.")] = False,
    archived: Annotated[bool, typer.Option(help="Include archived records.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Done tasks and closed deals too.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).")] = 0,
    segment: Annotated[
        str | None, typer.Option(help="Contacts (companies) of this saved segment.")
    ] = None,
    where: Annotated[
        str | None,
        typer.Option("--where", help="Contacts (companies) a filter selects: 'title ~ \"部長\"'."),
    ] = None,
    sort: Annotated[
        str | None, typer.Option(help="score: highest lead score first (contacts, companies).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List records of one kind.

    Example: crm ls contacts --company ミナト
    """
    from crm_tui.cli.render import print_listing
    from crm_tui.services.listing import Filters, list_records

    filters = Filters(
        owner, company, tag, lifecycle, stage, status, unpaid, archived, all_, limit, segment, where
    )
    s = session(ctx, db)
    scores = None
    if sort is not None:
        from crm_tui.services.scores import check_sort

        check_sort(sort, kind.lower())
        filters = filters._replace(limit=None)  # the best ones first, then the limit
    listing = list_records(s, kind.lower(), filters)
    if sort is not None:
        from crm_tui.services.scores import by_score

        ranked, scores = by_score(s, kind.lower(), listing.records, limit)
        listing = listing._replace(records=ranked)
    if as_json:
        from crm_tui.cli.jsonify import record_json
        from crm_tui.cli.output import emit_json

        emit_json([_scored(record_json(r, _names(r, listing)), scores) for r in listing.records])
    else:
        print_listing(kind.lower(), listing, scores)


def _scored(data: dict[str, Any], scores: dict[str, int] | None) -> dict[str, Any]:
    if scores is not None:
        data["score"] = scores.get(data["id"], 0) / 10
    return data


def _names(record: object, listing: object) -> dict[str, str | None]:
    from crm_tui.services.listing import Listing

    assert isinstance(listing, Listing)
    names: dict[str, str | None] = {}
    company_id = getattr(record, "company_id", None)
    if company_id is not None or hasattr(record, "display_name"):
        names["company"] = listing.companies.get(company_id or "")
    contact_id = getattr(record, "contact_id", None)
    if contact_id is not None:
        names["contact"] = listing.contacts.get(contact_id)
    return names


def search(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(help="Words, a reading, an email or a phone.")],
    limit: Annotated[int, typer.Option(help="At most this many hits.")] = 20,
    archived: Annotated[bool, typer.Option(help="Include archived records.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search everything, best first.

    Example: crm search やまだ
    """
    from crm_tui.services.search import search as run_search

    hits = run_search(session(ctx, db), " ".join(text), limit=limit, include_archived=archived)
    if as_json:
        from crm_tui.cli.jsonify import hit_json
        from crm_tui.cli.output import emit_json

        emit_json([hit_json(h) for h in hits])
        return
    from crm_tui.cli.output import note, short_id, table

    if not hits:
        note("No matches.")
    table(
        ("KIND", "ID", "NAME", "CONTEXT"),
        [(h.kind, short_id(h.id), h.label, h.context or "") for h in hits],
        flexible=2,
    )


def edit(
    ctx: typer.Context,
    record: Record,
    name: Annotated[str | None, typer.Option(help="Contact or company name.")] = None,
    family: Text = None,
    given: Text = None,
    reading: Text = None,
    display_name: Text = None,
    company: Text = None,
    contact: Text = None,
    deal: Text = None,
    department: Text = None,
    title: Annotated[str | None, typer.Option(help="Job title, or a deal's/task's title.")] = None,
    email: Annotated[list[str] | None, typer.Option(help="Replace the emails.")] = None,
    add_email: Many = None,
    remove_email: Many = None,
    phone: Annotated[list[str] | None, typer.Option(help="Replace the phone(s).")] = None,
    add_phone: Many = None,
    remove_phone: Many = None,
    address: Text = None,
    tag: Annotated[list[str] | None, typer.Option(help="Replace the tags.")] = None,
    add_tag: Many = None,
    remove_tag: Many = None,
    lifecycle: Text = None,
    source: Text = None,
    consent: Annotated[bool | None, typer.Option("--consent/--no-consent")] = None,
    opt_out: Annotated[
        bool | None, typer.Option("--opt-out/--opt-in", help="Stop (or allow) marketing email.")
    ] = None,
    note: Text = None,
    owner: Text = None,
    industry: Text = None,
    size: Text = None,
    revenue: Text = None,
    currency: Text = None,
    region: Text = None,
    prefecture: Text = None,
    website: Text = None,
    amount: Text = None,
    probability: Annotated[int | None, typer.Option(show_default=False)] = None,
    close: Text = None,
    lost_reason: Text = None,
    due: Text = None,
    priority: Text = None,
    subject: Text = None,
    channel: Text = None,
    valid_until: Text = None,
    product: Text = None,
    start: Text = None,
    end: Text = None,
    renewal: Text = None,
    value: Text = None,
    auto_renew: Annotated[bool | None, typer.Option("--auto-renew/--no-auto-renew")] = None,
    number: Text = None,
    issued: Text = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields of a record.

    Example: crm edit 山田 --title 部長 --add-email t.yamada@example.jp
    """
    from crm_tui.services.edit import EditInput, edit_record

    s = session(ctx, db)
    data = EditInput(
        name=name,
        family=family,
        given=given,
        reading=reading,
        display_name=display_name,
        company=company,
        contact=contact,
        deal=deal,
        department=department,
        title=title,
        emails=email or [],
        add_emails=add_email or [],
        remove_emails=remove_email or [],
        phones=phone or [],
        add_phones=add_phone or [],
        remove_phones=remove_phone or [],
        address=address,
        tags=tag or [],
        add_tags=add_tag or [],
        remove_tags=remove_tag or [],
        lifecycle=lifecycle,
        source=source,
        consent=consent,
        opt_out=opt_out,
        note=note,
        owner=owner,
        industry=industry,
        size=size,
        revenue=revenue,
        currency=currency,
        region=region,
        prefecture=prefecture,
        website=website,
        amount=amount,
        probability=probability,
        close=close,
        lost_reason=lost_reason,
        due=due,
        priority=priority,
        subject=subject,
        channel=channel,
        valid_until=valid_until,
        product=product,
        start=start,
        end=end,
        renewal=renewal,
        value=value,
        auto_renew=auto_renew,
        number=number,
        issued=issued,
    )
    edited = edit_record(s, record, data)
    if not edited.changed and not as_json:
        from crm_tui.cli.output import note as tell
        from crm_tui.cli.output import safe

        tell(f"Nothing changed: {safe(edited.record.label)} already has those values.")
    _changed(edited.record, "Updated" if edited.changed else "Unchanged", as_json)


def _changed(record: RecordType, verb: str, as_json: bool) -> None:
    from crm_tui.cli.output import safe

    report(record, f"{verb} {record.ENTITY.replace('_', ' ')} {safe(record.label)}", as_json)


def archive(
    ctx: typer.Context, record: Record, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Archive a record: hidden from lists and search, its history kept.

    Example: crm archive 山田
    """
    from crm_tui.services.records import set_archived

    _changed(set_archived(session(ctx, db), record, True), "Archived", as_json)


def unarchive(
    ctx: typer.Context, record: Record, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """Bring an archived record back.

    Example: crm unarchive 山田
    """
    from crm_tui.services.records import set_archived

    _changed(set_archived(session(ctx, db), record, False), "Unarchived", as_json)


def amend(
    ctx: typer.Context,
    activity: Annotated[str, typer.Argument(help="The activity's id (8+ characters) or summary.")],
    summary: Text = None,
    body: Text = None,
    at: Text = None,
    where: Annotated[str | None, typer.Option("--where", show_default=False)] = None,
    outcome: Text = None,
    type_: Annotated[str | None, typer.Option("--type", show_default=False)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct a logged activity; the earlier version stays in its history.

    Example: crm amend 01KB… --summary …
    """
    from crm_tui.services.activities import AmendInput, amend_activity

    data = AmendInput(summary, body, at, where, outcome, type_)
    _changed(amend_activity(session(ctx, db), activity, data), "Amended", as_json)


def retract(
    ctx: typer.Context,
    activity: Annotated[str, typer.Argument(help="The activity's id (8+ characters) or summary.")],
    reason: Text = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hide a logged activity from the timeline (`crm show --all` still shows it)."""
    from crm_tui.services.activities import retract_activity

    _changed(retract_activity(session(ctx, db), activity, reason), "Retracted", as_json)
