"""Provides the record kinds of the CRM, with what the store needs to know of each.

Each class names its entity (the `entity` of its ops), its table, which fields hold JSON lists or
objects and which hold booleans. Editable records change by set ops, one per field; activities,
survey answers and contract renewals are facts made by event ops.

Records are declared like dataclasses, but their `__init__` is one generic method: generating an
`__init__` (and `__eq__`, `__repr__`) per kind with `dataclasses` compiles code at every start,
about 5 ms of a quick command's 80 ms budget. `dataclass_transform` keeps mypy's checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple, Self, dataclass_transform

LIFECYCLES = ("lead", "prospect", "customer", "former")
ACTIVITY_TYPES = ("visit", "call", "email", "meeting", "inquiry", "note")
INQUIRY_STATUSES = ("open", "waiting", "resolved")
TASK_STATUSES = ("open", "done", "cancelled")
QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected", "expired")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("email", "call", "task")
ENROLMENT_STATUSES = ("active", "finished", "replied", "won", "lost", "opted_out", "stopped")

_MISSING: Any = object()


class _Fresh:
    """A default made anew for each record, like `dataclasses.field(default_factory=…)`."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def fresh_list() -> Any:
    """The default of a list field: a new empty list per record."""
    return _Fresh(list)


@dataclass_transform(kw_only_default=True)
class _DataclassLike:
    """Makes type checkers treat subclasses as keyword-only dataclasses (Record's fields too)."""


class Record(_DataclassLike):
    """What every record carries: its id, when it was made and changed, and who owns it."""

    ENTITY: ClassVar[str] = ""
    TABLE: ClassVar[str] = ""
    JSON_FIELDS: ClassVar[frozenset[str]] = frozenset()
    BOOL_FIELDS: ClassVar[frozenset[str]] = frozenset({"archived"})
    EVENT_SOURCED: ClassVar[bool] = False
    FIELDS: ClassVar[tuple[str, ...]] = ()
    """The field names, base fields first, in declaration order."""
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    UNSET: ClassVar[tuple[str, ...]] = ()
    """The fields whose default is none (the caller must give them) or made per record."""

    id: str
    created_at: str = ""
    updated_at: str = ""
    owner: str | None = None
    archived: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name, annotation in vars(klass).get("__annotations__", {}).items():
                if not str(annotation).startswith("ClassVar") and name not in names:
                    names.append(name)
        cls.FIELDS = tuple(names)
        cls.DEFAULTS = {name: vars(cls).get(name, getattr(cls, name, _MISSING)) for name in names}
        cls.UNSET = tuple(
            name
            for name, default in cls.DEFAULTS.items()
            if default is _MISSING or type(default) is _Fresh
        )

    def __init__(self, **values: Any) -> None:
        # One dict merge, then a look at the few fields without a plain default: a sync or an
        # import builds tens of thousands of records.
        state = self.DEFAULTS | values
        for name in self.UNSET:
            value = state[name]
            if value is _MISSING:
                raise TypeError(f"{type(self).__name__} needs {name}")
            if type(value) is _Fresh:
                state[name] = value.make()
        if len(state) != len(self.DEFAULTS):
            unknown = sorted(values.keys() - self.DEFAULTS.keys())
            raise TypeError(f"{type(self).__name__} has no fields {unknown}")
        self.__dict__.update(state)

    @classmethod
    def from_stored(cls, values: dict[str, Any]) -> Self:
        """Rebuilds a record from every one of its fields as stored (no defaults, no checks)."""
        record = cls.__new__(cls)
        record.__dict__.update(values)
        return record

    @property
    def label(self) -> str:
        """A short human name for the record."""
        return self.id

    def to_dict(self) -> dict[str, Any]:
        """The record's fields as a plain dict (the base of its JSON form)."""
        return {name: self.__dict__[name] for name in self.FIELDS}

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{type(self).__name__}({inner})"


def default_of(cls: type[Record], name: str) -> Any:
    """The value a field has when nothing set it."""
    default = cls.DEFAULTS[name]
    return default.make() if type(default) is _Fresh else default


class Company(Record):
    """A customer or prospect organisation."""

    ENTITY: ClassVar[str] = "company"
    TABLE: ClassVar[str] = "companies"
    JSON_FIELDS: ClassVar[frozenset[str]] = frozenset({"phone", "tags"})

    name: str = ""
    reading: str | None = None
    industry: str | None = None
    size: str | None = None
    annual_revenue: int | None = None
    revenue_currency: str | None = None
    region: str | None = None
    prefecture: str | None = None
    website: str | None = None
    phone: dict[str, Any] | None = None
    tags: list[str] = fresh_list()
    note: str | None = None

    @property
    def label(self) -> str:
        """The company's name."""
        return self.name


