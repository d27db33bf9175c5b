"""Provides `crm edit`: changing fields of any record, each option checked against its kind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from crm_tui.domain.names import display_name, split_name, split_reading
from crm_tui.domain.records import LIFECYCLES, PRIORITIES, Contact, Record, column_names
from crm_tui.errors import InvalidInput
from crm_tui.services import values as check
from crm_tui.services.records import ARCHIVABLE, company_for
from crm_tui.services.references import load, resolve
from crm_tui.services.session import Session
from crm_tui.storage.oplog import get_meta
from crm_tui.storage.writer import Writer


class EditInput(NamedTuple):
    """Every option of `crm edit`; None (or empty) means "leave as it is"."""

    name: str | None = None
    family: str | None = None
    given: str | None = None
    reading: str | None = None
    display_name: str | None = None
    company: str | None = None
    contact: str | None = None
    deal: str | None = None
    department: str | None = None
    title: str | None = None
    emails: Sequence[str] = ()
    add_emails: Sequence[str] = ()
    remove_emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    add_phones: Sequence[str] = ()
    remove_phones: Sequence[str] = ()
    address: str | None = None
    tags: Sequence[str] = ()
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    lifecycle: str | None = None
    source: str | None = None
    consent: bool | None = None
    opt_out: bool | None = None
    note: str | None = None
    owner: str | None = None
    industry: str | None = None
    size: str | None = None
    revenue: str | None = None
    currency: str | None = None
    region: str | None = None
    prefecture: str | None = None
    website: str | None = None
    amount: str | None = None
    probability: int | None = None
    close: str | None = None
    lost_reason: str | None = None
    due: str | None = None
    priority: str | None = None
    subject: str | None = None
    channel: str | None = None
    valid_until: str | None = None
    product: str | None = None
    start: str | None = None
    end: str | None = None
    renewal: str | None = None
    value: str | None = None
    auto_renew: bool | None = None
    number: str | None = None
    issued: str | None = None


# Options that write the text field of the same name, wherever the kind has one.
_PLAIN_TEXT = frozenset(
    [
        "department",
        "address",
        "source",
        "note",
        "industry",
        "size",
        "region",
        "prefecture",
        "website",
        "subject",
        "channel",
        "product",
        "lost_reason",
        "display_name",
        "number",
    ]
)
# Options that take a date, with the field each writes.
_DATES = {
    "close": "expected_close",
    "valid_until": "valid_until",
    "start": "start_on",
    "end": "end_on",
    "renewal": "renewal_on",
    "issued": "issued_on",
}
# Options that take an amount, with the field each writes.
_MONEY = {"revenue": "annual_revenue", "amount": "amount", "value": "value"}
_FLAGS = {"consent": "consent", "opt_out": "opted_out", "auto_renew": "auto_renew"}
_LINKS = {"contact": "contact_id", "deal": "deal_id", "company": "company_id"}


# The option of `crm edit` that writes each field, for a value typed at `crm resolve`.
_OPTION_OF_FIELD = {
    **{name: name for name in _PLAIN_TEXT},
    **{field: option for option, field in _DATES.items()},
    **{field: option for option, field in _MONEY.items()},
    **{field: option for option, field in _FLAGS.items()},
    **{field: option for option, field in _LINKS.items()},
    "title": "title",
    "name": "name",
    "family_name": "family",
    "given_name": "given",
    "reading": "reading",
    "lifecycle": "lifecycle",
    "priority": "priority",
    "probability": "probability",
    "owner": "owner",
    "due": "due",
    "due_on": "due",
    "emails": "emails",
    "phones": "phones",
    "phone": "phones",
    "tags": "tags",
}
_LISTS = frozenset(["emails", "phones", "tags"])


def typed_changes(
    session: Session, record: Record, field: str, text: str, writer: Writer
) -> dict[str, Any]:
    """The changes that set `field` from typed text, checked as `crm edit` checks that option
    (a company by name, a lifecycle stage from the list, lists separated by commas)."""
    option = _OPTION_OF_FIELD.get(field)
    if option is None:
        raise InvalidInput(f"{field} cannot be typed; keep one of its values with --pick.")
    value: Any = text
    if option in _LISTS:
        value = _typed_list(text, field)
    elif option in _FLAGS:
        value = check.yes_no(text, field.replace("_", " "))
    elif option == "probability":
        value = check.number_text(text, 0, 100, "Probability")
    changes = _Editor(session, record, {option: value}, writer).changes()
    if field not in changes:
        raise InvalidInput(f"{field} cannot be typed; keep one of its values with --pick.")
    return changes


def _typed_list(text: str, field: str) -> list[str]:
    """Items separated by commas, or a JSON list of strings."""
    if not text.lstrip().startswith("["):
        return [item.strip() for item in text.split(",") if item.strip()]
    import json

    try:
        items = json.loads(text)
    except ValueError:
        items = None
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise InvalidInput(f'{field} takes items separated by commas, or JSON like ["a", "b"].')
    return items


class Edited(NamedTuple):
    """A record after `crm edit`, and whether anything changed."""

    record: Record
    changed: bool


def edit_record(session: Session, reference: str, data: EditInput) -> Edited:
    """Applies the given options to one record; an option its kind lacks is an error."""
    record = load(session, reference, ARCHIVABLE)
    given = {
        name: value
        for name, value in data._asdict().items()
        if value is not None and value != () and value != []
    }
    if not given:
        raise InvalidInput("Nothing to change: give options such as --title or --email.")
    with session.store.write() as writer:
        changes = _Editor(session, record, given, writer).changes()
        updated = writer.update(type(record), record.id, changes)
        opting_out = isinstance(record, Contact) and not record.opted_out
        if isinstance(updated, Contact) and updated.opted_out and opting_out:
            from crm_tui.services.cadences import opted_out

            opted_out(session, writer, updated)
        return Edited(updated, bool(writer.ops))


class _Editor:
    """Turns the given options into field changes for one record."""

    def __init__(self, session: Session, record: Record, given: dict[str, Any], writer: Writer):
        self.session = session
        self.record = record
        self.given = given
        self.writer = writer
        self.columns = set(column_names(type(record)))
        self.out: dict[str, Any] = {}

    def changes(self) -> dict[str, Any]:
        """The field values the given options set."""
        for option, value in self.given.items():
            self._apply(option, value)
        renamed = {"family_name", "given_name"} & set(self.out)
        if isinstance(self.record, Contact) and renamed and "display_name" not in self.given:
            # The display name follows the names unless it is set explicitly.
            family = self.out.get("family_name", self.record.family_name)
            given_name = self.out.get("given_name", self.record.given_name)
            self.out["display_name"] = display_name(family, given_name)
        return self.out

    def need(self, option: str, column: str) -> None:
        if column not in self.columns:
            flag = "--" + option.replace("_", "-")
            raise InvalidInput(
                f"{flag} does not apply to a {self.record.ENTITY.replace('_', ' ')}."
            )

    def _apply(self, option: str, value: Any) -> None:
        if option in _PLAIN_TEXT:
            self.need(option, option)
            required = option in ("subject", "product", "number", "display_name")
            self.out[option] = check.text(value, option.replace("_", " "), required=required)
        elif option in _DATES:
            self.need(option, _DATES[option])
            self.out[_DATES[option]] = check.due(self.session, value)
        elif option in _MONEY:
            self._money(option, value)
        elif option in _FLAGS:
            self.need(option, _FLAGS[option])
            self.out[_FLAGS[option]] = bool(value)
        elif option in _LINKS:
            self._link(option, value)
        else:
            getattr(self, f"_{option}")(value)

    def _money(self, option: str, value: str) -> None:
        column = _MONEY[option]
        self.need(option, column)
        currency_column = "revenue_currency" if column == "annual_revenue" else "currency"
        code = (
            check.currency(self.session, self.given["currency"])
            if "currency" in self.given
            else getattr(self.record, currency_column, None) or self.session.config.currency
        )
        self.out[column] = check.amount(value, code)
        self.out[currency_column] = code

    def _currency(self, value: str) -> None:
        if not set(self.given) & set(_MONEY):
            # Stored amounts are minor units of the old currency; they must be restated.
            raise InvalidInput(
                "Changing --currency needs the amount in it too (--amount, --value or --revenue)."
            )

    def _link(self, option: str, value: str) -> None:
        column = _LINKS[option]
        self.need(option, column)
        if option == "company" and isinstance(self.record, Contact):
            company, _ = company_for(self.session, self.writer, value)
            self.out[column] = company.id
        else:
            self.out[column] = resolve(self.session, value, (option,)).id

    def _title(self, value: str) -> None:
        self.need("title", "title")
        job_title = isinstance(self.record, Contact)
        self.out["title"] = check.text(value, "title", required=not job_title)

    def _name(self, value: str) -> None:
        text = check.text(value, "name", required=True) or ""
        if isinstance(self.record, Contact):
            family, given = split_name(text)
            self.out.update(family_name=family, given_name=given)
        else:
            self.need("name", "name")
            self.out["name"] = text

    def _family(self, value: str) -> None:
        self.need("family", "family_name")
        self.out["family_name"] = check.text(value, "family name", required=True)

    def _given(self, value: str) -> None:
        self.need("given", "given_name")
        self.out["given_name"] = check.text(value, "given name")

    def _reading(self, value: str) -> None:
        if isinstance(self.record, Contact):
            family, given = split_reading(check.text(value, "reading"))
            self.out.update(family_reading=family, given_reading=given)
        else:
            self.need("reading", "reading")
            self.out["reading"] = check.text(value, "reading")

    def _lifecycle(self, value: str) -> None:
        self.need("lifecycle", "lifecycle")
        self.out["lifecycle"] = check.choice(value, LIFECYCLES, "lifecycle stage")

    def _priority(self, value: str) -> None:
        self.need("priority", "priority")
        self.out["priority"] = check.choice(value, PRIORITIES, "priority")

    def _probability(self, value: int) -> None:
        self.need("probability", "probability")
        self.out["probability"] = check.whole_number(value, 0, 100, "Probability")

    def _owner(self, value: str) -> None:
        owner = check.text(value, "owner", required=True)
        team = [n for n in (get_meta(self.session.store.conn, "team") or "").split(",") if n]
        if team and owner not in team:
            raise InvalidInput(f"{owner!r} is not on the team ({', '.join(team)}).")
        self.out["owner"] = owner

    def _due(self, value: str) -> None:
        column = "due_on" if "due_on" in self.columns else "due"
        self.need("due", column)
        self.out[column] = check.due(self.session, value)

    def _emails(self, values: Sequence[str]) -> None:
        self._replace("email", "emails", check.emails(values))

    def _phones(self, values: Sequence[str]) -> None:
        phones = check.phones(self.session, values)
        if "phone" in self.columns:
            # A company has one switchboard number.
            if len(phones) != 1:
                raise InvalidInput("A company has one --phone.")
            self.out["phone"] = phones[0]
            return
        self._replace("phone", "phones", phones)

    def _tags(self, values: Sequence[str]) -> None:
        self._replace("tag", "tags", check.tags(values))

    def _add_emails(self, values: Sequence[str]) -> None:
        self._adjust("add-email", "emails", check.emails(values), add=True)

    def _remove_emails(self, values: Sequence[str]) -> None:
        self._adjust("remove-email", "emails", check.emails(values), add=False)

    def _add_phones(self, values: Sequence[str]) -> None:
        self._adjust("add-phone", "phones", check.phones(self.session, values), add=True)

    def _remove_phones(self, values: Sequence[str]) -> None:
        self._adjust("remove-phone", "phones", check.phones(self.session, values), add=False)

    def _add_tags(self, values: Sequence[str]) -> None:
        self._adjust("add-tag", "tags", check.tags(values), add=True)

    def _remove_tags(self, values: Sequence[str]) -> None:
        self._adjust("remove-tag", "tags", check.tags(values), add=False)

    def _replace(self, option: str, column: str, items: list[Any]) -> None:
        self.need(option, column)
        self.out[column] = items

    def _adjust(self, option: str, column: str, items: list[Any], *, add: bool) -> None:
        self.need(option, column)
        key: Callable[[Any], Any] = (lambda p: p["number"]) if column == "phones" else (lambda x: x)
        current = list(self.out.get(column, getattr(self.record, column)))
        known = {key(item) for item in current}
        if add:
            current += [item for item in items if key(item) not in known]
        else:
            dropping = {key(item) for item in items}
            missing = sorted(dropping - known)
            if missing:
                raise InvalidInput(f"{self.record.label!r} has no {option[7:]} {missing[0]}.")
            current = [item for item in current if key(item) not in dropping]
        self.out[column] = current
