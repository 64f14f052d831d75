"""The sales import service: the three formats, row reports, re-imports, refunds, bad files."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from forecasting.imports.service import sales_import, sales_import_step
from forecasting.models import Sale, SalesImport, StagedSale
from studio.sales_channels import SalesChannel
from tests.factories import ProductFactory, VariantFactory
from tests.forecasting.samples import (
    SHOPIFY_HEADER,
    etsy_sample,
    plain_sample,
    shopify_order,
    shopify_sample,
    to_csv,
)

pytestmark = pytest.mark.django_db

GOOD, ALL = SalesImport.Mode.GOOD_ROWS, SalesImport.Mode.ALL_OR_NOTHING


@pytest.fixture
def variants():
    mug = VariantFactory(sku="MUG-CEL-L", price=Decimal("28.00"))
    runner = VariantFactory(sku="RUN-NAT", price=None, product=ProductFactory(price=Decimal("45.00")))
    return {"mug": mug, "runner": runner}


def run(data: bytes, **kwargs) -> SalesImport:
    return sales_import(file=data, file_name=kwargs.pop("name", "sales.csv"), **kwargs)


def lines() -> set[tuple]:
    return set(
        Sale.objects.values_list("variant__sku", "date", "quantity", "unit_price", "channel", "order_ref", "line_ref")
    )


def problems(record: SalesImport) -> list[str]:
    return [f"row {p['row']}, {p['column']}: {p['message']}" for p in record.report["problems"]]


# --- The three formats ---------------------------------------------------------------------


def test_a_shopify_orders_export_imports_one_line_per_item_with_order_columns_carried_forward(variants):
    record = run(shopify_sample(), name="orders_export_1.csv")
    assert record.status == SalesImport.Status.IMPORTED
    assert record.file_format == "shopify"
    assert lines() == {
        ("MUG-CEL-L", dt.date(2024, 3, 1), 2, Decimal("28.00"), SalesChannel.SHOPIFY, "#1001", "1"),
        ("RUN-NAT", dt.date(2024, 3, 1), 1, Decimal("1045.00"), SalesChannel.SHOPIFY, "#1001", "2"),
        # The date as written in the shop's time zone, not moved to UTC.
        ("MUG-CEL-L", dt.date(2024, 3, 2), 1, Decimal("28.00"), SalesChannel.SHOPIFY, "#1002", "1"),
        ("RUN-NAT", dt.date(2024, 3, 3), 3, Decimal("45.00"), SalesChannel.SHOPIFY, "#1003", "1"),
    }
    counts = record.report["counts"]
    assert (counts["rows_read"], counts["rows_imported"], counts["lines_imported"], counts["rows_bad"]) == (4, 4, 4, 0)
    assert record.report["summary"] == "Imported 4 of 4 rows."
    assert (record.report["first_date"], record.report["last_date"]) == ("2024-03-01", "2024-03-03")


def test_an_etsy_sold_order_items_file_imports_with_transaction_ids_as_lines(variants):
    record = run(etsy_sample(), name="EtsySoldOrderItems2024-3.csv")
    assert record.file_format == "etsy"
    assert lines() == {
        ("MUG-CEL-L", dt.date(2024, 3, 15), 1, Decimal("32.00"), SalesChannel.ETSY, "2987654321", "3456789012"),
        ("RUN-NAT", dt.date(2024, 3, 15), 2, Decimal("1120.00"), SalesChannel.ETSY, "2987654321", "3456789013"),
        ("MUG-CEL-L", dt.date(2024, 3, 18), 1, Decimal("32.00"), SalesChannel.ETSY, "2987654399", "3456789020"),
    }


def test_a_plain_csv_with_bom_blank_lines_defaults_refunds_and_repeated_rows(variants):
    record = run(plain_sample())
    assert record.file_format == "plain" and record.report["encoding"] == "UTF-8"
    sales = list(
        Sale.objects.order_by("date", "id").values_list(
            "variant__sku", "date", "quantity", "unit_price", "channel", "order_ref"
        )
    )
    assert sales == [
        # Two identical rows are two sales (the same mug sold twice at the market that day).
        ("MUG-CEL-L", dt.date(2024, 4, 6), 2, Decimal("25.00"), SalesChannel.IN_PERSON, "day-2024-04-06"),
        ("MUG-CEL-L", dt.date(2024, 4, 6), 2, Decimal("25.00"), SalesChannel.IN_PERSON, "day-2024-04-06"),
        # No price: the variant's price (here the product's); the channel by its label.
        ("RUN-NAT", dt.date(2024, 4, 6), 1, Decimal("45.00"), SalesChannel.IN_PERSON, "day-2024-04-06"),
        # A negative quantity is a refund line.
        ("MUG-CEL-L", dt.date(2024, 4, 7), -1, Decimal("25.00"), SalesChannel.IN_PERSON, "day-2024-04-07"),
        ("RUN-NAT", dt.date(2024, 4, 8), 1, Decimal("1234.50"), SalesChannel.WHOLESALE, "PO-77"),
    ]
    assert record.report["counts"]["refund_lines"] == 1
    assert len(set(Sale.objects.values_list("line_ref", flat=True))) == 5


def test_the_format_can_be_forced_and_a_wrong_one_is_refused_clearly(variants):
    assert run(etsy_sample(), file_format="etsy").status == SalesImport.Status.IMPORTED
    record = run(shopify_sample(), file_format="etsy")
    assert record.status == SalesImport.Status.FAILED
    assert "doesn't look like an Etsy sold order items CSV" in record.report["error"]
    assert "'Sale Date'" in record.report["error"]


def test_semicolons_tabs_and_utf16_from_excel_are_read(variants):
    rows = [{"date": "2024-05-01", "sku": "MUG-CEL-L", "quantity": "1", "unit_price": "28,00"}]
    header = ["date", "sku", "quantity", "unit_price"]
    record = run(to_csv(header, rows, delimiter=";"))
    assert record.rows_imported == 1 and "semicolons" in " ".join(record.report["notes"])
    assert Sale.objects.get().unit_price == Decimal("28.00")
    rows[0]["date"] = "2024-05-02"
    record = run(b"\xff\xfe" + to_csv(header, rows, delimiter="\t", encoding="utf-16-le"))
    assert record.rows_imported == 1 and record.report["encoding"] == "UTF-16"


# --- Re-imports and duplicates ---------------------------------------------------------------


@pytest.mark.parametrize("sample", [shopify_sample, etsy_sample, plain_sample])
def test_importing_the_same_file_again_adds_nothing(variants, sample):
    first = run(sample())
    stored = lines()
    again = run(sample())
    assert lines() == stored
    assert again.status == SalesImport.Status.IMPORTED
    assert again.rows_imported == 0
    assert again.rows_already_imported == first.rows_imported
    assert again.report["summary"].startswith("Nothing new:")


def test_a_longer_export_adds_only_the_new_lines(variants):
    run(plain_sample())
    longer = plain_sample() + b"2024-04-09,MUG-CEL-L,2,25.00,in_person,\r\n2024-04-06,MUG-CEL-L,2,25.00,in_person,\r\n"
    record = run(longer)
    # The appended 2024-04-06 row is a third identical sale that day: new as well.
    assert (record.rows_imported, record.rows_already_imported) == (2, 5)
    assert Sale.objects.count() == 7


def test_lines_repeated_within_a_file_are_counted_and_stored_once(variants):
    data = etsy_sample()
    doubled = data + data.split(b"\r\n", 1)[1]  # the same rows again, without a second header
    record = run(doubled)
    assert Sale.objects.count() == 3
    counts = record.report["counts"]
    assert (counts["rows_read"], counts["rows_imported"], counts["rows_duplicate"]) == (6, 3, 3)
    assert "3 repeated in the file" in record.report["summary"]


# --- Refunds and cancellations ---------------------------------------------------------------


def test_cancelled_and_refunded_shopify_orders_net_to_zero_and_partial_refunds_count_as_sold(variants):
    data = to_csv(
        SHOPIFY_HEADER,
        [
            *shopify_order(
                "#2001",
                "2024-06-01 12:00:00 +0000",
                ("2", "MUG-CEL-L", "28.00", "Mug"),
                ("1", "RUN-NAT", "45.00", "Runner"),
                status="refunded",
                cancelled="2024-06-02 09:00:00 +0000",
                refunded="101.00",
            ),
            *shopify_order(
                "#2002",
                "2024-06-03 12:00:00 +0000",
                ("1", "MUG-CEL-L", "28.00", "Mug"),
                status="refunded",
                refunded="28.00",
            ),
            *shopify_order(
                "#2003",
                "2024-06-04 12:00:00 +0000",
                ("3", "MUG-CEL-L", "28.00", "Mug"),
                status="partially_refunded",
                refunded="28.00",
            ),
            *shopify_order("#2004", "2024-06-05 12:00:00 +0000", ("1", "MUG-CEL-L", "28.00", "Mug"), status="voided"),
        ],
    )
    record = run(data)
    net = dict(Sale.objects.values_list("order_ref").annotate(units=Sum("quantity")))
    assert net == {"#2001": 0, "#2002": 0, "#2003": 3, "#2004": 0}
    assert set(Sale.objects.filter(order_ref="#2001").values_list("line_ref", "quantity")) == {
        ("1", 2),
        ("1-refund", -2),
        ("2", 1),
        ("2-refund", -1),
    }
    assert set(Sale.objects.filter(quantity__lt=0).values_list("date", flat=True)) == {
        dt.date(2024, 6, 1),
        dt.date(2024, 6, 3),
        dt.date(2024, 6, 5),
    }
    counts = record.report["counts"]
    assert (counts["rows_imported"], counts["lines_imported"], counts["refund_lines"]) == (5, 9, 4)
    notes = " ".join(record.report["notes"])
    assert "2 cancelled orders" in notes and "1 fully refunded order" in notes
    assert "1 partially refunded order counts as sold" in notes


def test_an_order_cancelled_after_it_was_imported_gets_only_its_reversal(variants):
    live = shopify_order("#3001", "2024-07-01 12:00:00 +0000", ("2", "MUG-CEL-L", "28.00", "Mug"))
    run(to_csv(SHOPIFY_HEADER, live))
    cancelled = shopify_order(
        "#3001",
        "2024-07-01 12:00:00 +0000",
        ("2", "MUG-CEL-L", "28.00", "Mug"),
        status="refunded",
        cancelled="2024-07-03 08:00:00 +0000",
    )
    record = run(to_csv(SHOPIFY_HEADER, cancelled))
    assert record.rows_imported == 1 and record.report["counts"]["lines_imported"] == 1
    assert Sale.objects.aggregate(units=Sum("quantity"))["units"] == 0
    assert run(to_csv(SHOPIFY_HEADER, cancelled)).rows_imported == 0


# --- Row-level problems, unknown SKUs and the two modes --------------------------------------------


def bad_shopify() -> bytes:
    return to_csv(
        SHOPIFY_HEADER,
        [
            *shopify_order(
                "#1001",
                "2024-03-01 10:15:32 +0000",
                ("2", "MUG-CEL-L", "28.00", "Mug"),
                ("two", "RUN-NAT", "45.00", "Runner"),
            ),
            *shopify_order("#1002", "2024-13-45 10:00:00 +0000", ("1", "MUG-CEL-L", "abc", "Mug")),
            *shopify_order(
                "#1003",
                "2024-03-03 09:00:00 +0000",
                ("1", "", "5.00", "Gift wrap"),
                ("-1", "MUG-CEL-L", "28.00", "Mug"),
            ),
            *shopify_order(
                "#1004",
                "2024-03-04 09:00:00 +0000",
                ("1", "VASE-OLD", "60.00", "Vase"),
                ("2", "VASE-OLD", "60.00", "Vase"),
            ),
            *shopify_order(
                "#1005",
                "2024-03-05 09:00:00 +0000",
                ("1", "BOWL-9", "20.00", "Bowl"),
                ("1", "RUN-NAT", "45.00", "Runner"),
            ),
        ],
    )


def test_bad_rows_are_reported_with_row_column_and_what_is_wrong(variants):
    record = run(bad_shopify(), dry_run=True)
    assert problems(record) == [
        "row 3, Lineitem quantity: 'two' is not a whole number",
        "row 4, Created at: '2024-13-45 10:00:00 +0000' is not a real date",
        "row 4, Lineitem price: 'abc' is not a price",
        "row 5, Lineitem sku: the cell is empty; 'Gift wrap' has no SKU, so it can't be matched",
        "row 6, Lineitem quantity: '-1' is negative; quantities sold are 1 or more",
    ]
    assert record.report["problems"][0]["value"] == "two"
    assert record.report["problems_by_column"] == {
        "Lineitem quantity": 2,
        "Created at": 1,
        "Lineitem price": 1,
        "Lineitem sku": 1,
    }
    assert record.rows_bad == 4


def test_unknown_skus_are_listed_with_their_counts_for_matching(variants):
    record = run(bad_shopify(), dry_run=True)
    assert record.report["unknown_skus"] == [
        {"sku": "VASE-OLD", "rows": 2, "first_row": 7},
        {"sku": "BOWL-9", "rows": 1, "first_row": 9},
    ]
    assert record.rows_unknown_sku == 3 and record.report["unknown_skus_total"] == 2


def test_skus_match_case_insensitively_when_that_is_unambiguous(variants):
    VariantFactory(sku="Bowl-a")
    VariantFactory(sku="BOWL-A")
    data = b"date,sku,quantity\n2024-01-02,mug-cel-l,1\n2024-01-02,bowl-a,1\n"
    record = run(data)
    assert record.rows_imported == 1 and Sale.objects.get().variant == variants["mug"]
    assert record.report["unknown_skus"] == [{"sku": "bowl-a", "rows": 1, "first_row": 3}]


def test_good_rows_mode_imports_the_good_rows_and_reports_the_rest(variants):
    record = run(bad_shopify(), mode=GOOD)
    assert record.status == SalesImport.Status.IMPORTED
    assert set(Sale.objects.values_list("order_ref", "line_ref")) == {("#1001", "1"), ("#1005", "2")}
    assert (record.rows_read, record.rows_imported, record.rows_bad, record.rows_unknown_sku) == (9, 2, 4, 3)
    assert record.report["summary"] == "Imported 2 of 9 rows (4 with problems; 3 with unknown SKUs)."
    # Fixing the file and importing it again adds only what was missing.
    VariantFactory(sku="VASE-OLD")
    again = run(bad_shopify(), mode=GOOD)
    assert (again.rows_imported, again.rows_already_imported) == (2, 2)


def test_all_or_nothing_imports_nothing_when_a_row_is_bad_and_everything_when_none_is(variants):
    record = run(bad_shopify(), mode=ALL)
    assert record.status == SalesImport.Status.REJECTED
    assert Sale.objects.count() == 0
    assert record.report["counts"]["rows_to_import"] == 2
    assert record.report["summary"].startswith(
        "Nothing was imported because 7 rows can't be imported and you chose all or nothing"
    )
    assert len(record.report["problems"]) == 5  # the full report all the same
    record = run(shopify_sample(), mode=ALL)
    assert record.status == SalesImport.Status.IMPORTED and Sale.objects.count() == 4


def test_good_rows_mode_with_no_good_row_is_reported_as_nothing_imported(variants):
    record = run(b"date,sku,quantity\n2024-01-02,NOPE,1\nyesterday,MUG-CEL-L,1\n")
    assert record.status == SalesImport.Status.REJECTED
    assert record.report["summary"].startswith("Nothing was imported: none of the 2 rows can be imported")


def test_a_dry_run_reports_but_writes_no_sales(variants):
    record = run(shopify_sample(), dry_run=True)
    assert record.status == SalesImport.Status.CHECKED
    assert Sale.objects.count() == 0
    assert record.report["counts"]["rows_to_import"] == 4 and record.rows_imported == 0
    assert record.report["summary"] == "Check only, nothing was imported: 4 of 4 rows would be imported."


def test_plain_csv_values_are_checked(variants):
    data = (
        b"date,sku,quantity,unit_price,channel\n"
        b"01/02/2024,MUG-CEL-L,1,,\n"
        b"2024-02-30,MUG-CEL-L,1,,\n"
        b"2099-01-01,MUG-CEL-L,1,,\n"
        b"2024-01-02,MUG-CEL-L,0,,\n"
        b"2024-01-02,MUG-CEL-L,1.5,,\n"
        b"2024-01-02,MUG-CEL-L,1,-3.00,\n"
        b"2024-01-02,MUG-CEL-L,1,,fax\n"
        b"2024-01-02,,1,,\n"
    )
    assert problems(run(data, dry_run=True)) == [
        "row 2, date: '01/02/2024' is not a date; write it as YYYY-MM-DD",
        "row 3, date: '2024-02-30' is not a real date",
        "row 4, date: '2099-01-01' is in the future",
        "row 5, quantity: '0' is zero; a sale line needs at least 1 unit",
        "row 6, quantity: '1.5' is not a whole number",
        "row 7, unit_price: '-3.00' is negative; a price can't be",
        "row 8, channel: 'fax' is not a channel; use one of shopify, etsy, in_person, wholesale, other",
        "row 9, sku: the cell is empty; a SKU is required",
    ]


def test_only_the_first_thousand_problems_are_kept_but_all_are_counted(variants):
    data = "date,sku,quantity\n" + "2024-01-02,MUG-CEL-L,lots\n" * 1500
    record = run(data.encode(), dry_run=True)
    assert len(record.report["problems"]) == 1000
    assert record.report["counts"]["problems"] == 1500 and record.rows_bad == 1500


# --- Files that can't be read ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty (0 bytes)"),
        (b"\r\n\r\n  \r\n", "The file has no rows, only blank lines"),
        (
            b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4,
            "This is an Excel workbook or a ZIP archive, not a CSV file",
        ),
        (bytes(range(256)) * 64, "This looks like a binary file, not a CSV file"),
        (b"\x8f\x03\x91\xe2" * 2000, "This looks like a binary file, not a CSV file"),
        (b"order,product,qty\n1,MUG,2\n", "The header row doesn't match any format Atelier reads"),
        (b"2024-01-02,MUG-CEL-L,1\n2024-01-03,MUG-CEL-L,1\n", "The first row looks like data, not a header row"),
        (
            b"Name,Created at,Lineitem quantity,Lineitem sku\n#1,2024-01-01,1,MUG\n",
            "looks like a Shopify orders export but the header row is missing 'Lineitem price'",
        ),
        # A quote that is never closed swallows the rest of the file into one cell.
        (b'date,sku,quantity\n2024-01-02,"MUG' + b"x,1\n" * 40000, "Row 2 can't be read as CSV: a cell runs on"),
    ],
)
def test_a_file_that_cant_be_read_is_refused_with_a_clear_message(variants, data, message):
    record = run(data, name="weird.csv")
    assert record.status == SalesImport.Status.FAILED
    assert message in record.report["error"], record.report["error"]
    assert record.report["summary"].startswith("Nothing was imported.")
    assert Sale.objects.count() == 0
    assert SalesImport.objects.get() == record  # the refusal is on record too


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(variants, settings):
    settings.SALES_IMPORT_MAX_BYTES = 1024
    record = run(b"date,sku,quantity\n" + b"2024-01-02,MUG-CEL-L,1\n" * 100)
    assert record.status == SalesImport.Status.FAILED
    assert record.report["error"].startswith("The file is 2.3 KB; the limit is 1.0 KB. Export a shorter date range")


def test_a_file_in_windows_1252_is_read_with_a_note(variants):
    VariantFactory(sku="CAFÉ-BOWL")
    data = "date,sku,quantity,unit_price\n2024-01-02,CAFÉ-BOWL,1,£18.00\n".encode("cp1252")
    record = run(data)
    assert record.rows_imported == 1 and record.report["encoding"] == "Windows-1252"
    assert "isn't UTF-8" in record.report["notes"][0]
    assert Sale.objects.get().unit_price == Decimal("18.00")


def test_a_header_only_file_imports_nothing_and_says_so(variants):
    record = run(b"date,sku,quantity\n")
    assert record.rows_read == 0
    assert record.report["summary"] == "The file has a header row but no data rows; nothing to import."


# --- Short transactions, few queries -----------------------------------------------------------


def test_a_failure_while_writing_keeps_what_was_written_and_the_next_step_finishes_exactly(variants, monkeypatch):
    data = ("date,sku,quantity\n" + "".join(f"2024-01-{d:02d},MUG-CEL-L,1\n" for d in range(1, 29))).encode()
    calls = []
    original = Sale.objects.bulk_create

    def failing_bulk_create(objs, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(objs, **kwargs)

    monkeypatch.setattr(Sale.objects, "bulk_create", failing_bulk_create)
    with pytest.raises(RuntimeError):
        run(data, batch_size=10)
    monkeypatch.undo()
    assert calls == [10, 10]
    # The first chunk committed with its checkpoint; the failed one rolled back whole.
    record = SalesImport.objects.get()
    assert record.status == SalesImport.Status.RUNNING and Sale.objects.count() == 10
    assert record.checkpoint["written"] == 10
    SalesImport.objects.filter(pk=record.pk).update(lease_until=None)  # its worker is gone
    assert sales_import_step(import_id=record.pk, seconds=None, batch_size=10) == "done"
    record.refresh_from_db()
    assert record.status == SalesImport.Status.IMPORTED and record.rows_imported == 28
    assert Sale.objects.count() == 28 and StagedSale.objects.count() == 0


def test_the_number_of_queries_grows_with_the_chunks_not_the_rows(variants):
    def rows(n: int) -> bytes:
        return (
            "date,sku,quantity\n" + "".join(f"2024-01-{1 + i % 28:02d},MUG-CEL-L,{1 + i // 28}\n" for i in range(n))
        ).encode()

    counts = []
    for n, batch in ((300, 100), (1200, 400)):
        with CaptureQueriesContext(connection) as queries:
            record = run(rows(n), batch_size=batch)
        assert record.rows_imported == n
        counts.append(len(queries))
        Sale.objects.all().delete()
    # Four times the rows in as many chunks: only SQLite's limit on parameters per INSERT adds a few.
    assert counts[1] < counts[0] * 1.5
