"""How fast a sales file imports: 100,000 rows in under a minute (issue 6), and in how much memory (issue 14).

    DEBUG=1 .venv/bin/python bench/sales_import.py [--rows 100000] [--memory-rows 1000000]

Runs against a fresh SQLite database in a temporary directory (the same
settings as the embedded default: WAL, IMMEDIATE transactions), with a
catalogue of 1,000 variants. For a plain date,sku,quantity,unit_price CSV and
a Shopify orders export of the same size it times the whole import (decode,
detect, check every row, look up stored lines, bulk insert in one transaction)
and then the same file again (everything already imported).

Two baselines measured in the same run on the same files put the numbers in
proportion: the floor of reading the file (csv.reader over the decoded text,
nothing else) and the floor of writing it (bulk_create of prebuilt Sale
objects in one transaction, the write alone).

Memory (--memory-rows): a plain CSV of that many rows is written to disk, and
two fresh processes each set up their own database and catalogue; one stops
there (the baseline), the other imports the file from disk. Each reports its
peak resident memory (ru_maxrss); the import's peak over the baseline's is the
ratio. BENCH_SOURCE=/path/to/another/checkout runs those processes on that
code (how the before/after figures in bench/README.md were taken). The last
line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, os.environ.get("BENCH_SOURCE") or str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
_VAR = tempfile.TemporaryDirectory(prefix="atelier-bench-")
os.environ["ATELIER_VAR_DIR"] = _VAR.name  # a fresh database, never the studio's own
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from catalog.models import Product, Variant  # noqa: E402
from forecasting.imports.service import sales_import  # noqa: E402
from forecasting.models import Sale, SalesImport  # noqa: E402
from studio.sales_channels import SalesChannel  # noqa: E402

VARIANTS = 1000
TARGET_SECONDS = 60.0
SHOPIFY_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Cancelled at",
    "Payment Method",
    "Refunded Amount",
    "Vendor",
    "Id",
    "Source",
]


def catalogue() -> list[str]:
    maker = get_user_model().objects.create(username="bench-maker")
    products = Product.objects.bulk_create(
        Product(handle=f"bench-{n}", title=f"Bench piece {n}", maker=maker, price=Decimal("28.00"))
        for n in range(VARIANTS // 2)
    )
    variants = Variant.objects.bulk_create(
        Variant(product=products[n // 2], sku=f"BENCH-{n:05d}", price=Decimal(10 + n % 90)) for n in range(VARIANTS)
    )
    return [variant.sku for variant in variants]


def dates(rng: random.Random, rows: int) -> list[dt.date]:
    start = dt.date.today() - dt.timedelta(days=730)
    return sorted(start + dt.timedelta(days=rng.randrange(730)) for _ in range(rows))


def plain_csv(skus: list[str], rows: int) -> bytes:
    rng = random.Random(6)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "sku", "quantity", "unit_price", "channel", "order_id"])
    for n, day in enumerate(dates(rng, rows)):
        writer.writerow(
            [
                day.isoformat(),
                rng.choice(skus),
                rng.choice((1, 1, 1, 2, 3)),
                f"{rng.randrange(8, 120)}.00",
                rng.choice(("in_person", "wholesale", "other")),
                f"M-{n // 3}",
            ]
        )
    return out.getvalue().encode()


def shopify_csv(skus: list[str], rows: int) -> bytes:
    """Orders of 1-3 lines, order-level columns only on an order's first line, 2% cancelled."""
    rng = random.Random(7)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SHOPIFY_HEADER, lineterminator="\n", restval="")
    writer.writeheader()
    written, order = 0, 1000
    days = iter(dates(rng, rows))
    while written < rows:
        order += 1
        created = f"{next(days).isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00 +0000"
        cancelled = created if rng.random() < 0.02 else ""
        for i in range(min(rng.choice((1, 1, 2, 3)), rows - written)):
            row = {
                "Name": f"#{order}",
                "Lineitem quantity": rng.choice((1, 1, 2)),
                "Lineitem sku": rng.choice(skus),
                "Lineitem name": "Bench piece",
                "Lineitem price": f"£{rng.randrange(8, 1200):,}.00",
                "Lineitem requires shipping": "true",
                "Lineitem taxable": "true",
                "Vendor": "Bench studio",
            }
            if i == 0:
                row.update(
                    {
                        "Email": "buyer@example.test",
                        "Financial Status": "refunded" if cancelled else "paid",
                        "Paid at": created,
                        "Currency": "GBP",
                        "Created at": created,
                        "Cancelled at": cancelled,
                        "Billing Name": "A Buyer",
                        "Payment Method": "Shopify Payments",
                        "Id": str(5 * 10**12 + order),
                        "Source": "web",
                    }
                )
            writer.writerow(row)
            written += 1
    return out.getvalue().encode()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def baseline_parse(data: bytes) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def baseline_write(skus: list[str], rows: int) -> None:
    ids = list(Variant.objects.values_list("id", flat=True))
    day = dt.date.today()
    sales = [
        Sale(
            variant_id=ids[n % len(ids)],
            date=day,
            quantity=1,
            unit_price=Decimal("28.00"),
            channel=SalesChannel.OTHER,
            order_ref=f"B-{n // 3}",
            line_ref=str(n % 3),
        )
        for n in range(rows)
    ]
    with transaction.atomic():
        Sale.objects.bulk_create(sales, batch_size=2000)


