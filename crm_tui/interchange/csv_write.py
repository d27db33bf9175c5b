"""Provides writing rows as CSV that spreadsheets open safely and other programs read exactly.

The file is UTF-8, comma-separated, with RFC 4180 quoting (only cells that need it are quoted).
By default it has no byte order mark and LF line ends, for programs, scripts and diffs. With
`excel=True` (`crm export … --excel`) it starts with a UTF-8 BOM and ends lines with CRLF:
Excel on Japanese Windows reads a CSV without a BOM as CP932 and garbles UTF-8 text.

Formula injection (OWASP "CSV Injection", ASVS 1.2.10). A spreadsheet evaluates a cell that
starts with `=`, `+`, `-` or `@` (and some start one after a tab or CR), so a customer's name
such as `=HYPERLINK(…)` would run when a colleague opens the export. Every text cell that
starts with one of `= + - @`, a tab, CR, LF or NUL, or whose first character after leading
whitespace is one of `= + - @` (half or full width: Japanese Excel takes `＝` for `=`), is
written with a single quote `'` in front. The quote makes the cell text in every spreadsheet;
`unneutralise` removes it, and our CSV import applies it, so our own exports round-trip. A cell
that already starts with quotes in front of such a text gets one more, so a name someone
really typed as `'=x` survives the round trip too.

E.164 phones get no exception: `+81312345678` is written `'+81312345678`. Evaluated, it is
only arithmetic, but Excel would show it as the number 81312345678 and drop the `+`, and an
exemption for "number-shaped" text is one more rule to get wrong. The quote is visible in
plain readers; our import strips it. Python numbers (int, float, Decimal) are written as they
are: they come from our own values, and `-5` read by a spreadsheet is the number -5.

Control characters (ESC, NUL inside a cell, …) are kept verbatim: a CSV is data for other
programs and the text is the customer's. They never break the file's structure: a cell holding
a CR or LF is always quoted, whichever line end the file uses.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

_TRIGGERS = frozenset("=+-@\t\r\n\0")
"""Characters that make a spreadsheet read a cell as a formula when they start it."""
_AFTER_SPACE = frozenset("=+-@")
"""Characters that still do after leading spaces (some spreadsheets trim before evaluating)."""


def _dangerous(text: str) -> bool:
    """Tells whether a spreadsheet could take TEXT for a formula."""
    if text[:1] in _TRIGGERS:
        return True
    head = text.lstrip()[:1]
    # NFKC folds the full-width ＝＋－＠ that Japanese Excel also accepts as formula starts.
    return bool(head) and unicodedata.normalize("NFKC", head)[:1] in _AFTER_SPACE


def needs_quote_prefix(text: str) -> bool:
    """Tells whether TEXT is written with a `'` in front (a formula, or looks neutralised)."""
    # Quotes already in front count as part of the prefix, so that unneutralise is exact.
    return _dangerous(text.lstrip("'"))


def neutralise(text: str) -> str:
    """Returns TEXT as a cell no spreadsheet evaluates: with a `'` in front when it needs one."""
    return "'" + text if needs_quote_prefix(text) else text


def unneutralise(text: str) -> str:
    """Undoes `neutralise`: removes the `'` it put in front, and nothing else."""
    if text.startswith("'") and needs_quote_prefix(text[1:]):
        return text[1:]
    return text


def cell_text(value: object) -> str:
    """Formats one value as cell text: None empty, numbers as they are, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        # Lists (tags, emails) as one cell, in the form the CSV import splits again.
        return neutralise(", ".join(_plain(item) for item in value))
    return neutralise(str(value))


def _plain(value: object) -> str:
    """An item of a list cell, before the cell as a whole is neutralised."""
    return "" if value is None else str(value)


def write_csv(
    out: BinaryIO, header: Sequence[str], rows: Iterable[Sequence[object]], *, excel: bool = False
) -> int:
    """Writes HEADER and ROWS to OUT as UTF-8 CSV (BOM and CRLF with EXCEL); returns the rows."""
    if excel:
        out.write(codecs.BOM_UTF8)
    line = _Line("\r\n" if excel else "\n")
    out.write(line.of(header))
    count = 0
    for row in rows:
        out.write(line.of(row))
        count += 1
    return count


class _Line:
    """Formats one row as the bytes of a CSV line with a chosen line end."""

    def __init__(self, end: str) -> None:
        self.end = end
        self.buffer = io.StringIO()
        # CRLF for the writer in both modes: it quotes cells holding any character of its line
        # end, so a cell with a lone CR is quoted even in a file whose lines end with LF.
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def of(self, row: Sequence[object]) -> bytes:
        """The row's line, encoded."""
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow([cell_text(value) for value in row])
        return (self.buffer.getvalue()[:-2] + self.end).encode("utf-8")


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, excel: bool = False
) -> bytes:
    """Returns HEADER and ROWS as the bytes `write_csv` would write."""
    out = io.BytesIO()
    write_csv(out, header, rows, excel=excel)
    return out.getvalue()
