"""From uploaded bytes to CSV records: size, encoding, delimiter, header, format.

Everything that makes a whole file unreadable raises FileRefused with a message
for the person who uploaded it; nothing here touches the database.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from forecasting.imports.formats import FORMATS, SalesFormat

DELIMITERS = (",", ";", "\t", "|")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAGIC = {
    b"PK\x03\x04": "an Excel workbook or a ZIP archive",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
    b"\x1f\x8b": "a gzip archive",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
}
_SAVE_AS_CSV = "Open it in your spreadsheet and save or export it as CSV (UTF-8), then upload that file."


class FileRefused(Exception):
    """The file as a whole can't be read; nothing was imported."""


@dataclass
class SalesFile:
    """A decoded CSV with its format known and its header row read."""

    text: str
    encoding: str
    delimiter: str
    header_row: int
    header: list[str]
    format: type[SalesFormat]
    columns: dict[str, int]  # normalised column name → position
    notes: list[str] = field(default_factory=list)

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every non-blank data row; row 1 is the header, as a spreadsheet shows it."""
        reader = csv.reader(_lines(self.text), delimiter=self.delimiter)
        number = 0
        try:
            for number, record in enumerate(reader, start=1):
                if number <= self.header_row or not any(cell.strip() for cell in record):
                    continue
                yield number, record
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise FileRefused(
                    f"Row {number + 1} can't be read as CSV: a cell runs on for more than {csv.field_size_limit():,} "
                    'characters, usually a quote (") that is never closed.'
                ) from None
            raise FileRefused(f"Row {number + 1} can't be read as CSV ({exc}). Is it really a CSV file?") from None


def normalise(name: str) -> str:
    """'Lineitem quantity', 'lineitem_quantity ', '\\ufeffSale Date' → 'lineitem quantity', 'sale date'."""
    return " ".join(name.replace("\ufeff", "").replace("_", " ").replace("-", " ").strip().strip('"').lower().split())


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """The text, the encoding's name, and a note when it wasn't UTF-8.

    UTF-8 (with or without the BOM Excel adds) is what every channel exports.
    UTF-16 with a BOM is Excel's "Unicode text". Anything else that isn't valid
    UTF-8 is read as Windows-1252 (Latin-1 plus £, € and curly quotes), what
    older Excel on Windows writes, with a note asking to check accented text.
    """
    if not data:
        raise FileRefused("The file is empty (0 bytes). Export the sales again and upload the CSV file.")
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise FileRefused(f"This is {what}, not a CSV file. {_SAVE_AS_CSV}")
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise FileRefused(f"The file says it is UTF-16 but isn't valid UTF-16. {_SAVE_AS_CSV}") from None
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError as exc:
            if b"\x00" in data[:65536]:
                raise FileRefused(f"This looks like a binary file, not a CSV file. {_SAVE_AS_CSV}") from None
            try:
                text, encoding = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "Latin-1"
            notes.append(
                f"The file isn't UTF-8 (first bad byte at position {exc.start:,}), so it was read as {encoding}. "
                "Check that names and SKUs with accents or symbols look right; exporting as 'CSV UTF-8' avoids this."
            )
    sample = text[:65536]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 200):
        raise FileRefused(f"This looks like a binary file, not a CSV file. {_SAVE_AS_CSV}")
    if not text.strip():
        raise FileRefused("The file has no rows, only blank lines.")
    return text, encoding, notes


def open_sales_file(data: bytes, *, format_key: str = "auto") -> SalesFile:
    text, encoding, notes = decode(data)
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # classic Mac line endings
    header_row, header_line = _first_line(text)
    if format_key != "auto" and format_key not in FORMATS:
        raise FileRefused(f"Unknown format {format_key!r}; choose auto, {', '.join(FORMATS)}.")
    candidates = [FORMATS[format_key]] if format_key != "auto" else list(FORMATS.values())
    best: tuple[str, list[str]] = (",", _split(header_line, ","))
    for delimiter in DELIMITERS:
        header = _split(header_line, delimiter)
        if len(header) > len(best[1]):
            best = (delimiter, header)
        names = {normalise(cell) for cell in header}
        for fmt in candidates:
            if fmt.signature <= names:
                missing = [column for column in fmt.required if normalise(column) not in names]
                if missing:
                    raise FileRefused(
                        f"This looks like {_a(fmt.label)} but the header row is missing "
                        f"{_join(missing)}. Export the file again with all columns."
                    )
                columns: dict[str, int] = {}
                for position, cell in enumerate(header):
                    columns.setdefault(normalise(cell), position)
                if delimiter != ",":
                    notes.append(f"Columns are separated by {_DELIMITER_NAMES[delimiter]}.")
                return SalesFile(text, encoding, delimiter, header_row, header, fmt, columns, notes)
    raise FileRefused(_no_known_header(best[1], candidates, format_key))


_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _no_known_header(header: list[str], candidates: list[type[SalesFormat]], format_key: str) -> str:
    from forecasting.imports.values import BadValue, iso_date, us_date

    first = header[0].strip() if header else ""
    for parse in (iso_date, us_date):
        try:
            parse(first)
        except BadValue:
            continue
        return (
            "The first row looks like data, not a header row. Add a header row as the first line, "
            "e.g. date,sku,quantity for a plain CSV."
        )
    found = ", ".join(repr(cell.strip()) for cell in header[:12] if cell.strip()) or "nothing"
    if format_key != "auto":
        fmt = candidates[0]
        return f"The header row doesn't look like {_a(fmt.label)}: it needs {_join(fmt.required)}. Found {found}."
    expected = "; ".join(f"{_a(fmt.label)} ({', '.join(fmt.required)})" for fmt in candidates)
    return f"The header row doesn't match any format Atelier reads. Expected {expected}. Found {found}."


def _a(label: str) -> str:
    return f"{'an' if label[0].lower() in 'aeiou' else 'a'} {label}"


def _join(names) -> str:
    names = [f"'{name}'" for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _first_line(text: str) -> tuple[int, str]:
    """The first non-blank line and its row number (blank lines above the header count as rows)."""
    number = 0
    for number, line in enumerate(_lines(text), start=1):
        if line.strip():
            return number, line
    raise FileRefused("The file has no rows, only blank lines.")


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []


def _lines(text: str) -> Iterator[str]:
    """Lines with their endings, split on \\n only (csv handles \\r\\n and newlines inside quotes)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1
