"""Provides cadences as rules: reading one from TOML data, checking its placeholders, filling a
step's subject and body for a contact, and who may be sent marketing email.

Pure: no I/O, no clock. Placeholders are Python format fields restricted to a fixed list of
plain names, so a cadence's text can never reach into an object (`{given_name.__class__}`) or
format a value; the contact's data is substituted as text and never read as a template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from string import Formatter
from typing import Any, NamedTuple

from crm_tui.domain.records import CHANNELS, Cadence, Contact
from crm_tui.domain.terminal_text import BIDI
from crm_tui.errors import InvalidInput

PLACEHOLDERS = (
    "display_name",
    "family_name",
    "given_name",
    "company",
    "title",
    "rep_name",
    "rep_signature",
)
FALLBACKS = ("skip", "call", "task")
"""What an email step becomes for a contact who may not be mailed."""
_CADENCE_KEYS = ("name", "steps", "fallback", "note")
_STEP_KEYS = ("day", "channel", "subject", "body")


class Step(NamedTuple):
    """One step: on which day after enrolment, by which channel, and what it says."""

    day: int
    channel: str
    subject: str
    body: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The step as stored in a cadence's `steps` (no body key when it has none)."""
        out: dict[str, Any] = {"day": self.day, "channel": self.channel, "subject": self.subject}
        if self.body is not None:
            out["body"] = self.body
        return out


class CadenceSpec(NamedTuple):
    """A checked cadence, before it is stored."""

    name: str
    steps: tuple[Step, ...]
    fallback: str = "skip"
    note: str | None = None

    def fields(self) -> dict[str, Any]:
        """The `Cadence` record's field values."""
        steps = [step.to_dict() for step in self.steps]
        return {"name": self.name, "steps": steps, "fallback": self.fallback, "note": self.note}


def parse_cadence(data: Mapping[str, Any], where: str, *, need_steps: bool = True) -> CadenceSpec:
    """Checks a cadence read from TOML (or stored); `where` names the file in every error."""
    unknown = sorted(set(data) - set(_CADENCE_KEYS))
    if unknown:
        raise InvalidInput(
            f"{where}: unknown key {unknown[0]!r}; a cadence takes {', '.join(_CADENCE_KEYS)}."
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f'{where}: the cadence needs a name, such as name = "welcome".')
    fallback = data.get("fallback", "skip")
    if fallback not in FALLBACKS:
        raise InvalidInput(
            f"{where}: fallback {fallback!r} is not one of {', '.join(FALLBACKS)} "
            "(what an email step becomes for a contact who may not be mailed)."
        )
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise InvalidInput(f"{where}: note must be text.")
    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        raise InvalidInput(f"{where}: steps must be [[steps]] tables, each with day and channel.")
    if need_steps and not raw_steps:
        raise InvalidInput(f'{where}: no steps; add [[steps]] with day = 0, channel = "email" ….')
    steps = tuple(parse_step(raw, f"{where}, step {n}") for n, raw in enumerate(raw_steps, 1))
    check_day_order(steps, where)
    return CadenceSpec(name.strip(), steps, fallback, note)


def parse_step(raw: Mapping[str, Any], where: str) -> Step:
    """Checks one step: a whole day offset of 0 or more, a known channel, a subject, and a body
    for an email; `where` says which file and step."""
    unknown = sorted(set(raw) - set(_STEP_KEYS))
    if unknown:
        raise InvalidInput(
            f"{where}: unknown key {unknown[0]!r}; a step takes {', '.join(_STEP_KEYS)}."
        )
    if "day" not in raw:
        raise InvalidInput(
            f"{where} has no day: add day = 3 (days after enrolment; 0 is the day of enrolment)."
        )
    day = raw["day"]
    if isinstance(day, bool) or not isinstance(day, int) or day < 0:
        raise InvalidInput(f"{where}: day {day!r} must be a whole number of days, 0 or more.")
    channel = raw.get("channel")
    if channel not in CHANNELS:
        shown = "missing" if channel is None else repr(channel)
        raise InvalidInput(f"{where}: channel is {shown}; use one of {', '.join(CHANNELS)}.")
    subject = _text(raw.get("subject"), "subject", where)
    if subject is None:
        raise InvalidInput(f"{where}: the step needs a subject (its title in the agenda).")
    body = _text(raw.get("body"), "body", where)
    if channel == "email" and body is None:
        raise InvalidInput(f"{where}: an email step needs a body (the text of the mail).")
    for text in (subject, body):
        if text is not None:
            check_placeholders(text, where)
    return Step(day, channel, subject, body)


