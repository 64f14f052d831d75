"""Import a sales file in the background: store it, check every row, then write the good lines.

The request only stores the upload (streamed to SALES_IMPORT_DIR, never held in
memory), refuses at once a file that can't be read at all (wrong type, no known
header, too large), and queues the rest. A django-q2 task then works through
the file in steps of at most SALES_IMPORT_STEP_SECONDS, each step queuing the next:

1. check - stream the rows, check values and SKUs, and stage every good line in
   StagedSale, a chunk of rows per short transaction that also records how far
   the check got (the checkpoint), so a worker that dies loses at most one chunk
   of work and the next step starts where the last committed chunk ended;
2. decide - a dry run stops here (checked), "all or nothing" with refused rows
   stops here (rejected), anything else goes on;
3. write - move the staged lines to Sale a chunk per transaction (the insert and
   the removal from the staging table commit together).

Nothing holds the database's write lock for longer than one chunk, so review
decisions and forecast refits go on during a long import. Memory stays flat:
rows are streamed, and only counts, the first problems and the catalogue's SKUs
are held. A lease on the SalesImport row keeps two workers off the same import;
a step whose lease ran out (its worker died) is queued again by the stalled-work
check (forecasting.tasks.resume_stalled_imports).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_q.tasks import async_task

from catalog.models import Variant
from forecasting.imports.formats import Problem, Row, plain_content_key, plain_line_ref
from forecasting.imports.reading import FileRefused, SalesFile, open_sales_file
from forecasting.models import Sale, SalesImport, StagedSale
from forecasting.stored_alerts import alerts_mark_changed
from studio.services import job_create, job_finish, job_report, job_start

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
PROBLEMS_KEPT = 1000  # in the stored report; the page shows the first 100
UNKNOWN_SKUS_KEPT = 500
UNKNOWN_SKUS_TRACKED = 5000  # distinct unknown SKUs counted one by one; more only add to the row count
BATCH_SIZE = 5000  # rows checked, or lines written, per transaction
_KEY_LOOKUP_CHUNK = 500  # order references per query: well under every database's parameter limit
_STORE_CHUNK = 1024 * 1024
_CHECK_SHARE = 85  # percent of the progress bar for the check; the write has the rest

DONE, MORE, BUSY = "done", "more", "busy"


def import_size_limit() -> int:
    """Largest file accepted, in bytes (settings.SALES_IMPORT_MAX_BYTES, 50 MB by default)."""
    return int(getattr(settings, "SALES_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def import_dir() -> Path:
    """Where uploads wait for their import (settings.SALES_IMPORT_DIR; web and workers must share it)."""
    return Path(settings.SALES_IMPORT_DIR)


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

    def as_checkpoint(self) -> dict:
        return {
            "counts": dict(self.counts),
            "problems": [list(problem) for problem in self.problems],
            "problems_by_column": dict(self.problems_by_column),
            "unknown_skus": dict(self.unknown_skus),
            "unknown_first_row": self.unknown_first_row,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
        }

    @classmethod
    def from_checkpoint(cls, data: dict) -> _Report:
        report = cls()
        report.counts.update(data.get("counts", {}))
        report.problems = [Problem(*problem) for problem in data.get("problems", [])]
        report.problems_by_column.update(data.get("problems_by_column", {}))
        report.unknown_skus.update(data.get("unknown_skus", {}))
        report.unknown_first_row = dict(data.get("unknown_first_row", {}))
        for name in ("first_date", "last_date"):
            if data.get(name):
                setattr(report, name, dt.date.fromisoformat(data[name]))
        return report


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
    """Check a Shopify, Etsy or plain sales CSV and import its good lines now, in this process.

    The same work as the background import (manage.py import_sales and the bench use
    it), run step after step until it is finished. mode GOOD_ROWS imports every good
    row and reports the rest; ALL_OR_NOTHING imports nothing when any row is bad or
    has an unknown SKU. dry_run only checks. Lines already stored (same channel,
    order and line) are skipped, so importing the same file twice adds nothing.
    Never raises for a bad file: the returned record's status and report say what happened.
    """
    record = sales_import_submit(
        file=file,
        file_name=file_name,
        user=user,
        file_format=file_format,
        mode=mode,
        dry_run=dry_run,
        max_bytes=max_bytes,
        enqueue=False,
    )
    while not record.is_finished:
        if sales_import_step(import_id=record.pk, seconds=None, batch_size=batch_size) == BUSY:
            time.sleep(1)
        record.refresh_from_db()
    return record


def sales_import_submit(
    *,
    file: IO[bytes] | bytes,
    file_name: str,
    user=None,
    file_format: str = "auto",
    mode: str = SalesImport.Mode.GOOD_ROWS,
    dry_run: bool = False,
    max_bytes: int | None = None,
    enqueue: bool = True,
) -> SalesImport:
    """Store an upload and queue its import; a file that can't be imported at all is refused at once.

    Returns the SalesImport: FAILED with the reason in its report, or QUEUED with a
    job whose progress the report page shows.
    """
    if mode not in SalesImport.Mode.values:
        raise ValueError(f"mode must be one of {', '.join(SalesImport.Mode.values)}")
    limit = import_size_limit() if max_bytes is None else max_bytes
    record = SalesImport(
        created_by=user if getattr(user, "pk", None) else None,
        file_name=(file_name or "upload.csv")[-255:],
        mode=mode,
        dry_run=dry_run,
        requested_format=file_format,
    )
    stored = ""
    try:
        stored, record.file_size, record.file_sha256 = _store_upload(file, limit)
        sales_file = open_sales_file(import_dir() / stored, format_key=file_format)
    except FileRefused as exc:
        if stored:
            (import_dir() / stored).unlink(missing_ok=True)
        record.status = SalesImport.Status.FAILED
        record.report = _as_dict(record, _Report(), error=str(exc))
        record.save()
        return record
    record.file_format = sales_file.format.key
    record.stored_file = stored
    record.status = SalesImport.Status.QUEUED
    with transaction.atomic():
        record.job = job_create(
            kind="sales_import",
            label=f"Sales import: {record.file_name}"[:200],
            total=100,
            created_by=record.created_by,
        )
        record.report = _as_dict(record, _Report(), sales_file=sales_file)
        record.save()
        if enqueue:
            transaction.on_commit(partial(async_task, "forecasting.tasks.run_sales_import", record.pk))
    return record


def sales_import_step(*, import_id: int, seconds: float | None, batch_size: int = BATCH_SIZE) -> str:
    """Work on an import for about `seconds` (None: to the end); DONE, MORE (queue another step) or BUSY.

    BUSY: another worker holds the import's lease. Safe to run twice: every chunk
    commits with its checkpoint, and a step that lost its lease stops.
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    lease = _lease_seconds(seconds)
    with transaction.atomic():
        record = SalesImport.objects.select_for_update().filter(pk=import_id).first()
        if record is None or record.is_finished:
            return DONE
        now = timezone.now()
        if record.lease_until and record.lease_until > now:
            return BUSY
        record.lease_until = now + dt.timedelta(seconds=lease)
        resumed = record.status == SalesImport.Status.RUNNING
        record.status = SalesImport.Status.RUNNING
        record.save(update_fields=["lease_until", "status"])
    if record.job_id:
        job_start(job_id=record.job_id)
        if resumed:
            job_report(job_id=record.job_id, message="Resuming where the last step stopped…")
    run = _Run(record, deadline=deadline, lease=lease, batch_size=batch_size)
    try:
        outcome = run.advance()
        if outcome == MORE:  # hand over to the next step at once
            SalesImport.objects.filter(pk=import_id, lease_until=run.record.lease_until).update(lease_until=None)
        return outcome
    except _LeaseLost:
        logger.warning("Sales import %s: another step took over; this one stops.", import_id)
        return BUSY
    except FileNotFoundError:
        run.fail("The uploaded file is no longer there (was it stored on another machine?). Upload it again.")
        return DONE
    except FileRefused as exc:
        run.fail(str(exc))
        return DONE


