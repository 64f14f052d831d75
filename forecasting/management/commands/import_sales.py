"""manage.py import_sales FILE: the same import as the upload page, with the report on stdout."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from forecasting.models import SalesImport
from forecasting.services import sales_import

MODES = {"good-rows": SalesImport.Mode.GOOD_ROWS, "all-or-nothing": SalesImport.Mode.ALL_OR_NOTHING}
PROBLEMS_PRINTED = 100


class Command(BaseCommand):
    help = "Import a Shopify orders export, an Etsy sold order items CSV or a plain date,sku,quantity CSV."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file.")
        parser.add_argument(
            "--format",
            default="auto",
            choices=["auto", *SalesImport.Format.values],
            help="File format (default: detect from the header row).",
        )
        parser.add_argument(
            "--mode",
            default="good-rows",
            choices=list(MODES),
            help="good-rows: import the good rows and report the rest; "
            "all-or-nothing: import nothing if any row is bad.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only: print the report, import nothing.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        with path.open("rb") as file:
            record = sales_import(
                file=file,
                file_name=path.name,
                file_format=options["format"],
                mode=MODES[options["mode"]],
                dry_run=options["dry_run"],
            )
        self._print(record)
        if record.status in (SalesImport.Status.FAILED, SalesImport.Status.REJECTED):
            raise CommandError(f"Nothing was imported (report: sales import #{record.pk}).")

    def _print(self, record: SalesImport) -> None:
        report, out = record.report, self.stdout
        style = self.style.SUCCESS if record.status == SalesImport.Status.IMPORTED else self.style.WARNING
        out.write(style(report["summary"]))
        if report["error"]:
            return
        counts = report["counts"]
        out.write(f"Format: {report['format_label']} ({report['encoding']})")
        for label, key in [
            ("Rows read", "rows_read"),
            ("Imported", "rows_imported"),
            ("Would import", "rows_to_import"),
            ("Already imported", "rows_already_imported"),
            ("Repeated in the file", "rows_duplicate"),
            ("Bad rows", "rows_bad"),
            ("Unknown SKU rows", "rows_unknown_sku"),
            ("Sale lines written", "lines_imported"),
        ]:
            out.write(f"  {label + ':':<22}{counts[key]:>10,}")
        for note in report["notes"]:
            out.write(f"Note: {note}")
        if report["problems"]:
            shown = report["problems"][:PROBLEMS_PRINTED]
            out.write(f"Problems ({len(shown)} of {counts['problems']:,}):")
            for problem in shown:
                out.write(f"  row {problem['row']}, {problem['column']}: {problem['message']}")
        if report["unknown_skus"]:
            out.write(f"Unknown SKUs ({report['unknown_skus_total']:,}):")
            for item in report["unknown_skus"]:
                out.write(
                    f"  {item['sku']}  ({item['rows']:,} row{'s' if item['rows'] != 1 else ''}, first on row {item['first_row']})"
                )
