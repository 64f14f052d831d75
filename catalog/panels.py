"""What the catalogue adds to other pages: dashboard numbers and low stock, and its bulk actions on ticked
products (stage photos into looks, write listing copy)."""

from __future__ import annotations

from django.urls import reverse

from catalog.listings.services import listing_write_batch
from catalog.models import Look, Product, StagedImage
from catalog.selectors import CATALOG_FIGURES, catalog_figures_by_maker, catalog_summary_for, low_stock_variants_for
from catalog.staging.services import staging_start
from studio import figures, panels
from studio.parsing import ascii_ids
from studio.permissions import VIEW
from studio.selectors import job_unit_ids

LOW_STOCK_SHOWN = 50
JOB_PRODUCTS_SHOWN = 100


def _summary(request, obj) -> dict:
    cached = getattr(request, "_catalog_summary_panel", None)
    if cached is None:
        stored = figures.stored_figures(request, "catalog")
        summary = stored if stored is not None else catalog_summary_for(request.user)
        cached = request._catalog_summary_panel = {"catalog": summary}
    return cached


def _low_stock(request) -> list[panels.Attention]:
    """Variants with two or fewer left; forecasting's stock-out risk for the same variant says more and wins."""
    items = []
    for variant in low_stock_variants_for(request.user).select_related("product")[:LOW_STOCK_SHOWN]:
        name = variant.product.title + (f", {variant.title}" if variant.title else "")
        out = variant.stock_on_hand <= 0
        items.append(
            panels.Attention(
                urgency=panels.URGENCY_NOW if out else panels.URGENCY_THIS_WEEK,
                title=f"{name}: {'out of stock' if out else f'{variant.stock_on_hand} left'}",
                url=reverse("product-detail", args=[variant.product_id]),
                label="Out of stock" if out else "Low stock",
                tone="danger" if out else "ochre",
                detail=variant.sku,
                key=f"variant:{variant.pk}",
            )
        )
    return items


def _job_products(request, job) -> dict | None:
    """The products a job worked on, each with whether its part succeeded."""
    units = job_unit_ids(job, prefix="product")
    if not units:  # a staging job counts images: a product succeeded when all of its images did
        images = job_unit_ids(job, prefix="staged")
        for staged_id, product_id in StagedImage.objects.filter(pk__in=images).values_list("pk", "product_id"):
            units[product_id] = units.get(product_id, True) and images[staged_id]
    if not units:
        return None
    products = Product.objects.restrict(request.user, VIEW).filter(pk__in=units).order_by("title")[:JOB_PRODUCTS_SHOWN]
    return {"job_products": [(product, units[product.pk]) for product in products]}


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
panels.register_attention("low_stock", _low_stock, order=20)
figures.register_figures("catalog", catalog_figures_by_maker, keys=CATALOG_FIGURES)
panels.register(
    panels.Panel(
        slot="job", name="products", template="catalog/panels/job_products.html", context=_job_products, order=10
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