class _LeaseLost(Exception):
    pass


def _lease_seconds(seconds: float | None) -> int:
    return int((seconds or settings.SALES_IMPORT_STEP_SECONDS) * 2 + 60)


class _Run:
    """One step of an import: picks up the checkpoint and moves it on, chunk by chunk."""

    def __init__(self, record: SalesImport, *, deadline: float | None, lease: int, batch_size: int):
        self.record = record
        self.deadline = deadline
        self.lease = lease
        self.batch_size = batch_size
        self.checkpoint = dict(record.checkpoint or {"phase": "check", "row": 0, "written": 0})
        self.report = _Report.from_checkpoint(self.checkpoint.get("report", {}))

    # --- the phases ---------------------------------------------------------------------

    def advance(self) -> str:
        sales_file = open_sales_file(import_dir() / self.record.stored_file, format_key=self.record.requested_format)
        if self.checkpoint["phase"] == "check":
            if not self._check(sales_file):
                return MORE
            self._decide()
        if self.checkpoint["phase"] == "write":
            if not self._write():
                return MORE
        self._finish(sales_file)
        return DONE

    def _check(self, sales_file: SalesFile) -> bool:
        variants = _variant_index()
        progress = [0]
        fmt = sales_file.format(sales_file.columns)
        resume_after = self.checkpoint["row"]
        batch: list[tuple[Row, tuple[int, Decimal]]] = []
        last, in_chunk = resume_after, 0
        for row in fmt.rows(sales_file.records(progress)):
            if row.number <= resume_after:
                continue  # checked by an earlier step; formats still read it for their per-file state
            last, in_chunk = row.number, in_chunk + 1
            variant = self._classify(row, variants)
            if variant is not None:
                batch.append((row, variant))
            if in_chunk >= self.batch_size:
                self._commit_check_chunk(batch, last, progress[0], sales_file.size)
                batch, in_chunk = [], 0
                if self._out_of_time():
                    return False
        self._commit_check_chunk(batch, last, sales_file.size, sales_file.size)
        self.notes = [*sales_file.notes, *fmt.notes()]
        return True

    def _classify(self, row: Row, variants) -> tuple[int, Decimal] | None:
        report, counts = self.report, self.report.counts
        counts["rows_read"] += 1
        if row.problems:
            counts["rows_bad"] += 1
            for problem in row.problems:
                counts["problems"] += 1
                report.problems_by_column[problem.column] += 1
                if len(report.problems) < PROBLEMS_KEPT:
                    report.problems.append(problem)
            return None
        variant = _lookup(variants, row.sku)
        if variant is None:
            counts["rows_unknown_sku"] += 1
            if row.sku in report.unknown_skus or len(report.unknown_skus) < UNKNOWN_SKUS_TRACKED:
                report.unknown_skus[row.sku] += 1
                report.unknown_first_row.setdefault(row.sku, row.number)
            else:
                counts["unknown_skus_untracked_rows"] += 1
        return variant

    def _commit_check_chunk(self, batch, last_row: int, position: int, size: int) -> None:
        """Stage a chunk's good lines and record how far the check got, in one short transaction."""
        counts, report = self.report.counts, self.report
        refs = {(line.channel, line.order_ref) for row, _ in batch for line in row.lines}
        with transaction.atomic():
            self._number_identical_rows(batch)
            stored = _stored_keys(Sale.objects.all(), refs)
            staged = _stored_keys(StagedSale.objects.filter(sales_import=self.record), refs)
            seen: set[tuple[str, str, str]] = set()
            new_lines: list[StagedSale] = []
            for row, (variant_id, variant_price) in batch:
                keys = [line.key for line in row.lines]
                if keys[0] in seen or keys[0] in staged:
                    counts["rows_duplicate"] += 1
                    continue
                seen.update(keys)
                fresh = [line for line in row.lines if line.key not in stored]
                if not fresh:
                    counts["rows_already_imported"] += 1
                else:
                    counts["rows_to_import"] += 1
                    counts["lines_to_import"] += len(fresh)
                    counts["refund_lines"] += sum(1 for line in fresh if line.quantity < 0)
                    for line in fresh:
                        if report.first_date is None or line.date < report.first_date:
                            report.first_date = line.date
                        if report.last_date is None or line.date > report.last_date:
                            report.last_date = line.date
                new_lines.extend(
                    StagedSale(
                        sales_import=self.record,
                        variant_id=variant_id,
                        date=line.date,
                        quantity=line.quantity,
                        unit_price=line.unit_price if line.unit_price is not None else variant_price,
                        channel=line.channel,
                        order_ref=line.order_ref,
                        line_ref=line.line_ref,
                        stored=line.key in stored,
                        content_key=plain_content_key(row.content) if row.content else None,
                    )
                    for line in row.lines
                )
            StagedSale.objects.bulk_create(new_lines, batch_size=1000)
            self.checkpoint["row"] = last_row
            self._save_checkpoint()
        percent = _CHECK_SHARE * position // max(size, 1)
        self._progress(percent, f"Checked {counts['rows_read']:,} rows…")

    def _number_identical_rows(self, batch) -> None:
        """Plain CSV line references: the n-th identical row of the file, counted in the staging table."""
        keys = {plain_content_key(row.content) for row, _ in batch if row.content}
        if not keys:
            return
        before: Counter = Counter()
        ordered = sorted(keys)
        for i in range(0, len(ordered), _KEY_LOOKUP_CHUNK):
            before.update(
                dict(
                    StagedSale.objects.filter(
                        sales_import=self.record, content_key__in=ordered[i : i + _KEY_LOOKUP_CHUNK]
                    )
                    .order_by()
                    .values_list("content_key")
                    .annotate(n=Count("pk"))
                )
            )
        for row, _ in batch:
            if row.content:
                key = plain_content_key(row.content)
                before[key] += 1
                row.lines[0].line_ref = plain_line_ref(row.content, before[key])

    def _decide(self) -> None:
        counts, record = self.report.counts, self.record
        refused = counts["rows_bad"] + counts["rows_unknown_sku"]
        if record.dry_run:
            self.checkpoint.update(phase="finish", status=SalesImport.Status.CHECKED)
        elif record.mode == SalesImport.Mode.ALL_OR_NOTHING and refused:
            self.checkpoint.update(phase="finish", status=SalesImport.Status.REJECTED)
        elif refused and not counts["rows_to_import"]:
            # Good-rows mode, but no row can be imported: nothing will be written, say so.
            self.checkpoint.update(phase="finish", status=SalesImport.Status.REJECTED)
        else:
            self.checkpoint.update(phase="write", status=SalesImport.Status.IMPORTED)
        self.checkpoint["notes"] = self.notes
        with transaction.atomic():
            self._save_checkpoint()

    def _write(self) -> bool:
        total = max(self.report.counts["lines_to_import"], 1)
        pending = StagedSale.objects.filter(sales_import=self.record, stored=False).order_by("pk")
        while True:
            chunk = list(pending[: self.batch_size])
            if not chunk:
                return True
            with transaction.atomic():
                # ignore_conflicts: a line another import stored a moment ago is skipped, not an error.
                Sale.objects.bulk_create(
                    [
                        Sale(
                            variant_id=line.variant_id,
                            date=line.date,
                            quantity=line.quantity,
                            unit_price=line.unit_price,
                            channel=line.channel,
                            order_ref=line.order_ref,
                            line_ref=line.line_ref,
                        )
                        for line in chunk
                    ],
                    batch_size=1000,
                    ignore_conflicts=True,
                )
                StagedSale.objects.filter(pk__in=[line.pk for line in chunk]).delete()
                alerts_mark_changed()
                self.checkpoint["written"] += len(chunk)
                self._save_checkpoint()
            written = self.checkpoint["written"]
            share = 100 - _CHECK_SHARE
            self._progress(
                _CHECK_SHARE + share * min(written, total) // total, f"Saved {written:,} of {total:,} sale lines…"
            )
            if self._out_of_time():
                return False

    def _finish(self, sales_file: SalesFile) -> None:
        record, counts = self.record, self.report.counts
        _unstage(record)
        record.status = self.checkpoint.get("status", SalesImport.Status.IMPORTED)
        if record.status == SalesImport.Status.IMPORTED:
            counts["rows_imported"] = counts["rows_to_import"]
            counts["lines_imported"] = counts["lines_to_import"]
        self.report.notes = list(self.checkpoint.get("notes", []))
        if counts["unknown_skus_untracked_rows"]:
            self.report.notes.append(
                f"More than {UNKNOWN_SKUS_TRACKED:,} different unknown SKUs: "
                f"{counts['unknown_skus_untracked_rows']:,} rows with further ones are counted but not listed."
            )
        _counts_to_record(record, self.report)
        record.report = _as_dict(record, self.report, sales_file=sales_file)
        stored_file, record.stored_file = record.stored_file, ""
        record.checkpoint, record.lease_until = {}, None
        with transaction.atomic():
            record.save()
            if record.status == SalesImport.Status.IMPORTED and counts["lines_imported"]:
                transaction.on_commit(partial(_refit_after_import, user=record.created_by))
        (import_dir() / stored_file).unlink(missing_ok=True)
        self._end_job(record.report["summary"])

    def fail(self, error: str) -> None:
        record = self.record
        _unstage(record)
        if record.stored_file:
            (import_dir() / record.stored_file).unlink(missing_ok=True)
        record.status = SalesImport.Status.FAILED
        record.report = _as_dict(record, _Report(), error=error)
        record.stored_file, record.checkpoint, record.lease_until = "", {}, None
        record.save()
        self._end_job(record.report["summary"], failed=True)

    # --- helpers --------------------------------------------------------------------------

    def _save_checkpoint(self) -> None:
        """Record the checkpoint and renew the lease, if the lease is still this step's (else _LeaseLost)."""
        self.checkpoint["report"] = self.report.as_checkpoint()
        new_lease = timezone.now() + dt.timedelta(seconds=self.lease)
        updated = SalesImport.objects.filter(pk=self.record.pk, lease_until=self.record.lease_until).update(
            checkpoint=self.checkpoint, lease_until=new_lease
        )
        if not updated:
            raise _LeaseLost
        self.record.lease_until = new_lease

    def _out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def _progress(self, percent: int, message: str) -> None:
        if self.record.job_id:
            job_report(job_id=self.record.job_id, done=percent, message=message)

    def _end_job(self, summary: str, *, failed: bool = False) -> None:
        if self.record.job_id:
            job_report(job_id=self.record.job_id, done=100)
            job_finish(job_id=self.record.job_id, message=summary, failed=failed)