class Contact(Record):
    """A person, usually at a company, with readings of their names (furigana)."""

    ENTITY: ClassVar[str] = "contact"
    TABLE: ClassVar[str] = "contacts"
    JSON_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"emails", "phones", "tags", "uids", "alt_names"}
    )
    BOOL_FIELDS: ClassVar[frozenset[str]] = frozenset({"archived", "consent", "opted_out"})

    display_name: str = ""
    family_name: str | None = None
    given_name: str | None = None
    family_reading: str | None = None
    given_reading: str | None = None
    company_id: str | None = None
    department: str | None = None
    title: str | None = None
    emails: list[str] = fresh_list()
    phones: list[dict[str, Any]] = fresh_list()
    address: str | None = None
    tags: list[str] = fresh_list()
    lifecycle: str | None = None
    source: str | None = None
    consent: bool = False
    opted_out: bool = False
    note: str | None = None
    uids: list[str] = fresh_list()
    """The UIDs of the vCards this person was imported from, so a re-import finds them."""
    alt_names: list[str] = fresh_list()
    """Other names the person is known by, kept when duplicates are merged."""
    merged_into: str | None = None
    """The contact this one was merged into (it is archived meanwhile); None when standalone."""

    @property
    def label(self) -> str:
        """The contact's display name."""
        return self.display_name


class Deal(Record):
    """An opportunity moving through the pipeline's stages."""

    ENTITY: ClassVar[str] = "deal"
    TABLE: ClassVar[str] = "deals"

    title: str = ""
    company_id: str | None = None
    contact_id: str | None = None
    stage: str = "lead"
    amount: int | None = None
    currency: str | None = None
    probability: int | None = None
    expected_close: str | None = None
    closed_on: str | None = None
    lost_reason: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        """The deal's title."""
        return self.title


class Task(Record):
    """Something to do by a local date, often the follow-up of a visit."""

    ENTITY: ClassVar[str] = "task"
    TABLE: ClassVar[str] = "tasks"

    title: str = ""
    due: str | None = None
    priority: str = "normal"
    status: str = "open"
    done_at: str | None = None
    contact_id: str | None = None
    company_id: str | None = None
    deal_id: str | None = None
    activity_id: str | None = None
    note: str | None = None
    enrolment_id: str | None = None
    """The cadence enrolment this task is a step of; None for an ordinary task."""
    step: int | None = None
    """The step's position in its cadence (0 is the first step)."""
    channel: str | None = None
    """How a cadence step reaches the contact: email, call or task."""

    @property
    def label(self) -> str:
        """The task's title."""
        return self.title


class Inquiry(Record):
    """A customer's case: `open` waits on us, `waiting` on the customer, then `resolved`."""

    ENTITY: ClassVar[str] = "inquiry"
    TABLE: ClassVar[str] = "inquiries"

    subject: str = ""
    status: str = "open"
    status_since: str | None = None
    priority: str = "normal"
    channel: str | None = None
    contact_id: str | None = None
    company_id: str | None = None

    @property
    def label(self) -> str:
        """The inquiry's subject."""
        return self.subject


class Quote(Record):
    """A priced offer to a customer; its lines are `QuoteLine` records."""

    ENTITY: ClassVar[str] = "quote"
    TABLE: ClassVar[str] = "quotes"

    number: str = ""
    title: str | None = None
    status: str = "draft"
    currency: str = "JPY"
    valid_until: str | None = None
    contact_id: str | None = None
    company_id: str | None = None
    deal_id: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        """The quote's number, with its title when it has one."""
        return f"{self.number} {self.title}" if self.title else self.number


class QuoteLine(Record):
    """One line of a quote: quantity × unit price, less a discount, at its own tax rate."""

    ENTITY: ClassVar[str] = "quote_line"
    TABLE: ClassVar[str] = "quote_lines"

    quote_id: str = ""
    position: int = 0
    description: str = ""
    quantity: str = "1"
    unit_price: int = 0
    discount: str | None = None
    tax_rate: str = "10"

    @property
    def label(self) -> str:
        """The line's description."""
        return self.description


class Contract(Record):
    """A running agreement with a renewal date; renewals are recorded as they happen."""

    ENTITY: ClassVar[str] = "contract"
    TABLE: ClassVar[str] = "contracts"
    BOOL_FIELDS: ClassVar[frozenset[str]] = frozenset({"archived", "auto_renew"})

    product: str = ""
    company_id: str | None = None
    contact_id: str | None = None
    start_on: str | None = None
    end_on: str | None = None
    renewal_on: str | None = None
    value: int | None = None
    currency: str | None = None
    auto_renew: bool = False
    note: str | None = None

    @property
    def label(self) -> str:
        """The contract's product."""
        return self.product


