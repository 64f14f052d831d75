"""The dashboard's catalogue and sales figures (studio.figures).

At 100,000 variants the dashboard's three aggregates (variants' count, stock and low stock; active
products; the last 30 days' sales) took 19-106 ms of SQL on every visit. They are now summed by maker in
the background, with the stock alerts' refresh that every change to them queues, and the dashboard reads
a few rows while they are current; when they are not (a change since, a new installation) it computes
them as before, so the figures are never stale.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.selectors import catalog_summary_for
from forecasting import stored_alerts
from forecasting.selectors import sales_summary_for
from studio.models import MakerFigures
from tests.factories import ProductFactory, SaleFactory, VariantFactory

pytestmark = pytest.mark.django_db

VARIANT_AGGREGATE = 'SUM("catalog_variant"."stock_on_hand")'
SALES_AGGREGATE = 'SUM("forecasting_sale"."quantity")'


@pytest.fixture
def catalogue(artisan, other_artisan):
    today = timezone.localdate()
    for n in range(9):
        maker = artisan if n % 3 else other_artisan
        product = ProductFactory(maker=maker, is_active=n != 4, made_to_order=n == 5)
        for k in range(1 + n % 2):
            variant = VariantFactory(product=product, sku=f"FIG-{n}-{k}", stock_on_hand=(n * 5 + k) % 7)
            SaleFactory(
                variant=variant, date=today - dt.timedelta(days=3 * n), quantity=n + 1, unit_price=Decimal("12.50")
            )
            SaleFactory(variant=variant, date=today - dt.timedelta(days=40), quantity=9)  # before the 30 days
    ProductFactory(maker=artisan)  # no variants


@pytest.fixture(autouse=True)
def queued(monkeypatch):
    """Refreshes queued, not run (as with a worker that hasn't picked them up yet; tests run tasks at once)."""
    tasks = []
    monkeypatch.setattr(stored_alerts, "async_task", lambda func, *args: tasks.append(func))
    return tasks


def dashboard(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    sql = " ".join(query["sql"] for query in queries)
    return response.context["catalog"], response.context["sales"], sql


def expected(user):
    since = timezone.localdate() - dt.timedelta(days=30)
    return catalog_summary_for(user), sales_summary_for(user, since=since)


@pytest.mark.parametrize("who", ["manager", "artisan", "other_artisan"])
def test_current_figures_are_read_stored_and_are_the_computed_ones(catalogue, who, request, client):
    user = request.getfixturevalue(who)
    client.force_login(user)
    stored_alerts.alerts_refresh_all(today=timezone.localdate())
    catalog, sales, sql = dashboard(client)
    want_catalog, want_sales = expected(user)
    assert catalog == want_catalog and catalog["variant_count"] > 0 and catalog["low_stock_count"] > 0
    assert sales["units"] == want_sales["units"] > 0
    assert Decimal(sales["revenue"]) == want_sales["revenue"] > 0
    assert sales["since"] == want_sales["since"]
    assert VARIANT_AGGREGATE not in sql and SALES_AGGREGATE not in sql
    assert 'COUNT(*) AS "__count" FROM "catalog_product"' not in sql  # nor the active products counted
    assert sql.count('FROM "forecasting_stockalertstate"') == 1  # the alerts and the figures read it once


def test_a_change_is_shown_at_once_and_stored_again_by_the_refresh(
    catalogue, manager, manager_client, django_capture_on_commit_callbacks
):
    stored_alerts.alerts_refresh_all(today=timezone.localdate())
    before, _, _ = dashboard(manager_client)
    with django_capture_on_commit_callbacks(execute=True):  # a save marks the figures changed once it commits
        variant = VariantFactory(product=ProductFactory(maker=manager), stock_on_hand=40)
        SaleFactory(variant=variant, date=timezone.localdate(), quantity=5, unit_price=Decimal("3.00"))
    catalog, sales, sql = dashboard(manager_client)
    assert VARIANT_AGGREGATE in sql  # computed: what is stored is not current
    assert catalog["variant_count"] == before["variant_count"] + 1
    assert catalog["stock_units"] == before["stock_units"] + 40
    stored_alerts.alerts_refresh_all(today=timezone.localdate())
    catalog, sales, sql = dashboard(manager_client)
    assert VARIANT_AGGREGATE not in sql and catalog == expected(manager)[0]
    assert sales["units"] == expected(manager)[1]["units"]


def test_figures_never_stored_or_stored_by_another_refresh_are_not_used(catalogue, manager, manager_client):
    """A new installation (or a source added since the last refresh): the alerts are current but no figures
    were stored with them; the dashboard computes them rather than show zeros."""
    stored_alerts.alerts_refresh_all(today=timezone.localdate())
    MakerFigures.objects.all().delete()
    catalog, sales, sql = dashboard(manager_client)
    assert VARIANT_AGGREGATE in sql and SALES_AGGREGATE in sql
    assert catalog == expected(manager)[0] and catalog["product_count"] > 0
    stored_alerts.alerts_refresh_all(today=timezone.localdate())
    MakerFigures.objects.filter(maker__isnull=True).update(computed_from=timezone.now() - dt.timedelta(hours=1))
    catalog, _, sql = dashboard(manager_client)
    assert VARIANT_AGGREGATE in sql and catalog == expected(manager)[0]


def test_the_figures_of_a_new_day_are_computed_until_its_refresh(catalogue, manager, manager_client):
    stored_alerts.alerts_refresh_all(today=timezone.localdate() - dt.timedelta(days=1))
    _, sales, sql = dashboard(manager_client)
    assert SALES_AGGREGATE in sql and sales["units"] == expected(manager)[1]["units"]


def test_a_maker_with_nothing_sees_zeros(catalogue, client, django_user_model):
    from django.contrib.auth.models import Group

    from studio.permissions import ARTISANS

    newcomer = django_user_model.objects.create_user("newcomer", password="x")
    newcomer.groups.add(Group.objects.get(name=ARTISANS))
    client.force_login(newcomer)
    stored_alerts.alerts_refresh_all(today=timezone.localdate())
    catalog, sales, sql = dashboard(client)
    assert VARIANT_AGGREGATE not in sql
    assert catalog == {"product_count": 0, "variant_count": 0, "stock_units": 0, "low_stock_count": 0}
    assert sales["units"] == 0 and sales["revenue"] == 0


def test_a_sale_edited_or_deleted_one_by_one_marks_the_figures_changed(
    catalogue, manager, django_capture_on_commit_callbacks
):
    from forecasting.models import Sale

    today = timezone.localdate()
    stored_alerts.alerts_refresh_all(today=today)
    assert stored_alerts._state().is_current(today)
    sale = Sale.objects.filter(date__gte=today - dt.timedelta(days=30)).first()
    sale.quantity += 10
    with django_capture_on_commit_callbacks(execute=True):
        sale.save()  # the admin's change form
    assert not stored_alerts._state().is_current(today)
    stored_alerts.alerts_refresh_all(today=today)
    with django_capture_on_commit_callbacks(execute=True):
        sale.delete()
    assert not stored_alerts._state().is_current(today)


def test_the_whole_catalogue_is_paged_by_the_stored_count(catalogue, manager, manager_client, artisan, client):
    """The catalogue's pager counted every active product on each page (~7-26 ms at 100,000)."""
    count_sql = 'COUNT(*) AS "__count" FROM "catalog_product"'
    for user, browser in ((manager, manager_client), (artisan, client)):
        browser.force_login(user)
        stored_alerts.alerts_refresh_all(today=timezone.localdate())
        with CaptureQueriesContext(connection) as queries:
            page = browser.get(reverse("product-list")).context["page"]
        assert count_sql not in " ".join(query["sql"] for query in queries)
        assert page.paginator.count == catalog_summary_for(user)["product_count"] == len(page.object_list) > 0
        # A search counts what it found, not the stored count of the whole catalogue.
        found = browser.get(reverse("product-list"), {"q": "FIG-1"}).context["page"]
        assert found.paginator.count == len(found.object_list) >= 1
        assert found.paginator.count < page.paginator.count
