"""Provides the one typed config object, read from `config.toml` at the edge and passed down."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from crm_tui.domain.scoring import ScoreWeights
from crm_tui.errors import InvalidInput

DEFAULT_STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")


class Windows(NamedTuple):
    """How far ahead (or behind) `crm next-actions` looks for each kind of item."""

    days: int = 7
    """Tasks and other items due within this many days are listed."""
    renewal_days: int = 60
    """A contract renewal is listed this many days before its renewal date."""
    quote_expiry_days: int = 7
    """A sent quote is listed this many days before it expires."""
    stale_deal_days: int = 30
    """An open deal with no activity for this many days is listed."""
    inquiry_business_days: int = 2
    """An inquiry waiting on us for more than this many business days is listed."""


class Mail(NamedTuple):
    """How cadence emails are written and sent (`[mail]`); the SMTP password is never here."""

    sender: str | None = None
    """The From of the mails, such as "Alice Sato <alice@example.jp>" (needed for SMTP)."""
    signature: str = ""
    """What `{rep_signature}` stands for in a cadence's text."""
    unsubscribe: str | None = None
    """The unsubscribe notice appended to every mail; no email step renders without it."""
    drafts: str | None = None
    """The folder `.eml` drafts are written to when no `--eml DIR` is given."""
    smtp_host: str | None = None
    """The SMTP server `crm cadence send --smtp` sends through."""
    smtp_port: int = 587
    """Its port: 587 with STARTTLS, 465 with ssl, 25 for a relay on the local network."""
    starttls: bool = True
    """Upgrade the connection with STARTTLS before logging in (port 587)."""
    ssl: bool = False
    """Connect with TLS from the start (port 465); starttls is then not used."""
    smtp_user: str | None = None
    """The login name; without it crm sends without logging in."""
    password_env: str = "CRM_SMTP_PASSWORD"
    """The environment variable that holds the SMTP password."""
    timeout: int = 30
    """Seconds to wait for the SMTP server before giving up."""


class Config(NamedTuple):
    """Settings of one rep's crm; every field has a default so no file is needed."""

    rep_name: str = ""
    """Who owns records made on this device before it logs in (default: the OS user)."""
    country: str = "JP"
    """Whose public holidays business days skip (ISO 3166 code)."""
    phone_region: str = "JP"
    """The region a phone number without a country code is read in."""
    currency: str = "JPY"
    """The currency of amounts given without one."""
    timezone: str | None = None
    """An IANA zone such as Asia/Tokyo; by default the system's local zone."""
    tax_rate: str = "10"
    """The tax rate (percent) of a quote line given without one."""
    tax_rounding: str = "down"
    """How tax per rate is rounded: down (切り捨て), half_up or up."""
    deal_stages: tuple[str, ...] = DEFAULT_STAGES
    """The pipeline's stages in order; the last two are the closed ones (won, lost)."""
    windows: Windows = Windows()
    """The next-actions windows."""
    keys: tuple[tuple[str, str], ...] = ()
    """The TUI's keys remapped: binding id to key(s), such as `quick-log = "n"` under [keys]."""
    mail: Mail = Mail()
    """Cadence emails: signature, unsubscribe notice, drafts folder and SMTP server."""
    score: ScoreWeights = ScoreWeights()
    """The lead score's weights and decay ([score], docs/scores.md)."""

    @property
    def rep(self) -> str:
        """The rep name records are owned by: the configured one, else the OS user."""
        return self.rep_name or _os_user()

    @property
    def open_stages(self) -> tuple[str, ...]:
        """The stages of deals still in play."""
        return self.deal_stages[:-2]

    @property
    def won_stage(self) -> str:
        """The stage of a won deal."""
        return self.deal_stages[-2]

    @property
    def lost_stage(self) -> str:
        """The stage of a lost deal."""
        return self.deal_stages[-1]


def _os_user() -> str:
    # The variables getpass.getuser() reads first, without importing it (quick commands).
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(name):
            return os.environ[name]
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "me"