def sales_imports_resume_stalled() -> list[int]:
    """Queue a step for every unfinished import whose worker stopped (its lease ran out, or it never started).

    Run by the stalled-work check every minute; a step that finds the import busy does nothing.
    """
    now = timezone.now()
    grace = dt.timedelta(seconds=settings.SALES_IMPORT_STEP_SECONDS * 2 + 60)
    unfinished = SalesImport.objects.filter(status__in=[SalesImport.Status.QUEUED, SalesImport.Status.RUNNING])
    stalled = [
        record.pk
        for record in unfinished.only("pk", "lease_until", "created_at")
        if (record.lease_until or record.created_at + grace) < now
    ]
    for import_id in stalled:
        async_task("forecasting.tasks.run_sales_import", import_id)
    return stalled


def _unstage(record: SalesImport) -> None:
    """Empty the import's staging rows, a chunk per transaction (a million rows never lock the database at once)."""
    while True:
        ids = list(StagedSale.objects.filter(sales_import=record).order_by().values_list("pk", flat=True)[:20_000])
        if not ids:
            return
        StagedSale.objects.filter(pk__in=ids).delete()


def _counts_to_record(record: SalesImport, report: _Report) -> None:
    counts = report.counts
    record.rows_read = counts["rows_read"]
    record.rows_imported = counts["rows_imported"]
    record.rows_already_imported = counts["rows_already_imported"]
    record.rows_bad = counts["rows_bad"]
    record.rows_unknown_sku = counts["rows_unknown_sku"]


