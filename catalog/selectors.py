"""Reads of the catalogue, always through restrict(): an artisan sees their own products."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from catalog.models import Category, Photo, Product, Variant
from studio.permissions import VIEW

LOW_STOCK = 2


def products_for(
    user,
    *,
    search: str = "",
    category: str = "",
    maker: int | None = None,
    include_inactive: bool = False,
) -> QuerySet[Product]:
    products = Product.objects.restrict(user, VIEW).select_related("maker", "category")
    if not include_inactive:
        products = products.filter(is_active=True)
    if search:
        products = products.filter(
            Q(title__icontains=search) | Q(handle__icontains=search) | Q(variants__sku__icontains=search)
        ).distinct()
    if category:
        products = products.filter(category__slug=category)
    if maker:
        products = products.filter(maker_id=maker)
    first_photo = Photo.objects.order_by("position", "id")
    # Per-product subqueries, not a GROUP BY over every product's variants: the database works them out
    # for the page's rows only, so the catalogue's page time doesn't grow with the catalogue (bench/pages.py).
    variants = Variant.objects.filter(product=OuterRef("pk")).order_by().values("product")
    return (
        products.annotate(
            variant_count=Coalesce(Subquery(variants.annotate(n=Count("pk")).values("n")), 0),
            stock_total=Subquery(variants.annotate(units=Sum("stock_on_hand")).values("units")),
        )
        .order_by("title", "id")
        .prefetch_related(Prefetch("photos", queryset=first_photo))
    )


def product_for(user, *, product_id: int) -> Product:
    from studio.permissions import get_for_user

    return get_for_user(
        Product.objects.select_related("maker", "category").prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "sku")),
            Prefetch("photos", queryset=Photo.objects.order_by("position", "id")),
        ),
        user,
        pk=product_id,
    )


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("name")


def _low_stock(threshold: int = LOW_STOCK) -> Q:
    """Variants running out: made-to-order pieces never are."""
    return Q(product__made_to_order=False, stock_on_hand__lte=threshold)


def low_stock_variants_for(user, *, threshold: int = LOW_STOCK) -> QuerySet[Variant]:
    return (
        Variant.objects.restrict(user, VIEW)
        .filter(_low_stock(threshold), product__is_active=True)
        .select_related("product")
        .order_by("stock_on_hand", "sku")
    )


def _variant_figures() -> dict[str, Any]:
    """The dashboard's variant figures of active products, as aggregates: in all, or by maker."""
    return {
        "variant_count": Count("pk"),
        "stock_units": Coalesce(Sum("stock_on_hand"), 0),
        "low_stock_count": Count("pk", filter=_low_stock()),
    }


CATALOG_FIGURES = ("product_count", *_variant_figures())


def catalog_figures_by_maker(today=None) -> dict[int, dict[str, int]]:
    """The dashboard's catalogue figures of every maker (studio.figures stores them in the background)."""
    figures: dict[int, dict[str, int]] = {}
    products = Product.objects.filter(is_active=True).values("maker_id").annotate(count=Count("pk")).order_by()
    for group in products:
        figures.setdefault(group["maker_id"], {})["product_count"] = group["count"]
    variants = (
        Variant.objects.filter(product__is_active=True)
        .values("product__maker_id")
        .annotate(**_variant_figures())
        .order_by()
    )
    for group in variants:
        maker = group.pop("product__maker_id")
        figures.setdefault(maker, {}).update(group)
    return figures


def catalog_summary_for(user) -> dict[str, Any]:
    """The dashboard's catalogue figures, computed: two queries (products; the variants' count, stock and low
    stock at once). The dashboard reads them stored (catalog.panels) while those are current."""
    products = Product.objects.restrict(user, VIEW).filter(is_active=True)
    variants = Variant.objects.restrict(user, VIEW).filter(product__is_active=True)
    return {"product_count": products.count(), **variants.aggregate(**_variant_figures())}


def staged_images_for(*, product: Product) -> list:
    """The product's staged images, each with `review` (its newest version in the queue) and `approved`."""
    from approvals.selectors import approved_items_for, latest_items_for
    from catalog.models import StagedImage

    staged = list(
        StagedImage.objects.filter(product=product)
        .select_related("look", "photo", "look_version")
        .order_by("photo__position", "photo_id", "look__position", "look__name")
    )
    latest = latest_items_for(drafts=staged)
    approved = approved_items_for(drafts=staged)
    for image in staged:
        image.review = latest.get(image.pk)
        image.approved = approved.get(image.pk)
    return staged