def write_plain_csv(path: Path, rows: int) -> int:
    """A plain CSV of `rows` rows streamed to disk (never held in memory): its size in bytes."""
    rng = random.Random(14)
    start = dt.date.today() - dt.timedelta(days=730)
    with path.open("w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["date", "sku", "quantity", "unit_price", "channel", "order_id"])
        for n in range(rows):
            writer.writerow(
                [
                    (start + dt.timedelta(days=n * 730 // rows)).isoformat(),
                    f"BENCH-{rng.randrange(VARIANTS):05d}",
                    rng.choice((1, 1, 1, 2, 3)),
                    f"{rng.randrange(8, 120)}.00",
                    rng.choice(("in_person", "wholesale", "other")),
                    f"M-{n // 3}",
                ]
            )
    return path.stat().st_size


def child(mode: str, file: str) -> None:
    """One measured process: a fresh database and catalogue, then (mode "import") the import of `file`.

    DEBUG off, as in production: with it on, Django keeps the last 9,000 queries' SQL in memory.
    """
    from django.conf import settings

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    catalogue()
    seconds, summary = 0.0, ""
    if mode == "import":
        with open(file, "rb") as handle:
            seconds, record = timed(partial(sales_import, file=handle, file_name="bench.csv", max_bytes=10**10))
        summary = record.report["summary"]
        assert record.status == SalesImport.Status.IMPORTED, summary
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "peak_rss_mb": round(peak, 1), "seconds": round(seconds, 2), "summary": summary}))


def measure_memory(rows: int) -> dict:
    path = Path(_VAR.name) / "memory.csv"
    size = write_plain_csv(path, rows)
    results = {}
    for mode in ("baseline", "import"):
        done = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--file", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"the {mode} process failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
        results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    base, run = results["baseline"]["peak_rss_mb"], results["import"]["peak_rss_mb"]
    print(f"\nMemory: plain CSV of {rows:,} rows, {size / 1e6:.1f} MB, imported from disk by a fresh process")
    print(f"  baseline (Django, database, catalogue; no import)  peak {base:7.1f} MB")
    print(
        f"  import                                             peak {run:7.1f} MB  = {run / base:4.2f}× the baseline,"
        f" +{run - base:.1f} MB; {results['import']['seconds']:.1f} s ({rows / max(results['import']['seconds'], 1e-9):,.0f} rows/s)"
    )
    print(f"  {results['import']['summary']}")
    return {
        "memory_rows": rows,
        "file_mb": round(size / 1e6, 1),
        "baseline_peak_rss_mb": base,
        "import_peak_rss_mb": run,
        "rss_ratio": round(run / base, 2),
        "import_seconds": results["import"]["seconds"],
    }


def timings(rows: int, result: dict) -> list[bool]:
    call_command("migrate", verbosity=0)
    skus = catalogue()
    print(f"{rows:,} rows per file, {VARIANTS:,} variants, fresh SQLite database in {_VAR.name}")

    write_s, _ = timed(lambda: baseline_write(skus, rows))
    Sale.objects.all().delete()
    print(
        f"baseline write: bulk_create of {rows:,} prebuilt Sale objects: {write_s:6.2f} s  "
        f"({rows / write_s:,.0f} rows/s)"
    )

    verdicts = []
    for name, make in (("plain CSV", plain_csv), ("Shopify orders export", shopify_csv)):
        data = make(skus, rows)
        parse_s, parsed = timed(partial(baseline_parse, data))
        import_file = partial(sales_import, file=data, file_name=f"bench-{name}.csv")
        import_s, record = timed(import_file)
        again_s, again = timed(import_file)
        assert record.status == SalesImport.Status.IMPORTED, record.report["summary"]
        assert record.rows_imported == rows and again.rows_imported == 0, (
            record.report["summary"],
            again.report["summary"],
        )
        lines = record.report["counts"]["lines_imported"]
        print(f"\n{name}: {len(data) / 1e6:.1f} MB, {parsed - 1:,} rows, {lines:,} sale lines written")
        print(f"  baseline parse (csv.reader only)  {parse_s:6.2f} s  ({rows / parse_s:>9,.0f} rows/s)")
        print(
            f"  import (check + write)            {import_s:6.2f} s  ({rows / import_s:>9,.0f} rows/s)"
            f"  = {import_s / parse_s:4.1f}× the parse, {import_s / write_s:4.1f}× the raw write"
        )
        print(f"  same file again (all skipped)     {again_s:6.2f} s  ({rows / again_s:>9,.0f} rows/s)")
        ok = import_s < TARGET_SECONDS and again_s < TARGET_SECONDS
        verdicts.append(ok)
        print(f"  target < {TARGET_SECONDS:.0f} s for {rows:,} rows: {'met' if ok else 'MISSED'}")
        result[f"{'plain' if name == 'plain CSV' else 'shopify'}_seconds"] = round(import_s, 2)
        result[f"{'plain' if name == 'plain CSV' else 'shopify'}_vs_parse"] = round(import_s / parse_s, 1)
        Sale.objects.all().delete()
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", type=int, default=0, help="also measure peak memory on a file of this size")
    parser.add_argument("--child", choices=["baseline", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.file)
        return
    rows = arguments.rows
    result: dict = {"rows": rows}
    verdicts = []
    if rows:
        verdicts = timings(rows, result)
    if verdicts:
        print(f"\nOverall: {'met' if all(verdicts) else 'MISSED'}")
    if arguments.memory_rows:
        result.update(measure_memory(arguments.memory_rows))
    result["target_met"] = all(verdicts)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