def _store_upload(file: IO[bytes] | bytes, limit: int) -> tuple[str, int, str]:
    """Copy the upload to SALES_IMPORT_DIR in 1 MB pieces: (stored name, size, sha256). FileRefused when too large."""
    directory = import_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.csv"
    partial_path = directory / f"{name}.part"
    if isinstance(file, (bytes, bytearray)):
        chunks: Iterable[bytes] = (file[i : i + _STORE_CHUNK] for i in range(0, len(file), _STORE_CHUNK))
    else:
        declared = getattr(file, "size", None)
        if declared is not None and declared > limit:
            raise FileRefused(too_large_message(declared, limit))
        if hasattr(file, "seek"):
            file.seek(0)
        chunks = iter(partial(file.read, _STORE_CHUNK), b"")
    digest, size = hashlib.sha256(), 0
    try:
        with partial_path.open("wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise FileRefused(too_large_message(size, limit))
                digest.update(chunk)
                out.write(chunk)
        partial_path.replace(directory / name)
    finally:
        partial_path.unlink(missing_ok=True)
    return name, size, digest.hexdigest()


def _refit_after_import(*, user) -> None:
    """New sales change the forecasts: refit them (and plan again) in the background."""
    if not settings.ATELIER_REFIT_AFTER_IMPORT:
        return
    from forecasting.demand import forecasts_refit_start

    forecasts_refit_start(requested_by=user)


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


def _stored_keys(lines, refs: set[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """(channel, order, line) of the rows of `lines` (Sale or StagedSale) with these orders."""
    by_channel: dict[str, list[str]] = {}
    for channel, order_ref in refs:
        by_channel.setdefault(channel, []).append(order_ref)
    stored: set[tuple[str, str, str]] = set()
    for channel, order_refs in by_channel.items():
        order_refs.sort()
        for i in range(0, len(order_refs), _KEY_LOOKUP_CHUNK):
            chunk = order_refs[i : i + _KEY_LOOKUP_CHUNK]
            stored.update(
                lines.order_by()
                .filter(channel=channel, order_ref__in=chunk)
                .values_list("channel", "order_ref", "line_ref")
            )
    return stored


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
        "encoding": sales_file.encoding_label if sales_file else "",
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
    if record.status == SalesImport.Status.QUEUED:
        return "Waiting for a worker to start the import…"
    if record.status == SalesImport.Status.RUNNING:
        return "Checking and importing the file…"
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
