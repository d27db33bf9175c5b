"""Provides the rules that tell whether two contact records are one person, with the evidence.

One set of rules serves `crm import` (a card that is already here enriches the record instead of
making a new one) and `crm dedupe` (pairs already in the store). Evidence:

- the same card UID: certain;
- the same email address, or the same mobile or direct-line number in E.164, when the names
  agree (or one side has none, or they are written in different scripts, 山田 太郎 and Taro
  Yamada, which only a reading could compare): certain when the names are equal, probable
  otherwise. A company switchboard number shared by several people is no evidence at all, nor
  is a role address (info@, sales@ ...) that a team shares;
- the same normalised name with the same reading and company: certain; the same name and
  company where neither or only one side has a reading: a match for an import, listed by
  dedupe but not merged by `--auto`; the same name and reading at another company: listed
  only; names that differ in reading
  (山田 ヤマダ and 山田 ヤマタ) are two people whatever else they share.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from crm_tui.domain.text import fold, has_cjk

CERTAIN = 100
"""The score from which a pair is merged without asking (`crm dedupe --auto`, imports)."""
MATCH = 60
"""The score from which an imported card is taken to be a person already here."""
PROBABLE = 50
"""The score from which `crm dedupe` lists a pair."""

ROLE_ADDRESSES = frozenset(
    {
        "info",
        "sales",
        "contact",
        "support",
        "office",
        "admin",
        "hello",
        "inquiry",
        "inquiries",
        "toiawase",
        "eigyo",
        "eigyou",
        "soumu",
        "webmaster",
        "noreply",
        "no-reply",
    }
)

# Legal forms a company name is written with or without (NFKC turns ㈱ into (株)).
_LEGAL_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|公益社団法人|"
    r"公益財団法人|特定非営利活動法人|\((?:株|有|同|社|財)\)|"
    r"\b(?:co\.?,?\s*ltd\.?|inc\.?|corp\.?|corporation|llc|k\.?k\.?|gmbh|ltd\.?|limited)(?=\W|$)",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)  # every card of a company's people asks again
def company_key(name: str | None) -> str:
    """The key spellings of one company share: `㈱ミナト精機`, `株式会社 ミナト精機`, `ﾐﾅﾄ精機`."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _LEGAL_FORMS.sub(" ", text)
    return "".join(ch for ch in fold(text) if ch.isalnum())


def name_of(*parts: str | None) -> str:
    """A name folded for comparison: width, case, kana script and spaces do not matter."""
    return "".join("".join(fold(p).split()) for p in parts if p)


@dataclass(slots=True)
class Person:
    """What the rules look at in a contact or a card."""

    id: str
    names: frozenset[str]
    """Folded forms of the person's name: family+given, given+family, the display name, and
    alternate names kept by a merge."""
    reading: str = ""
    company: str = ""
    emails: frozenset[str] = frozenset()
    mobiles: frozenset[str] = frozenset()
    lines: frozenset[str] = frozenset()
    """Valid numbers in E.164 that are not mobiles (a direct line or a switchboard)."""
    uids: frozenset[str] = frozenset()
    latin: bool = field(default=False)
    """Whether the name is written without kana or kanji (compared only with the same script)."""


def person(
    id: str,
    *,
    display_name: str | None,
    family: str | None,
    given: str | None,
    family_reading: str | None,
    given_reading: str | None,
    company: str | None,
    emails: Sequence[str],
    phones: Sequence[dict[str, object]],
    uids: Sequence[str],
    alt_names: Sequence[str] = (),
) -> Person:
    """Builds the rules' view of a contact from its fields."""
    names = {name_of(family, given), name_of(given, family), name_of(display_name)}
    names.update(name_of(n) for n in alt_names)
    names.discard("")
    mobiles = {str(p["number"]) for p in phones if p.get("valid") and p.get("label") == "mobile"}
    lines = {str(p["number"]) for p in phones if p.get("valid") and p.get("label") != "mobile"}
    shown = display_name or f"{family or ''}{given or ''}"
    return Person(
        id=id,
        names=frozenset(names),
        reading=name_of(family_reading, given_reading),
        company=company_key(company),
        emails=frozenset(emails),
        mobiles=frozenset(mobiles),
        lines=frozenset(lines - mobiles),
        uids=frozenset(uids),
        latin=bool(shown) and not has_cjk(shown),
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """How sure the rules are that two records are one person, and why."""

    score: int
    evidence: tuple[str, ...]

    @property
    def certain(self) -> bool:
        """Sure enough to merge without asking."""
        return self.score >= CERTAIN

    @property
    def probable(self) -> bool:
        """Worth showing to a person."""
        return self.score >= PROBABLE


NOT_SAME = Verdict(0, ())


def _names_agree(a: Person, b: Person) -> bool | None:
    """True when a name is shared, False when both have comparable names that differ, None when
    they cannot be compared (one has none, or they are in different scripts)."""
    if not a.names or not b.names or a.latin != b.latin:
        return None
    return bool(a.names & b.names)


def is_role_address(email: str) -> bool:
    """Tells whether an address belongs to a function (info@, sales@) rather than a person."""
    return email.split("@", 1)[0] in ROLE_ADDRESSES


def judge(a: Person, b: Person, shared_lines: frozenset[str] = frozenset()) -> Verdict:
    """Weighs the evidence that `a` and `b` are one person. `shared_lines` are numbers held by
    several people or by a company (switchboards): they prove nothing."""
    if a.uids & b.uids:
        return Verdict(CERTAIN + 50, (f"same card UID {sorted(a.uids & b.uids)[0]}",))
    if a.reading and b.reading and a.reading != b.reading:
        return NOT_SAME
    names = _names_agree(a, b)
    evidence: list[str] = []
    emails = sorted(e for e in a.emails & b.emails if not is_role_address(e))
    evidence += [f"same email {e}" for e in emails]
    evidence += [f"same mobile {n}" for n in sorted(a.mobiles & b.mobiles)]
    direct = sorted((a.lines & b.lines) - shared_lines)
    evidence += [f"same direct line {n}" for n in direct]
    if evidence:
        if names is False:
            return NOT_SAME
        score = CERTAIN if names else PROBABLE + 20
        if names:
            evidence.append("same name")
        return Verdict(score + 5 * (len(evidence) - 1), tuple(evidence))
    if not names:
        return NOT_SAME
    same_company = bool(a.company) and a.company == b.company
    if same_company and a.reading and a.reading == b.reading:
        return Verdict(CERTAIN, ("same name", "same reading", "same company"))
    if same_company and not a.reading and not b.reading:
        return Verdict(CERTAIN - 10, ("same name", "same company"))
    if same_company:
        return Verdict(MATCH + 10, ("same name", "same company", "a reading on one side only"))
    if a.reading and a.reading == b.reading:
        return Verdict(PROBABLE, ("same name", "same reading"))
    return NOT_SAME
