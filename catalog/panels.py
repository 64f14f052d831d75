"""Catalog's bulk actions on ticked products (studio.panels): stage photos into looks, write listing copy."""
from __future__ import annotations

from catalog.listings.services import listing_write_batch
from catalog.models import Look
from catalog.staging.services import staging_start
from studio import panels


def _stage(request, products):
    ids = [int(value) for value in request.POST.getlist("looks") if value.isdigit()]
    looks = list(Look.objects.filter(pk__in=ids, is_active=True, current__isnull=False))
    if not looks:
        raise panels.ActionRefused("Choose at least one look to stage into.")
    return staging_start(products=products, looks=looks, requested_by=request.user)


def _write_listing(request, products):
    return listing_write_batch(product_ids=[product.pk for product in products], requested_by=request.user)


panels.register_action(panels.ProductAction(
    name="stage", label="Stage photos into looks", start=_stage, order=10, needs_looks=True,
))
panels.register_action(panels.ProductAction(name="write_listing", label="Write listing copy", start=_write_listing, order=20))
