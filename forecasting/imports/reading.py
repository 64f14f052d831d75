"""From uploaded bytes to CSV records: size, encoding, delimiter, header, format.

The file is read from disk in pieces, never whole. Everything that makes a whole file unreadable raises FileRefused with a message
for the person who uploaded it; nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from forecasting.imports.formats import FORMATS, SalesFormat
from studio.wording import and_list

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


_SNIFF_BYTES = 65536
_SCAN_BYTES = 1024 * 1024


@dataclass
class SalesFile:
    """A stored CSV file with its encoding and format known and its header row read.

    The file stays on disk: records() streams it, so memory doesn't grow with its size.
    """

    path: Path
    encoding: str  # a Python codec name
    encoding_label: str  # what the report shows: UTF-8, UTF-16, Windows-1252, Latin-1
    delimiter: str
    header_row: int
    header: list[str]
    format: type[SalesFormat]
    columns: dict[str, int]  # normalised column name → position
    size: int = 0
    notes: list[str] = field(default_factory=list)

    def records(self, progress: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of every non-blank data row; row 1 is the header, as a spreadsheet shows it.

        With `progress` (a one-item list), progress[0] follows the bytes read so far.
        """
        with self.path.open("rb") as binary:
            text = io.TextIOWrapper(binary, encoding=self.encoding, newline="")
            reader = csv.reader(text, delimiter=self.delimiter)
            number = 0
            try:
                for number, record in enumerate(reader, start=1):
                    if number <= self.header_row or not any(cell.strip() for cell in record):
                        continue
                    if progress is not None and (number < 256 or not number % 256):
                        progress[0] = binary.tell()
                    yield number, record
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise FileRefused(
                        f"Row {number + 1} can't be read as CSV: a cell runs on for more than "
                        f'{csv.field_size_limit():,} characters, usually a quote (") that is never closed.'
                    ) from None
                raise FileRefused(f"Row {number + 1} can't be read as CSV ({exc}). Is it really a CSV file?") from None
            if progress is not None:
                progress[0] = self.size


def normalise(name: str) -> str:
    """'Lineitem quantity', 'lineitem_quantity ', '\\ufeffSale Date' → 'lineitem quantity', 'sale date'."""
    return " ".join(name.replace("\ufeff", "").replace("_", " ").replace("-", " ").strip().strip('"').lower().split())


def detect_encoding(path: Path) -> tuple[str, str, list[str]]:
    """The codec, its label for the report, and a note when it wasn't UTF-8.

    UTF-8 (with or without the BOM Excel adds) is what every channel exports.
    UTF-16 with a BOM is Excel's "Unicode text". Anything else that isn't valid
    UTF-8 is read as Windows-1252 (Latin-1 plus £, € and curly quotes), what
    older Excel on Windows writes, with a note asking to check accented text.
    The file is scanned in 1 MB pieces: memory stays flat whatever its size.
    """
    with path.open("rb") as binary:
        head = binary.read(_SNIFF_BYTES)
    if not head:
        raise FileRefused("The file is empty (0 bytes). Export the sales again and upload the CSV file.")
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise FileRefused(f"This is {what}, not a CSV file. {_SAVE_AS_CSV}")
    notes: list[str] = []
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if _first_error(path, "utf-16") is not None:
            raise FileRefused(f"The file says it is UTF-16 but isn't valid UTF-16. {_SAVE_AS_CSV}")
        codec, label = "utf-16", "UTF-16"
    else:
        bad_at = _first_error(path, "utf-8-sig")
        if bad_at is None:
            codec, label = "utf-8-sig", "UTF-8"
        else:
            if b"\x00" in head:
                raise FileRefused(f"This looks like a binary file, not a CSV file. {_SAVE_AS_CSV}")
            codec, label = (
                ("cp1252", "Windows-1252") if _first_error(path, "cp1252") is None else ("latin-1", "Latin-1")
            )
            notes.append(
                f"The file isn't UTF-8 (first bad byte at position {bad_at:,}), so it was read as {label}. "
                "Check that names and SKUs with accents or symbols look right; exporting as 'CSV UTF-8' avoids this."
            )
    sample = head.decode(codec, errors="ignore")
    if "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 200):
        raise FileRefused(f"This looks like a binary file, not a CSV file. {_SAVE_AS_CSV}")
    return codec, label, notes


def _first_error(path: Path, codec: str) -> int | None:
    """The byte position of the first byte `codec` can't decode, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(codec)()
    position = 0
    with path.open("rb") as binary:
        while True:
            chunk = binary.read(_SCAN_BYTES)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return position + max(0, exc.start)
            if not chunk:
                return None
            position += len(chunk)


def open_sales_file(path: Path | str, *, format_key: str = "auto") -> SalesFile:
    """Read a stored file's encoding, header row and format; FileRefused when it can't be imported at all."""
    path = Path(path)
    codec, label, notes = detect_encoding(path)
    header_row, header_line = _first_line(path, codec)
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
                return SalesFile(
                    path, codec, label, delimiter, header_row, header, fmt, columns, path.stat().st_size, notes
                )
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
    return and_list(f"'{name}'" for name in names)


def _first_line(path: Path, codec: str) -> tuple[int, str]:
    """The first non-blank line and its row number (blank lines above the header count as rows)."""
    with path.open("rb") as binary:
        text = io.TextIOWrapper(binary, encoding=codec, newline="")
        for number, line in enumerate(text, start=1):
            if line.strip():
                return number, line
    raise FileRefused("The file has no rows, only blank lines.")


def _split(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []
