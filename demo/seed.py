"""Seed a believable demo studio into an empty database.

A shop manager and three makers, the studio profile, forty products with the
makers' facts, variants and stock, photos drawn for each product, and two years
of daily sales ending yesterday. Everything is derived from one seed, so two
runs with the same seed on the same day give the same catalogue and history.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from catalog.services import category_get_or_create, photo_add, photo_prepare, product_create
from forecasting.services import sales_bulk_create
from demo.catalogue import CATEGORIES, COLOURS, PEOPLE, PRODUCTS, STUDIO, ProductSpec, VariantSpec
from demo.photos import Shot, render_photo
from demo.sales import Demand, SaleLine, generate_sales
from studio.permissions import ARTISANS, MANAGERS
from studio.services import studio_profile_get

HISTORY_DAYS = 730


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    makes: str = ""


@dataclass(frozen=True)
class DemoSummary:
    seeded: bool
    studio: str = ""
    logins: tuple[DemoLogin, ...] = ()
    categories: int = 0
    products: int = 0
    variants: int = 0
    photos: int = 0
    sales: int = 0
    drafts: int = 0
    first_sale: dt.date | None = None
    last_sale: dt.date | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class PhotoJob:
    product: int  # index into the product specs
    variant: int
    shot: Shot
    seed: int


def sku_of(product: ProductSpec, variant: VariantSpec) -> str:
    return f"{product.sku}-{variant.code}"


def demand_for(specs: Sequence[ProductSpec], *, end: dt.date) -> list[Demand]:
    """Each variant's selling pattern: its share of the product's sales, launch and season."""
    demand = []
    for product in specs:
        total_share = sum(v.share for v in product.variants)
        launched = end - dt.timedelta(weeks=product.launched_weeks_ago) if product.launched_weeks_ago else None
        for variant in product.variants:
            demand.append(Demand(
                sku=sku_of(product, variant),
                category=product.category,
                unit_price=variant.price if variant.price is not None else product.price,
                weekly_units=product.weekly_units * variant.share / total_share,
                launched=launched,
                seasonal=product.seasonal,
                # cheap consumables go in twos and threes
                extra_units=0.35 if product.category == "Candles" or product.price < 20 else 0.15,
            ))
    return demand


def photo_jobs(specs: Sequence[ProductSpec], *, seed: int) -> list[PhotoJob]:
    """One shot of the first variant, and one of the next variant that looks different."""
    jobs = []
    for i, product in enumerate(specs):
        looks: list[tuple[int, tuple]] = []
        for j, variant in enumerate(product.variants):
            look = (variant.colour, variant.accent, variant.label)
            if look not in [seen for _, seen in looks]:
                looks.append((j, look))
        for n, (j, _) in enumerate(looks[:2]):
            variant = product.variants[j]
            shot = Shot(
                shape=product.shape,
                colour=COLOURS[variant.colour],
                accent=COLOURS[variant.accent] if variant.accent else None,
                label=variant.label,
            )
            jobs.append(PhotoJob(product=i, variant=j, shot=shot, seed=seed * 1_000_003 + i * 10 + n))
    return jobs


def stock_levels(specs: Sequence[ProductSpec], lines: Sequence[SaleLine], *, end: dt.date,
                 seed: int) -> dict[str, int]:
    """Stock on hand: a few weeks of cover for most, some sold out, some down to the last one or two."""
    recent: dict[str, int] = defaultdict(int)
    since = end - dt.timedelta(days=27)
    for line in lines:
        if line.date >= since:
            recent[line.sku] += line.quantity
    rng = np.random.default_rng([seed, 3])
    stock = {}
    for product in specs:
        for variant in product.variants:
            sku, draw = sku_of(product, variant), rng.random()
            weekly = max(recent[sku], 0) / 4
            if product.made_to_order:
                stock[sku] = int(draw < 0.25)  # at most a display piece
            elif draw < 0.12:
                stock[sku] = 0
            elif draw < 0.3:
                stock[sku] = int(rng.integers(1, 3))
            else:
                stock[sku] = max(3, round(weekly * rng.uniform(1.5, 5.0)) + int(rng.integers(0, 4)))
    return stock


def demo_seed(
    *,
    seed: int = 7,
    today: dt.date | None = None,
    photo_size: int = 2000,
    product_limit: int | None = None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo studio; do nothing if any product exists.

    Photos and sales are computed before the transaction opens, so the database
    is locked only for the writes; the writes are one transaction, so a failure
    leaves no half-seeded studio (photo files already written may remain).
    photo_size and product_limit exist so tests can seed a smaller studio quickly.
    """
    if seed < 0:
        raise ValueError("The demo seed must be zero or more.")
    started = time.monotonic()
    say = progress or (lambda message: None)
    if Product.objects.exists():
        return DemoSummary(seeded=False)
    end = (today or timezone.localdate()) - dt.timedelta(days=1)
    start = end - dt.timedelta(days=HISTORY_DAYS - 1)
    specs = PRODUCTS[:product_limit] if product_limit else PRODUCTS

    jobs = photo_jobs(specs, seed=seed)
    say(f"Drawing {len(jobs)} product photos and checking them (QC, cut-out)…")
    password = settings.ATELIER_DEMO_PASSWORD
    with ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1)) as pool:
        # Password hashing is slow on purpose; let it run beside the drawing.
        hashes = pool.map(lambda _: make_password(password), PEOPLE)
        photos = list(pool.map(lambda job: render_photo(shot=job.shot, seed=job.seed, size=photo_size), jobs))
        # Intake, QC and the cut-out need no database: run them here, not inside the transaction.
        prepared = list(pool.map(lambda pair: photo_prepare(content=pair[1], filename=_photo_name(specs, pair[0])),
                                 zip(jobs, photos)))
        hashes = list(hashes)
    say(f"Generating {HISTORY_DAYS} days of sales…")
    lines = generate_sales(demand=demand_for(specs, end=end), start=start, end=end, seed=seed)
    stock = stock_levels(specs, lines, end=end, seed=seed)

    say("Writing the studio to the database…")
    with transaction.atomic():
        if Product.objects.exists():  # another process seeded while we were drawing
            return DemoSummary(seeded=False)
        users, logins = _people(hashes)
        _studio_profile()
        categories = {name: category_get_or_create(name=name) for name in CATEGORIES}
        products, sku_ids = [], {}
        for spec in specs:
            product = _product(spec, maker=users[spec.maker], category=categories[spec.category], stock=stock)
            products.append(product)
            sku_ids.update({v.sku: v.pk for v in product.variants.all()})
        for job, content, ready in zip(jobs, photos, prepared):
            spec, variant = specs[job.product], specs[job.product].variants[job.variant]
            photo_add(
                product=products[job.product],
                content=content,
                filename=_photo_name(specs, job),
                uploaded_by=users[spec.maker],
                alt_text=_alt_text(spec, variant),
                prepared=ready,
            )
        sales = sales_bulk_create(rows=(_sale_row(line, sku_ids) for line in lines), batch_size=2000)

    say("Writing listing copy into the review queue…")
    drafts = _listing_drafts(products, users)
    say("Staging photos into the studio's looks…")
    drafts += _staged_images(products, workers=workers)
    say("Forecasting demand and planning production…")
    drafts += _forecasts_and_plans(users)
    return DemoSummary(
        seeded=True,
        studio=STUDIO["name"],
        logins=tuple(logins),
        categories=len(categories),
        products=len(products),
        variants=len(sku_ids),
        photos=len(jobs),
        sales=sales,
        drafts=drafts,
        first_sale=lines[0].date if lines else None,
        last_sale=lines[-1].date if lines else None,
        seconds=time.monotonic() - started,
    )


