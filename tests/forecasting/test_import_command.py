"""manage.py import_sales: the same import, the report on stdout."""

import io

import pytest
from django.core.management import CommandError, call_command

from forecasting.models import Sale, SalesImport
from tests.factories import VariantFactory
from tests.forecasting.samples import plain_sample, shopify_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def variants():
    return [VariantFactory(sku="MUG-CEL-L"), VariantFactory(sku="RUN-NAT")]


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_sales", *args, stdout=out)
    return out.getvalue()


def test_imports_a_file_and_prints_the_report(tmp_path, variants):
    path = tmp_path / "orders_export.csv"
    path.write_bytes(shopify_sample())
    output = run(str(path))
    assert "Imported 4 of 4 rows." in output
    assert "Format: Shopify orders export (UTF-8)" in output
    assert Sale.objects.count() == 4
    assert "Nothing new: 4 rows read (4 already imported)." in run(str(path))


def test_dry_run_and_forced_format(tmp_path, variants):
    path = tmp_path / "market.csv"
    path.write_bytes(plain_sample() + b"2024-04-09,NEW-SKU,1,,,\r\n2024-04-09,MUG-CEL-L,lots,,,\r\n")
    output = run(str(path), "--dry-run", "--format", "plain")
    assert "Check only, nothing was imported" in output
    assert "row 9, quantity: 'lots' is not a whole number" in output
    assert "NEW-SKU  (1 row, first on row 8)" in output
    assert Sale.objects.count() == 0


def test_all_or_nothing_fails_with_a_nonzero_exit_when_a_row_is_bad(tmp_path, variants):
    path = tmp_path / "market.csv"
    path.write_bytes(plain_sample() + b"2024-04-09,MUG-CEL-L,lots,,,\r\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(str(path), "--mode", "all-or-nothing")
    assert Sale.objects.count() == 0
    assert SalesImport.objects.get().status == SalesImport.Status.REJECTED


def test_a_missing_or_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        run(str(tmp_path / "nope.csv"))
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError):
        run(str(path))
