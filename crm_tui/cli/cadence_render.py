"""Provides the output of `crm cadence …`: lines and tables for people, JSON for scripts."""

from __future__ import annotations

import sys
from typing import Any

from crm_tui.cli.output import emit_json, note, safe, short_id, table, write
from crm_tui.domain.records import Cadence, Task
from crm_tui.services.cadence_mail import Drafts, Sent
from crm_tui.services.cadence_status import CadenceStatus, Position
from crm_tui.services.cadences import Enrolled, Listed, Saved
from crm_tui.storage.cadences import StepConversion


def cadence_json(cadence: Cadence) -> dict[str, Any]:
    """A cadence's record, its steps numbered from 1."""
    from crm_tui.cli.jsonify import record_json

    data = record_json(cadence)
    data["steps"] = [{"step": n, **step} for n, step in enumerate(cadence.steps, 1)]
    return data


def print_saved(saved: Saved, as_json: bool) -> None:
    """After `add` or `new`: the cadence, and whether active contacts kept their plans."""
    if as_json:
        emit_json(
            cadence_json(saved.cadence) | {"replaced": saved.replaced, "active": saved.active}
        )
        return
    verb = "Replaced" if saved.replaced else "Added"
    count = len(saved.cadence.steps)
    steps = f"{count} step{'' if count == 1 else 's'}"
    write(f"{verb} cadence {safe(saved.cadence.name)}: {steps}  {saved.cadence.id}")
    if saved.active:
        note(f"{saved.active} active contact(s) keep their tasks; their emails use the new text.")


def print_cadence(cadence: Cadence, as_json: bool, verb: str = "", *, toml: bool = False) -> None:
    """A cadence's steps (as a table, JSON or its TOML file)."""
    if as_json:
        emit_json(cadence_json(cadence))
        return
    if toml:
        from crm_tui.domain.cadences import cadence_toml, spec_of

        # The TOML form escapes every control and bidi character: safe on a terminal as it is.
        write(cadence_toml(spec_of(cadence)).rstrip("\n"))
        return
    if verb:
        write(f"{verb} cadence {safe(cadence.name)}  {cadence.id}")
    write(
        f"{safe(cadence.name)}: fallback {cadence.fallback}"
        + (f"; {safe(cadence.note)}" if cadence.note else "")
    )
    table(
        ("STEP", "DAY", "CHANNEL", "SUBJECT", "BODY"),
        [
            (
                n,
                s.get("day"),
                s.get("channel"),
                s.get("subject"),
                (s.get("body") or "").replace("\n", " ⏎ "),
            )
            for n, s in enumerate(cadence.steps, 1)
        ],
        flexible=4,
        right=(0, 1),
    )
    if not cadence.steps:
        note(f"No steps yet: crm cadence step add {cadence.name} --day 0 --channel email …")


def print_cadences(listed: list[Listed], as_json: bool) -> None:
    """`crm cadence ls`."""
    if as_json:
        emit_json([cadence_json(item.cadence) | {"enrolments": item.counts} for item in listed])
        return
    if not listed:
        write("No cadences. Add one: crm cadence add welcome.toml")
        return
    table(
        ("NAME", "STEPS", "ACTIVE", "ENROLLED", "FALLBACK", "ID"),
        [
            (
                item.cadence.name,
                len(item.cadence.steps),
                item.counts.get("active", 0),
                sum(item.counts.values()),
                item.cadence.fallback,
                short_id(item.cadence.id),
            )
            for item in listed
        ],
        right=(1, 2, 3),
    )


def _task_json(task: Task) -> dict[str, Any]:
    step = (task.step or 0) + 1
    return {
        "id": task.id,
        "step": step,
        "channel": task.channel,
        "due": task.due,
        "title": task.title,
        "note": task.note,
    }


def _skipped_json(skipped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"step": int(s["step"]) + 1, "reason": s["reason"]} for s in skipped]


def print_enrolled(done: Enrolled, as_json: bool) -> None:
    """`crm cadence enrol`: each contact's steps, and who was already in."""
    if as_json:
        emit_json(
            {
                "cadence": done.cadence.name,
                "cadence_id": done.cadence.id,
                "enrolled": [
                    {
                        "enrolment_id": p.enrolment.id,
                        "contact_id": p.contact.id,
                        "contact": p.contact.display_name,
                        "status": p.enrolment.status,
                        "tasks": [_task_json(t) for t in p.tasks],
                        "skipped": _skipped_json(p.enrolment.skipped),
                    }
                    for p in done.enrolled
                ],
                "already": [
                    {"contact_id": c.id, "contact": c.display_name, "enrolled_on": e.enrolled_on}
                    for c, e in done.already
                ],
            }
        )
        return
    name = safe(done.cadence.name)
    for planned in done.enrolled:
        who = safe(planned.contact.display_name)
        if planned.tasks:
            first = planned.tasks[0]
            write(
                f"Enrolled {who} in {name}: {len(planned.tasks)} step(s), next {first.channel} "
                f"{safe(first.title)} due {first.due}  {planned.enrolment.id}"
            )
        else:
            write(f"Enrolled {who} in {name}: nothing to do  {planned.enrolment.id}")
        for task in planned.tasks:
            if task.note and task.note.startswith("By "):
                note(f"  step {(task.step or 0) + 1}: {safe(task.note)}")
        for skipped in planned.enrolment.skipped:
            note(f"  step {int(skipped['step']) + 1} skipped: {safe(skipped['reason'])}")
    for contact, enrolment in done.already:
        since = enrolment.enrolled_on
        who = safe(contact.display_name)
        note(f"{who} is already active in {name} (since {since}); not enrolled twice.")


