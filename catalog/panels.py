"""What the catalogue adds to other pages: dashboard numbers and low stock, and its bulk actions on ticked
products (stage photos into looks, write listing copy)."""

from __future__ import annotations

from catalog.listings.services import listing_write_batch
from catalog.models import Look
from catalog.selectors import catalog_summary_for
from catalog.staging.services import staging_start
from studio import panels
from studio.parsing import ascii_ids


def _summary(request, obj) -> dict:
    cached = getattr(request, "_catalog_summary_panel", None)
    if cached is None:
        cached = request._catalog_summary_panel = {"catalog": catalog_summary_for(request.user)}
    return cached


def _stage(request, products):
    ids = ascii_ids(request.POST.getlist("looks"))
    looks = list(Look.objects.filter(pk__in=ids, is_active=True, current__isnull=False))
    if not looks:
        raise panels.ActionRefused("Choose at least one look to stage into.")
    return staging_start(products=products, looks=looks, requested_by=request.user)


def _write_listing(request, products):
    return listing_write_batch(product_ids=[product.pk for product in products], requested_by=request.user)


panels.register(
    panels.Panel(
        slot="dashboard_stats",
        name="products",
        template="catalog/panels/dashboard_products.html",
        context=_summary,
        order=10,
    )
)
panels.register(
    panels.Panel(
        slot="dashboard_stats",
        name="low_stock",
        template="catalog/panels/dashboard_low_stock_stat.html",
        context=_summary,
        order=50,
    )
)
panels.register(
    panels.Panel(
        slot="dashboard",
        name="low_stock",
        template="catalog/panels/dashboard_low_stock.html",
        context=_summary,
        order=20,
    )
)
panels.register_action(
    panels.ProductAction(
        name="stage",
        label="Stage photos into looks",
        start=_stage,
        order=10,
        needs_looks=True,
    )
)
panels.register_action(
    panels.ProductAction(name="write_listing", label="Write listing copy", start=_write_listing, order=20)
)