def _photo_name(specs: Sequence[ProductSpec], job: PhotoJob) -> str:
    spec = specs[job.product]
    return f"{sku_of(spec, spec.variants[job.variant]).lower()}.jpg"


def _listing_drafts(products: list[Product], users: dict) -> int:
    """Listing copy for every product, as the offline copywriter writes it, so the
    review queue has real work in it: every fourth product's copy is already
    approved by its maker, and every eighth has a newer, shorter version waiting
    (a diff against the approved one)."""
    from approvals.selectors import review_items_for_draft
    from approvals.services import review_decide
    from catalog.listings.services import listing_write

    waiting = 0
    for index, product in enumerate(products):
        draft = listing_write(product_id=product.pk)
        if index % 4:
            waiting += 1
            continue
        item = review_items_for_draft(draft=draft).first()
        review_decide(item_id=item.pk, user=product.maker, approve=True, seen_hash=item.snapshot_hash)
        if index % 8 == 0:
            listing_write(product_id=product.pk, instructions="Make it shorter.")
            waiting += 1
    return waiting


def _staged_images(products: list[Product], *, workers: int | None) -> int:
    """Each product's first photo staged into the first two looks; where the listing copy
    is approved, the first staged image is approved too, so those products are ready to
    publish. The renders run in a pool; the writes one by one."""
    from approvals.selectors import review_items_for_draft
    from approvals.services import review_decide
    from catalog.models import Look, StagedImage
    from catalog.staging.base import encode_png
    from catalog.staging.services import (
        looks_ensure_starters, staged_image_prepare, staged_image_store, staged_seed_for,
    )

    looks_ensure_starters()
    looks = list(Look.objects.filter(is_active=True, current__isnull=False).select_related("current")[:2])
    rows = []
    for product in products:
        photo = product.photos.order_by("position", "id").first()
        if photo is None or not photo.mask:
            continue
        for look in looks:
            staged, _ = StagedImage.objects.get_or_create(photo=photo, look=look, defaults={"product": product})
            staged.look_version = look.current
            staged.seed = staged_seed_for(photo=photo, version=look.current)
            staged.save(update_fields=["look_version", "seed"])
            rows.append(staged)
    def render(staged):
        result, stager_name = staged_image_prepare(staged=staged)
        content = encode_png(result.image)
        result = dataclasses.replace(result, image=result.image.resize((1, 1)))  # keep the PNG, drop the pixels
        return result, stager_name, content

    waiting = 0
    approved_copy = {product.pk for index, product in enumerate(products) if index % 4 == 0}
    with ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1)) as pool:
        renders = list(pool.map(render, rows))
    for staged, (result, stager_name, content) in zip(rows, renders):
        staged = staged_image_store(staged_id=staged.pk, result=result, stager_name=stager_name, content=content)
        if staged.product_id in approved_copy and staged.look_id == looks[0].pk:
            item = review_items_for_draft(draft=staged).first()
            review_decide(item_id=item.pk, user=staged.product.maker, approve=True, seen_hash=item.snapshot_hash)
        else:
            waiting += 1
    return waiting


