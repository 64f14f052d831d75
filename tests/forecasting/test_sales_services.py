import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from forecasting.models import Sale
from forecasting.services import sales_bulk_create
from studio.sales_channels import SalesChannel
from tests.factories import SaleFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _row(variant, order_ref, line_ref="1", *, channel=SalesChannel.SHOPIFY, quantity=1):
    return {
        "variant": variant,
        "date": dt.date(2025, 3, 1),
        "quantity": quantity,
        "unit_price": Decimal("28.00"),
        "channel": channel,
        "order_ref": order_ref,
        "line_ref": line_ref,
    }


def test_inserts_new_lines_and_counts_them():
    variant = VariantFactory()
    created = sales_bulk_create(rows=[_row(variant, "#1001"), _row(variant, "#1001", "2"), _row(variant, "#1002")])
    assert created == 3
    assert set(Sale.objects.values_list("order_ref", "line_ref")) == {("#1001", "1"), ("#1001", "2"), ("#1002", "1")}


def test_lines_already_stored_are_skipped_and_not_counted():
    variant = VariantFactory()
    SaleFactory(variant=variant, channel=SalesChannel.SHOPIFY, order_ref="#1001", line_ref="1", quantity=5)
    created = sales_bulk_create(rows=[_row(variant, "#1001"), _row(variant, "#1002")])
    assert created == 1
    assert Sale.objects.count() == 2
    assert Sale.objects.get(order_ref="#1001").quantity == 5  # the stored line is left as it was


def test_importing_the_same_lines_twice_adds_nothing():
    variant = VariantFactory()
    rows = [_row(variant, f"#{1000 + i}") for i in range(7)]
    assert sales_bulk_create(rows=rows, batch_size=3) == 7
    assert sales_bulk_create(rows=rows, batch_size=3) == 0
    assert Sale.objects.count() == 7


def test_duplicates_within_one_call_are_stored_once_even_across_batches():
    variant = VariantFactory()
    rows = [_row(variant, "#1"), _row(variant, "#2"), _row(variant, "#1"), _row(variant, "#3"), _row(variant, "#2")]
    assert sales_bulk_create(rows=iter(rows), batch_size=2) == 3
    assert Sale.objects.count() == 3


def test_the_same_reference_on_another_channel_is_a_different_line():
    variant = VariantFactory()
    created = sales_bulk_create(rows=[_row(variant, "1001"), _row(variant, "1001", channel=SalesChannel.ETSY)])
    assert created == 2


def test_accepts_unsaved_sale_objects_and_refund_lines():
    variant = VariantFactory()
    sales = [Sale(**_row(variant, "#9")), Sale(**_row(variant, "#9", "R1", quantity=-1))]
    assert sales_bulk_create(rows=sales) == 2
    assert sorted(Sale.objects.values_list("quantity", flat=True)) == [-1, 1]


def test_a_bad_row_rolls_back_the_whole_call():
    variant = VariantFactory()
    rows = [_row(variant, f"#{i}") for i in range(5)] + [_row(variant, "#99", channel="fax")]
    with pytest.raises(ValidationError, match="Sale line 6: unknown channel 'fax'"):
        sales_bulk_create(rows=rows, batch_size=2)
    assert Sale.objects.count() == 0


def test_zero_quantity_and_missing_reference_are_refused():
    variant = VariantFactory()
    with pytest.raises(ValidationError, match="quantity must not be zero"):
        sales_bulk_create(rows=[_row(variant, "#1", quantity=0)])
    with pytest.raises(ValidationError, match="references must be 1 to 64 characters"):
        sales_bulk_create(rows=[_row(variant, "")])