class Invoice(Record):
    """A bill with a due date; unpaid past its due date it becomes a next action."""

    ENTITY: ClassVar[str] = "invoice"
    TABLE: ClassVar[str] = "invoices"

    number: str = ""
    amount: int = 0
    currency: str = "JPY"
    issued_on: str | None = None
    due_on: str | None = None
    paid_on: str | None = None
    company_id: str | None = None
    contact_id: str | None = None
    contract_id: str | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        """The invoice's number."""
        return self.number


class Activity(Record):
    """A logged fact (visit, call, email, meeting, inquiry message, note); corrected by events."""

    ENTITY: ClassVar[str] = "activity"
    TABLE: ClassVar[str] = "activities"
    JSON_FIELDS: ClassVar[frozenset[str]] = frozenset({"flags"})
    BOOL_FIELDS: ClassVar[frozenset[str]] = frozenset({"archived", "retracted"})
    EVENT_SOURCED: ClassVar[bool] = True

    type: str = "note"
    direction: str = "outbound"
    at: str = ""
    location: str | None = None
    summary: str = ""
    body: str | None = None
    outcome: str | None = None
    contact_id: str | None = None
    company_id: str | None = None
    deal_id: str | None = None
    inquiry_id: str | None = None
    versions: int = 1
    retracted: bool = False
    flags: list[str] = fresh_list()
    """The server's notes on the logged event (`after_handover`)."""

    @property
    def label(self) -> str:
        """The activity's summary."""
        return self.summary


class Survey(Record):
    """A customer's survey answer: NPS 0-10 and/or CSAT 1-5."""

    ENTITY: ClassVar[str] = "survey"
    TABLE: ClassVar[str] = "surveys"
    EVENT_SOURCED: ClassVar[bool] = True

    contact_id: str = ""
    at: str = ""
    nps: int | None = None
    csat: int | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        """A one-line description of the answer."""
        parts = []
        if self.nps is not None:
            parts.append(f"NPS {self.nps}")
        if self.csat is not None:
            parts.append(f"CSAT {self.csat}")
        return ", ".join(parts)


class Cadence(Record):
    """A step sequence: steps on day offsets from enrolment, each by email, call or task."""

    ENTITY: ClassVar[str] = "cadence"
    TABLE: ClassVar[str] = "cadences"
    JSON_FIELDS: ClassVar[frozenset[str]] = frozenset({"steps"})

    name: str = ""
    steps: list[dict[str, Any]] = fresh_list()
    """Each step: `day`, `channel` and `subject`, with `body` for an email step."""
    fallback: str = "skip"
    """What an email step becomes for a contact who may not be mailed: call, task or skip."""
    note: str | None = None

    @property
    def label(self) -> str:
        """The cadence's name."""
        return self.name


class Enrolment(Record):
    """One contact's way through one cadence, from enrolment until they leave or finish."""

    ENTITY: ClassVar[str] = "enrolment"
    TABLE: ClassVar[str] = "enrolments"
    JSON_FIELDS: ClassVar[frozenset[str]] = frozenset({"skipped"})

    cadence_id: str = ""
    contact_id: str = ""
    enrolled_on: str = ""
    status: str = "active"
    """active, then finished, replied, won, lost, opted_out or stopped."""
    step: int = 0
    """The position of the step the contact is at (the next one not yet done)."""
    left_on: str | None = None
    reason: str | None = None
    skipped: list[dict[str, Any]] = fresh_list()
    """The steps not given to this contact, each as `step` and `reason`."""

    @property
    def label(self) -> str:
        """The enrolment's id (it is shown through its cadence and contact)."""
        return self.id


RECORD_TYPES: tuple[type[Record], ...] = (
    Company,
    Contact,
    Deal,
    Task,
    Inquiry,
    Quote,
    QuoteLine,
    Contract,
    Invoice,
    Activity,
    Survey,
    Cadence,
    Enrolment,
)
BY_ENTITY: dict[str, type[Record]] = {cls.ENTITY: cls for cls in RECORD_TYPES}

# Fields that are not set by ops but derived by the store from other records.
DERIVED_FIELDS = frozenset({"id", "created_at", "updated_at", "versions", "retracted", "flags"})


def editable_fields(cls: type[Record]) -> list[str]:
    """The names of the fields a set op may write for this kind."""
    return [name for name in cls.FIELDS if name not in DERIVED_FIELDS]


def column_names(cls: type[Record]) -> tuple[str, ...]:
    """The table columns of this kind, in declaration order."""
    return cls.FIELDS


class Renewal(NamedTuple):
    """One renewal of a contract, as it happened."""

    id: str
    contract_id: str
    renewed_on: str
    previous_end: str | None
    end_on: str | None
    renewal_on: str | None
    value: int | None
