"""Import a sales file: check every row first, then write the good lines in one transaction.

Two passes over the decoded text. The first checks every row (values, SKUs)
without touching the sales table, so "all or nothing" can refuse a file before
anything is written, and nothing is held but counts and the first problems.
The second re-reads the rows, skips lines already stored or repeated in the
file, and - unless this is a check-only run or the file was refused - inserts
the rest with bulk_create inside one transaction together with the
SalesImport record, so a file is never half-imported and never without its report.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from catalog.models import Variant
from forecasting.imports.formats import Problem, Row
from forecasting.imports.reading import FileRefused, SalesFile, open_sales_file
from forecasting.models import Sale, SalesImport

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
PROBLEMS_KEPT = 1000  # in the stored report; the page shows the first 100
UNKNOWN_SKUS_KEPT = 500
BATCH_SIZE = 2000
_KEY_LOOKUP_CHUNK = 500  # order references per query: well under every database's parameter limit


def import_size_limit() -> int:
    """Largest file accepted, in bytes (settings.SALES_IMPORT_MAX_BYTES, 50 MB by default)."""
    return int(getattr(settings, "SALES_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_message(size: int, limit: int) -> str:
    return (
        f"The file is {_megabytes(size)}; the limit is {_megabytes(limit)}. "
        "Export a shorter date range (or split the file) and import the parts one after another: "
        "lines already imported are skipped."
    )


@dataclass
class _Report:
    counts: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    problems_by_column: Counter = field(default_factory=Counter)
    unknown_skus: Counter = field(default_factory=Counter)
    unknown_first_row: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    first_date: Any = None
    last_date: Any = None


def sales_import(
    *,
    file: IO[bytes] | bytes,
    file_name: str,
    user=None,
    file_format: str = "auto",
    mode: str = SalesImport.Mode.GOOD_ROWS,
    dry_run: bool = False,
    max_bytes: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> SalesImport:
    """Check a Shopify, Etsy or plain sales CSV and import its good lines; returns the recorded import.

    mode GOOD_ROWS imports every good row and reports the rest; ALL_OR_NOTHING
    imports nothing when any row is bad or has an unknown SKU. dry_run only checks.
    Lines already stored (same channel, order and line) are skipped, so importing
    the same file twice adds nothing. Never raises for a bad file: the returned
    record's status and report say what happened.
    """
    if mode not in SalesImport.Mode.values:
        raise ValueError(f"mode must be one of {', '.join(SalesImport.Mode.values)}")
    limit = import_size_limit() if max_bytes is None else max_bytes
    record = SalesImport(
        created_by=user if getattr(user, "pk", None) else None,
        file_name=(file_name or "upload.csv")[-255:],
        mode=mode,
        dry_run=dry_run,
    )
    report = _Report()
    try:
        data = _read_limited(file, limit)
        record.file_size, record.file_sha256 = len(data), hashlib.sha256(data).hexdigest()
        sales_file = open_sales_file(data, format_key=file_format)
        del data
        record.file_format = sales_file.format.key
        variants = _variant_index()
        _check(sales_file, variants, report)
    except FileRefused as exc:
        record.status = SalesImport.Status.FAILED
        record.report = _as_dict(record, _Report(), error=str(exc))
        record.save()
        return record

    refused = report.counts["rows_bad"] + report.counts["rows_unknown_sku"]
    if dry_run:
        record.status = SalesImport.Status.CHECKED
    elif mode == SalesImport.Mode.ALL_OR_NOTHING and refused:
        record.status = SalesImport.Status.REJECTED
    else:
        record.status = SalesImport.Status.IMPORTED

    if record.status != SalesImport.Status.IMPORTED:
        _sort(sales_file, variants, report, write=False, batch_size=batch_size)
    else:
        with transaction.atomic():
            _sort(sales_file, variants, report, write=True, batch_size=batch_size)
            report.counts["rows_imported"] = report.counts["rows_to_import"]
            report.counts["lines_imported"] = report.counts["lines_to_import"]
            if refused and not report.counts["rows_imported"]:
                # Good-rows mode, but no row was good: nothing was written, say so.
                record.status = SalesImport.Status.REJECTED
            _finish(record, sales_file, report)
            record.save()
            if record.status == SalesImport.Status.IMPORTED and report.counts["lines_imported"]:
                transaction.on_commit(partial(_refit_after_import, user=user))
        return record
    _finish(record, sales_file, report)
    record.save()
    return record


def _refit_after_import(*, user) -> None:
    """New sales change the forecasts: refit them (and plan again) in the background."""
    if not settings.ATELIER_REFIT_AFTER_IMPORT:
        return
    from forecasting.demand import forecasts_refit_start

    forecasts_refit_start(requested_by=user)


def _read_limited(file: IO[bytes] | bytes, limit: int) -> bytes:
    if isinstance(file, (bytes, bytearray)):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if size is not None and size > limit:
            raise FileRefused(too_large_message(size, limit))
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(too_large_message(len(data), limit))
    return data


def _variant_index() -> dict[str, tuple[int, Decimal]]:
    """sku → (variant id, its price), for the whole catalogue in one query.

    A SKU that matches no variant exactly is tried case-insensitively, as long as
    that doesn't make two variants match.
    """
    index: dict[str, tuple[int, Decimal]] = {}
    folded: dict[str, tuple[int, Decimal] | None] = {}
    for sku, variant_id, price, product_price in Variant.objects.order_by().values_list(
        "sku", "id", "price", "product__price"
    ):
        entry = (variant_id, price if price is not None else product_price)
        index[sku] = entry
        key = sku.strip().casefold()
        folded[key] = None if key in folded else entry
    for key, entry in folded.items():
        if entry is not None:
            index[_FOLDED + key] = entry
    return index


_FOLDED = "\x00"  # prefix of the case-insensitive entries in the same dict


def _lookup(variants: dict[str, tuple[int, Decimal]], sku: str) -> tuple[int, Decimal] | None:
    return variants.get(sku) or variants.get(_FOLDED + sku.casefold())


def _rows(sales_file: SalesFile) -> tuple[Iterable[Row], Any]:
    fmt = sales_file.format(sales_file.columns)
    return fmt.rows(sales_file.records()), fmt


def _check(sales_file: SalesFile, variants, report: _Report) -> None:
    """Pass 1: count rows, collect problems and unknown SKUs. No database writes."""
    counts = report.counts
    rows, fmt = _rows(sales_file)
    for row in rows:
        counts["rows_read"] += 1
        if row.problems:
            counts["rows_bad"] += 1
            for problem in row.problems:
                counts["problems"] += 1
                report.problems_by_column[problem.column] += 1
                if len(report.problems) < PROBLEMS_KEPT:
                    report.problems.append(problem)
        elif _lookup(variants, row.sku) is None:
            counts["rows_unknown_sku"] += 1
            report.unknown_skus[row.sku] += 1
            report.unknown_first_row.setdefault(row.sku, row.number)
    report.notes.extend([*sales_file.notes, *fmt.notes()])


def _sort(sales_file: SalesFile, variants, report: _Report, *, write: bool, batch_size: int) -> None:
    """Pass 2: split the good rows into new, already imported and repeated; insert the new lines if write."""
    seen: set[tuple[str, str, str]] = set()
    batch: list[tuple[Row, tuple[int, Decimal]]] = []
    rows, _ = _rows(sales_file)
    for row in rows:
        if row.problems:
            continue
        variant = _lookup(variants, row.sku)
        if variant is None:
            continue
        batch.append((row, variant))
        if len(batch) >= batch_size:
            _sort_batch(batch, seen, report, write=write, batch_size=batch_size)
            batch = []
    if batch:
        _sort_batch(batch, seen, report, write=write, batch_size=batch_size)


def _sort_batch(batch, seen, report: _Report, *, write: bool, batch_size: int) -> None:
    counts = report.counts
    stored = _stored_keys({(line.channel, line.order_ref) for row, _ in batch for line in row.lines})
    new_sales: list[Sale] = []
    for row, (variant_id, variant_price) in batch:
        keys = [line.key for line in row.lines]
        if keys[0] in seen:
            counts["rows_duplicate"] += 1
            continue
        seen.update(keys)
        fresh = [line for line in row.lines if line.key not in stored]
        if not fresh:
            counts["rows_already_imported"] += 1
            continue
        counts["rows_to_import"] += 1
        counts["lines_to_import"] += len(fresh)
        counts["refund_lines"] += sum(1 for line in fresh if line.quantity < 0)
        for line in fresh:
            if report.first_date is None or line.date < report.first_date:
                report.first_date = line.date
            if report.last_date is None or line.date > report.last_date:
                report.last_date = line.date
        if write:
            new_sales.extend(
                Sale(
                    variant_id=variant_id,
                    date=line.date,
                    quantity=line.quantity,
                    unit_price=line.unit_price if line.unit_price is not None else variant_price,
                    channel=line.channel,
                    order_ref=line.order_ref,
                    line_ref=line.line_ref,
                )
                for line in fresh
            )
    if write and new_sales:
        # ignore_conflicts: a line another import stored a moment ago is skipped, not an error.
        Sale.objects.bulk_create(new_sales, batch_size=batch_size, ignore_conflicts=True)


def _stored_keys(refs: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    by_channel: dict[str, list[str]] = {}
    for channel, order_ref in refs:
        by_channel.setdefault(channel, []).append(order_ref)
    stored: set[tuple[str, str, str]] = set()
    for channel, order_refs in by_channel.items():
        order_refs.sort()
        for i in range(0, len(order_refs), _KEY_LOOKUP_CHUNK):
            chunk = order_refs[i : i + _KEY_LOOKUP_CHUNK]
            stored.update(
                Sale.objects.order_by()
                .filter(channel=channel, order_ref__in=chunk)
                .values_list("channel", "order_ref", "line_ref")
            )
    return stored


def _finish(record: SalesImport, sales_file: SalesFile, report: _Report) -> None:
    counts = report.counts
    record.rows_read = counts["rows_read"]
    record.rows_imported = counts["rows_imported"]
    record.rows_already_imported = counts["rows_already_imported"]
    record.rows_bad = counts["rows_bad"]
    record.rows_unknown_sku = counts["rows_unknown_sku"]
    record.report = _as_dict(record, report, sales_file=sales_file)


_COUNT_KEYS = (
    "rows_read",
    "rows_to_import",
    "rows_imported",
    "rows_already_imported",
    "rows_duplicate",
    "rows_bad",
    "rows_unknown_sku",
    "problems",
    "lines_to_import",
    "lines_imported",
    "refund_lines",
)


def _as_dict(record: SalesImport, report: _Report, *, sales_file: SalesFile | None = None, error: str = "") -> dict:
    """The report as stored in SalesImport.report and returned by the API (plain JSON types)."""
    counts = {key: report.counts[key] for key in _COUNT_KEYS}
    unknown = sorted(report.unknown_skus.items(), key=lambda item: (-item[1], item[0]))
    return {
        "status": record.status,
        "summary": _summary(record, counts, error),
        "error": error,
        "file_name": record.file_name,
        "file_size": record.file_size,
        "format": sales_file.format.key if sales_file else "",
        "format_label": sales_file.format.label if sales_file else "",
        "encoding": sales_file.encoding if sales_file else "",
        "mode": record.mode,
        "dry_run": record.dry_run,
        "counts": counts,
        "first_date": report.first_date.isoformat() if report.first_date else None,
        "last_date": report.last_date.isoformat() if report.last_date else None,
        "problems": [problem._asdict() for problem in report.problems],
        "problems_by_column": dict(report.problems_by_column.most_common()),
        "unknown_skus": [
            {"sku": sku, "rows": rows, "first_row": report.unknown_first_row[sku]}
            for sku, rows in unknown[:UNKNOWN_SKUS_KEPT]
        ],
        "unknown_skus_total": len(unknown),
        "notes": report.notes,
    }


def _summary(record: SalesImport, counts: dict[str, int], error: str) -> str:
    if error:
        return f"Nothing was imported. {error}"
    read = counts["rows_read"]
    if not read:
        return "The file has a header row but no data rows; nothing to import."
    refused = counts["rows_bad"] + counts["rows_unknown_sku"]
    parts = []
    if counts["rows_already_imported"]:
        parts.append(f"{counts['rows_already_imported']:,} already imported")
    if counts["rows_duplicate"]:
        parts.append(f"{counts['rows_duplicate']:,} repeated in the file")
    if counts["rows_bad"]:
        parts.append(f"{counts['rows_bad']:,} with problems")
    if counts["rows_unknown_sku"]:
        parts.append(f"{counts['rows_unknown_sku']:,} with unknown SKUs")
    rest = f" ({'; '.join(parts)})" if parts else ""
    of = f"{read:,} row{'s' if read != 1 else ''}"
    to_import = counts["rows_to_import"]
    if record.status == SalesImport.Status.CHECKED:
        return f"Check only, nothing was imported: {to_import:,} of {of} would be imported{rest}."
    if record.status == SalesImport.Status.REJECTED:
        if record.mode == SalesImport.Mode.ALL_OR_NOTHING:
            return (
                f"Nothing was imported because {refused:,} row{'s' if refused != 1 else ''} can't be imported "
                f"and you chose all or nothing{rest}. Fix them and import the file again."
            )
        return f"Nothing was imported: none of the {of} can be imported{rest}."
    if not counts["rows_imported"]:
        return f"Nothing new: {of} read{rest}."
    return f"Imported {counts['rows_imported']:,} of {of}{rest}."


def _megabytes(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:,.1f} KB"
    return f"{size / (1024 * 1024):,.1f} MB"