def _forecasts_and_plans(users: dict) -> int:
    """Every variant's forecast and each maker's production plan (a draft), as the nightly job makes them."""
    from catalog.models import Variant
    from forecasting.demand import forecasts_fit, production_plans_build
    from studio.models import MakerProfile

    for person in PEOPLE:
        if person.role == "artisan" and person.weekly_hours:
            MakerProfile.objects.get_or_create(user=users[person.username], defaults={"weekly_hours": person.weekly_hours})
    forecasts_fit(variant_ids=list(Variant.objects.values_list("pk", flat=True)))
    return len(production_plans_build())


def _people(hashes: list[str]) -> tuple[dict, list[DemoLogin]]:
    """The manager and the makers. An account that already exists is used as it is:
    its password and groups are someone's, not the demo's."""
    User = get_user_model()
    groups = {"manager": Group.objects.get(name=MANAGERS), "artisan": Group.objects.get(name=ARTISANS)}
    users, logins = {}, []
    for person, hashed in zip(PEOPLE, hashes):
        user, created = User.objects.get_or_create(
            username=person.username,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "is_staff": True,  # both roles work in the admin too
                "password": hashed,
            },
        )
        if created:
            user.groups.add(groups[person.role])
            logins.append(DemoLogin(person.username, "shop manager" if person.role == "manager" else "artisan",
                                    person.makes))
        users[person.username] = user
    return users, logins


def _studio_profile() -> None:
    """Fill in the studio profile unless someone already has."""
    profile = studio_profile_get()
    untouched = profile.name == "My studio" and not profile.brand_voice and not profile.marketplace_profiles
    if not untouched:
        return
    for field, value in STUDIO.items():
        setattr(profile, field, value)
    profile.full_clean()
    profile.save()


def _product(spec: ProductSpec, *, maker, category, stock: dict[str, int]) -> Product:
    single = len(spec.variants) == 1
    return product_create(
        title=spec.title,
        maker=maker,
        price=spec.price,
        category=category,
        variants=[
            {
                "sku": sku_of(spec, variant),
                "title": "" if single else variant.title,
                "options": dict(variant.options),
                "price": variant.price,
                "stock_on_hand": stock[sku_of(spec, variant)],
            }
            for variant in spec.variants
        ],
        materials=list(spec.materials),
        techniques=list(spec.techniques),
        dimensions=spec.dimensions,
        weight_grams=spec.weight_grams,
        care=spec.care,
        story=spec.story,
        made_to_order=spec.made_to_order,
        lead_time_days=spec.lead_time_days,
        minutes_per_unit=spec.minutes_per_unit,
        batch_size=spec.batch_size,
        unit_cost=(spec.price * Decimal("0.32")).quantize(Decimal("0.01")),  # clay, glaze, firing; yarn; silver
    )


def _alt_text(spec: ProductSpec, variant: VariantSpec) -> str:
    what = spec.title if len(spec.variants) == 1 else f"{spec.title}, {variant.title}"
    return f"{what} on a plain light background"[:125]


def _sale_row(line: SaleLine, sku_ids: dict[str, int]) -> dict:
    return {
        "variant_id": sku_ids[line.sku],
        "date": line.date,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "channel": line.channel,
        "order_ref": line.order_ref,
        "line_ref": line.line_ref,
    }