def _position_json(p: Position) -> dict[str, Any]:
    e = p.enrolment
    return {
        "enrolment_id": e.id,
        "contact_id": e.contact_id,
        "contact": p.contact,
        "status": e.status,
        "enrolled_on": e.enrolled_on,
        "step": (p.next.step or 0) + 1 if p.next else None,
        "steps": p.steps,
        "done": p.done,
        "next": _task_json(p.next) if p.next else None,
        "left_on": e.left_on,
        "reason": e.reason,
        "skipped": _skipped_json(e.skipped),
    }


def conversion_json(row: StepConversion) -> dict[str, Any]:
    """One step's conversion (null when no one reached the step)."""
    return {
        "step": row.step,
        "day": row.day,
        "channel": row.channel,
        "subject": row.subject,
        "reached": row.reached,
        "converted": row.converted,
        "conversion": row.conversion,
    }


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def print_status(status: CadenceStatus, as_json: bool) -> None:
    """`crm cadence status`: positions, then each step's conversion."""
    if as_json:
        emit_json(
            {
                "cadence": cadence_json(status.cadence),
                "enrolments": [_position_json(p) for p in status.positions],
                "conversion": [conversion_json(r) for r in status.conversion],
            }
        )
        return
    cadence = status.cadence
    counts: dict[str, int] = {}
    for p in status.positions:
        counts[p.enrolment.status] = counts.get(p.enrolment.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no one enrolled"
    write(f"{safe(cadence.name)}: {len(cadence.steps)} steps; {summary}")
    rows = []
    for p in status.positions:
        e = p.enrolment
        if p.next is not None:
            where = f"step {(p.next.step or 0) + 1} of {p.steps}"
            upcoming = f"{p.next.channel} {p.next.title}"
            due, why = p.next.due or "", ""
        else:
            where, upcoming, due = f"{p.done} of {p.steps} done", "–", "–"
            why = f"{e.reason or ''} {e.left_on or ''}".strip()
        skipped = "; ".join(f"step {int(s['step']) + 1} skipped: {s['reason']}" for s in e.skipped)
        rows.append(
            (p.contact, e.status, where, upcoming, due, "; ".join(x for x in (why, skipped) if x))
        )
    if rows:
        write()
        table(("CONTACT", "STATUS", "POSITION", "NEXT", "DUE", "NOTE"), rows, flexible=5)
    write()
    table(
        ("STEP", "DAY", "CHANNEL", "SUBJECT", "REACHED", "CONVERTED", "CONVERSION"),
        [
            (r.step, r.day, r.channel, r.subject, r.reached, r.converted, _percent(r.conversion))
            for r in status.conversion
        ],
        flexible=3,
        right=(0, 1, 4, 5, 6),
    )


def print_sent(sent: Sent, as_json: bool) -> None:
    """`crm cadence send`: where the draft went, or that it was sent."""
    prepared = sent.prepared
    task = prepared.task
    if as_json:
        emit_json(
            {
                "how": sent.how,
                "task": _task_json(task),
                "contact_id": prepared.contact.id,
                "to": prepared.draft.to,
                "subject": prepared.draft.subject,
                "path": str(sent.path) if sent.path else None,
                "url": sent.url,
                "sent": sent.activity is not None,
                "activity_id": sent.activity.id if sent.activity else None,
            }
        )
        return
    who = f"{safe(prepared.contact.display_name)} <{safe(prepared.draft.to)}>"
    if sent.how == "smtp":
        write(f"Sent {safe(prepared.draft.subject)} to {who}; step done  {task.id}")
    elif sent.path is not None:
        write(str(sent.path))
        note(
            f"Draft of {safe(prepared.draft.subject)} for {who}. Once sent: crm task done {task.id}"
        )
    elif sent.url is not None:
        write(sent.url)
        _open(sent.url)
        note(f"Once sent: crm task done {task.id}")


def _open(url: str) -> None:
    """Opens a mailto: link with the platform's opener when a person is at a terminal."""
    if not sys.stdout.isatty():
        return  # a script or a test gets the URL above and nothing more
    import os
    import subprocess

    if sys.platform == "win32":
        os.startfile(url)  # type: ignore[attr-defined]
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    try:
        subprocess.Popen([opener, url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as error:
        note(f"Could not run {opener} ({error.strerror}); open the link above in your mail client.")


def print_drafts(drafts: Drafts, as_json: bool) -> None:
    """`crm cadence drafts`: the files written, and the steps left out with why."""
    if as_json:
        emit_json(
            {
                "written": [
                    {
                        "path": str(path),
                        "task": _task_json(p.task),
                        "contact_id": p.contact.id,
                        "to": p.draft.to,
                    }
                    for p, path in drafts.written
                ],
                "refused": [
                    {"task": _task_json(t), "reason": reason} for t, reason in drafts.refused
                ],
            }
        )
        return
    for _, path in drafts.written:
        write(str(path))
    for task, reason in drafts.refused:
        note(f"Left out {safe(task.title)} ({task.id}): {safe(reason)}")
    if not drafts.written and not drafts.refused:
        note("No email step is due.")