def config_path() -> Path:
    """Where the config file lives: `CRM_CONFIG`, else the user's config directory."""
    override = os.environ.get("CRM_CONFIG")
    if override:
        return Path(override)
    from crm_tui.paths import config_dir

    return config_dir() / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Reads the config file if there is one; unknown keys and bad values are errors."""
    path = path or config_path()
    if not path.exists():
        return Config()
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: not valid TOML ({error}); fix or remove the file.") from None
    return config_from_dict(data, str(path))


def config_from_dict(data: dict[str, Any], where: str = "config") -> Config:
    """Builds a Config from parsed TOML, checking names and types."""
    known = Config._fields
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise InvalidInput(f"{where}: unknown setting {key!r}; known: {', '.join(known)}.")
        if key == "windows":
            values[key] = _windows(value, where)
        elif key == "deal_stages":
            values[key] = _stages(value, where)
        elif key == "keys":
            values[key] = _keys(value, where)
        elif key == "mail":
            values[key] = _mail(value, where)
        elif key == "score":
            values[key] = _score(value, where)
        elif not isinstance(value, str):
            raise InvalidInput(f"{where}: {key} must be text, not {value!r}.")
        else:
            values[key] = value
    if values.get("tax_rounding", "down") not in ("down", "half_up", "up"):
        raise InvalidInput(f"{where}: tax_rounding must be down, half_up or up.")
    return Config(**values)


def _keys(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise InvalidInput(
            f'{where}: [keys] maps a key id to keys, such as quick-log = "n" or today = "f2,t".'
        )
    return tuple((k, v.replace(" ", "")) for k, v in value.items())


def _windows(value: Any, where: str) -> Windows:
    names = set(Windows._fields)
    if not isinstance(value, dict) or not set(value) <= names:
        raise InvalidInput(f"{where}: [windows] takes {', '.join(sorted(names))}.")
    if not all(isinstance(v, int) and v >= 0 for v in value.values()):
        raise InvalidInput(f"{where}: [windows] values must be whole numbers of days.")
    return Windows(**value)


def _stages(value: Any, where: str) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or len(value) < 3
        or not all(isinstance(v, str) and v for v in value)
        or len(set(value)) != len(value)
    ):
        raise InvalidInput(
            f"{where}: deal_stages must list at least three distinct stages, "
            "the last two being won and lost."
        )
    return tuple(value)


def _mail(value: Any, where: str) -> Mail:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: [mail] must be a table of settings.")
    if "password" in value:
        raise InvalidInput(
            f"{where}: [mail] password is not read from the file; put the SMTP password in the "
            "environment variable that password_env names (CRM_SMTP_PASSWORD by default)."
        )
    defaults = Mail()
    for key, item in value.items():
        if key not in Mail._fields:
            raise InvalidInput(
                f"{where}: unknown setting {key!r} in [mail]; known: {', '.join(Mail._fields)}."
            )
        kind = type(getattr(defaults, key))
        wanted = str if kind is type(None) else kind
        if type(item) is not wanted:
            what = {int: "a whole number", bool: "true or false", str: "text"}[wanted]
            raise InvalidInput(f"{where}: [mail] {key} must be {what}, not {item!r}.")
    mail = Mail(**value)
    if not 0 < mail.smtp_port < 65536 or mail.timeout <= 0:
        raise InvalidInput(f"{where}: [mail] smtp_port must be 1-65535 and timeout above 0.")
    return mail


def _score(value: Any, where: str) -> ScoreWeights:
    # Numbers are points (or days); [score.activity] amends the defaults, the other tables
    # replace theirs, so a rep can drop a default title pattern.
    fields = ScoreWeights._fields
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: [score] is a table of settings: {', '.join(fields)}.")
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"score.{key}"
        if key not in fields:
            raise InvalidInput(f"{where}: unknown setting {name!r}; known: {', '.join(fields)}.")
        if key in ("title", "industry", "region"):
            out[key] = tuple(
                (k, _points(v, f"{name}.{k}", where)) for k, v in _table(item, name, where)
            )
        elif key == "size":
            out[key] = tuple(
                (_headcount(k, f"{name}.{k}", where), _points(v, f"{name}.{k}", where))
                for k, v in _table(item, name, where)
            )
        elif key == "activity":
            out[key] = _activity_points(item, where)
        elif key == "lookback_days":
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                raise InvalidInput(f"{where}: {name} must be a whole number of days, 1 or more.")
            out[key] = item
        else:
            out[key] = _points(item, name, where)
    if out.get("half_life_days", 1.0) <= 0:
        raise InvalidInput(f"{where}: score.half_life_days must be more than 0 days.")
    return ScoreWeights(**out)


def _table(value: Any, name: str, where: str) -> list[tuple[str, Any]]:
    if not isinstance(value, dict):
        raise InvalidInput(f'{where}: [{name}] maps text to points, such as "部長" = 10.')
    return [(k.strip(), v) for k, v in value.items() if k.strip()]


def _points(value: Any, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInput(f"{where}: {name} must be a number of 0 or more, not {value!r}.")
    return float(value)


def _headcount(key: str, name: str, where: str) -> int:
    if not key.isdigit():
        raise InvalidInput(
            f'{where}: {name!r}: [score.size] keys are least headcounts, such as "300" = 8.'
        )
    return int(key)


def _activity_points(value: Any, where: str) -> tuple[tuple[str, float], ...]:
    from crm_tui.domain.records import ACTIVITY_TYPES

    points = dict(ScoreWeights().activity)
    for kind, item in _table(value, "score.activity", where):
        if kind not in ACTIVITY_TYPES:
            raise InvalidInput(
                f"{where}: score.activity.{kind} is not an activity type; "
                f"use {', '.join(ACTIVITY_TYPES)}."
            )
        points[kind] = _points(item, f"score.activity.{kind}", where)
    return tuple(points.items())
