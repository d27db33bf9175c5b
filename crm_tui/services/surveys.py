"""Provides survey answers per contact: NPS (0-10) and CSAT (1-5)."""

from __future__ import annotations

from crm_tui.domain.dates import utc_iso
from crm_tui.domain.ids import new_id
from crm_tui.domain.materialise import ANSWERED
from crm_tui.domain.records import Contact, Survey
from crm_tui.errors import InvalidInput
from crm_tui.services import values as check
from crm_tui.services.references import load
from crm_tui.services.session import Session


def record_survey(
    session: Session, who: str, nps: int | None, csat: int | None, note: str | None = None
) -> Survey:
    """Records a contact's survey answer; either score or both."""
    if nps is None and csat is None:
        raise InvalidInput("Give --nps (0-10), --csat (1-5) or both.")
    contact = load(session, who, ("contact",))
    assert isinstance(contact, Contact)
    fields_ = {
        "contact_id": contact.id,
        "at": utc_iso(session.now),
        "nps": check.whole_number(nps, 0, 10, "NPS"),
        "csat": check.whole_number(csat, 1, 5, "CSAT"),
        "note": check.text(note, "note"),
        "owner": session.rep,
    }
    with session.store.write() as writer:
        return writer.event(Survey, new_id(), ANSWERED, {"fields": fields_}, first=True)