def _text(value: Any, key: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: {key} must be text, not {value!r}.")
    return value if value.strip() else None


def check_day_order(steps: Sequence[Step], where: str) -> None:
    """Steps come in day order, so "the next step" is also the next one due."""
    for n in range(1, len(steps)):
        if steps[n].day < steps[n - 1].day:
            raise InvalidInput(
                f"{where}: step {n + 1} (day {steps[n].day}) comes after step {n} "
                f"(day {steps[n - 1].day}); list the steps in day order."
            )


def check_placeholders(text: str, where: str) -> None:
    """Refuses any `{…}` that is not one of PLACEHOLDERS (`{{` and `}}` are literal braces)."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError:
        raise InvalidInput(
            f"{where}: a lone {{ or }}; write {{{{ or }}}} for a literal brace."
        ) from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + field
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise InvalidInput(
                f"{where}: unknown placeholder {shown}; use "
                + " ".join("{" + p + "}" for p in PLACEHOLDERS)
                + ", or {{ and }} for literal braces."
            )


def fill(text: str, values: Mapping[str, str]) -> str:
    """Fills a checked text's placeholders; a value is inserted as is, never read as a format."""
    check_placeholders(text, "the cadence")
    return text.format_map({name: values.get(name, "") for name in PLACEHOLDERS})


def values_for(
    contact: Contact, company: str | None, rep_name: str, rep_signature: str
) -> dict[str, str]:
    """What each placeholder stands for, for one contact (a missing field is empty)."""
    return {
        "display_name": contact.display_name,
        "family_name": contact.family_name or "",
        "given_name": contact.given_name or "",
        "company": company or "",
        "title": contact.title or "",
        "rep_name": rep_name,
        "rep_signature": rep_signature,
    }


class Draft(NamedTuple):
    """A rendered email: to whom, its subject and its body with the unsubscribe notice."""

    to: str
    subject: str
    body: str


def render_email(step: Step, values: Mapping[str, str], to: str, unsubscribe: str) -> Draft:
    """The mail of an email step for one contact, the rep's unsubscribe notice appended."""
    subject = " ".join(fill(step.subject, values).split())  # a header is one line
    body = fill(step.body or "", values).rstrip("\n")
    return Draft(to, subject, f"{body}\n\n{unsubscribe.strip()}\n")


def mail_block(contact: Contact) -> str | None:
    """Why a contact may not be sent marketing email, or None when they may.

    Japan's Act on Specified Electronic Mail: advertising mail needs prior consent and stops on
    an opt-out; and without an address there is nowhere to send it.
    """
    if contact.opted_out:
        return "opted out"
    if not contact.consent:
        return "no marketing consent"
    if not contact.emails:
        return "no email address"
    return None


def cadence_toml(spec: CadenceSpec) -> str:
    """The cadence as a TOML file that `crm cadence add --replace` reads back unchanged."""
    lines = [f"name = {_toml_string(spec.name)}"]
    if spec.fallback != "skip":
        lines.append(f"fallback = {_toml_string(spec.fallback)}")
    if spec.note:
        lines.append(f"note = {_toml_string(spec.note)}")
    for step in spec.steps:
        lines += ["", "[[steps]]", f"day = {step.day}"]
        lines.append(f"channel = {_toml_string(step.channel)}")
        lines.append(f"subject = {_toml_string(step.subject)}")
        if step.body is not None:
            lines.append(f"body = {_toml_string(step.body)}")
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    # A JSON string is a TOML basic string (C0 controls escaped); DEL, C1 controls and bidi
    # overrides are escaped too, so the file is safe to print on a terminal.
    return json.dumps(text, ensure_ascii=False).translate(_ESCAPES)


_ESCAPES = {code: f"\\u{code:04x}" for code in (*range(0x7F, 0xA0), *BIDI)}


def spec_of(cadence: Cadence) -> CadenceSpec:
    """A stored cadence as a spec, its steps checked again (they may have come by sync)."""
    data: dict[str, Any] = {
        "name": cadence.name,
        "steps": list(cadence.steps),
        "fallback": cadence.fallback,
    }
    if cadence.note is not None:
        data["note"] = cadence.note
    return parse_cadence(data, f"the cadence {cadence.name!r}", need_steps=False)
