"""Seed a believable demo studio into an empty database.

A shop manager and three makers, the studio profile, forty products with the
makers' facts, variants and stock, photos drawn for each product, two years
of daily sales ending yesterday, listing copy, staged images, galleries, forecasts and a
production plan per maker in the review queue. Everything is derived from one
seed, so two runs with the same seed on the same day give the same studio.

The pictures are what cost time (a 2000 px photo to draw, check and cut out, a
2048 px staged image to render), so the default size draws one photo per
product and stages a quarter of them, and fits forecasts without Prophet: it
seeds in well under a minute on a laptop. `--size large` draws every colourway,
stages every product into two looks and lets Prophet join the forecasts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.test.utils import override_settings
from django.utils import timezone

from approvals.models import ReviewState
from approvals.selectors import review_items_for_draft
from approvals.services import review_decide
from catalog.galleries.services import gallery_approved_images, gallery_propose
from catalog.listings.services import listing_write
from catalog.models import Look, Product, StagedImage, Variant
from catalog.services import category_get_or_create, photo_add, photo_prepare, product_create
from catalog.staging.base import encode_png
from catalog.staging.services import (
    StagingFailed,
    looks_ensure_starters,
    staged_image_mark_failed,
    staged_image_prepare,
    staged_image_store,
    staged_seed_for,
)
from demo.catalogue import CATEGORIES, COLOURS, PEOPLE, PRODUCTS, STUDIO, ProductSpec, VariantSpec
from demo.photos import Shot, render_photo
from demo.sales import Demand, SaleLine, generate_sales
from forecasting.demand import forecasts_fit, production_plans_build
from forecasting.services import sales_bulk_create
from studio.models import MakerProfile
from studio.permissions import ARTISANS, MANAGERS
from studio.services import studio_profile_get

HISTORY_DAYS = 730


@dataclass(frozen=True)
class DemoSize:
    """How much of the demo to build. Every size has the whole catalogue, the sales history, listing
    copy, forecasts and plans; sizes differ in the pictures and in Prophet, the slow parts."""

    name: str
    colourways: int  # photos per product: one per colourway that looks different, at most this many
    stage_every: int  # the first photo of every n-th product is staged
    both_looks: bool  # into the first two looks; otherwise into one of them, in turn
    prophet: bool | None  # Prophet in the forecast fits; None: as ATELIER_FORECAST_PROPHET says


SIZES: dict[str, DemoSize] = {
    "small": DemoSize("small", colourways=1, stage_every=4, both_looks=False, prophet=False),
    "large": DemoSize("large", colourways=2, stage_every=1, both_looks=True, prophet=None),
}
DEFAULT_SIZE = "small"


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
    staged_images: int = 0
    forecasts: int = 0
    plans: int = 0
    size: str = ""
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
            demand.append(
                Demand(
                    sku=sku_of(product, variant),
                    category=product.category,
                    unit_price=variant.price if variant.price is not None else product.price,
                    weekly_units=product.weekly_units * variant.share / total_share,
                    launched=launched,
                    seasonal=product.seasonal,
                    # cheap consumables go in twos and threes
                    extra_units=0.35 if product.category == "Candles" or product.price < 20 else 0.15,
                )
            )
    return demand


def photo_jobs(specs: Sequence[ProductSpec], *, seed: int, colourways: int = 2) -> list[PhotoJob]:
    """One shot of the first variant and, up to `colourways`, of the next variants that look different.

    A shot's seed depends only on its product and colourway, so the first photo is the same in every size."""
    jobs = []
    for i, product in enumerate(specs):
        looks: list[tuple[int, tuple]] = []
        for j, variant in enumerate(product.variants):
            look = (variant.colour, variant.accent, variant.label)
            if look not in [seen for _, seen in looks]:
                looks.append((j, look))
        for n, (j, _) in enumerate(looks[:colourways]):
            variant = product.variants[j]
            shot = Shot(
                shape=product.shape,
                colour=COLOURS[variant.colour],
                accent=COLOURS[variant.accent] if variant.accent else None,
                label=variant.label,
            )
            jobs.append(PhotoJob(product=i, variant=j, shot=shot, seed=seed * 1_000_003 + i * 10 + n))
    return jobs


def staging_plan(product_count: int, *, size: DemoSize, looks: int = 2) -> list[tuple[int, int]]:
    """(product index, look index) pairs to stage: every n-th product's first photo, into both looks
    or into one look in turn, so the queue shows staged images from more than one look."""
    looks = max(1, min(looks, 2))
    pairs = []
    for n, index in enumerate(range(0, product_count, size.stage_every)):
        pairs += [(index, look) for look in range(looks)] if size.both_looks else [(index, n % looks)]
    return pairs


def copy_approved(index: int) -> bool:
    """Every fourth product's listing copy is already approved by its maker."""
    return index % 4 == 0


def stock_levels(specs: Sequence[ProductSpec], lines: Sequence[SaleLine], *, end: dt.date, seed: int) -> dict[str, int]:
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


class _Clock:
    """Progress lines with the seconds since the seed started: `[ 12.3 s] Photos: 20 of 40`."""

    def __init__(self, say: Callable[[str], None] | None) -> None:
        self.started = time.monotonic()
        self.say = say or (lambda message: None)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def __call__(self, message: str) -> None:
        self.say(f"[{self.seconds:5.1f} s] {message}")


def demo_seed(
    *,
    seed: int = 7,
    size: str | DemoSize = DEFAULT_SIZE,
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
    `progress` gets a line per phase (what is being built, how many, the time so far).
    """
    if seed < 0:
        raise ValueError("The demo seed must be zero or more.")
    size = size if isinstance(size, DemoSize) else _size_named(size)
    say = _Clock(progress)
    if Product.objects.exists():
        return DemoSummary(seeded=False)
    end = (today or timezone.localdate()) - dt.timedelta(days=1)
    start = end - dt.timedelta(days=HISTORY_DAYS - 1)
    specs = PRODUCTS[:product_limit] if product_limit else PRODUCTS
    jobs = photo_jobs(specs, seed=seed, colourways=size.colourways)
    workers = workers or min(4, os.cpu_count() or 1)

    say(f"Photos: drawing {len(jobs)} at {photo_size} px and checking each (QC, cut-out)…")
    password = settings.ATELIER_DEMO_PASSWORD
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # Password hashing is slow on purpose; let it run beside the drawing.
        hashes = pool.map(lambda _: make_password(password), PEOPLE)
        # Intake, QC and the cut-out need no database: run them here, not inside the transaction.
        shots = pool.map(lambda job: _photo_drawn_and_checked(specs, job, photo_size=photo_size), jobs)
        photos = []
        for done, shot in enumerate(shots, start=1):
            photos.append(shot)
            if done < len(jobs) and done % max(10, len(jobs) // 4) == 0:
                say(f"Photos: {done} of {len(jobs)}")
        hashes = list(hashes)
    say(f"Photos: {len(jobs)} drawn and checked")
    lines = generate_sales(demand=demand_for(specs, end=end), start=start, end=end, seed=seed)
    stock = stock_levels(specs, lines, end=end, seed=seed)
    say(f"Sales: {len(lines):,} order lines over {HISTORY_DAYS} days")

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
        for job, (content, ready) in zip(jobs, photos, strict=True):
            spec, variant = specs[job.product], specs[job.product].variants[job.variant]
            photo_add(
                product=products[job.product],
                content=content,
                filename=_photo_name(specs, job),
                uploaded_by=users[spec.maker],
                alt_text=_alt_text(spec, variant),
                prepared=ready,
            )
        del photos  # the decoded pixels of every photo: let them go before staging
        sales = sales_bulk_create(rows=(_sale_row(line, sku_ids) for line in lines), batch_size=2000)
    say(
        f"Database: {len(users)} people, {len(products)} products, {len(sku_ids)} variants, "
        f"{len(jobs)} photos and {sales:,} sales written"
    )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        staging = _staging_start(products, size=size, pool=pool, say=say)
        copy_waiting = _listing_drafts(products)
        say(
            f"Listing copy: {len(products)} products written, "
            f"{sum(copy_approved(i) for i in range(len(products)))} approved, {copy_waiting} drafts waiting"
        )
        forecasts, plans = _forecasts_and_plans(users, size=size, say=say)
        staged, staged_waiting = _staging_finish(staging, say=say)
    galleries_waiting = _galleries(products, say=say)
    return DemoSummary(
        seeded=True,
        studio=STUDIO["name"],
        logins=tuple(logins),
        categories=len(categories),
        products=len(products),
        variants=len(sku_ids),
        photos=len(jobs),
        sales=sales,
        drafts=copy_waiting + staged_waiting + galleries_waiting + plans,
        staged_images=staged,
        forecasts=forecasts,
        plans=plans,
        size=size.name,
        first_sale=lines[0].date if lines else None,
        last_sale=lines[-1].date if lines else None,
        seconds=say.seconds,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _size_named(name: str) -> DemoSize:
    if name not in SIZES:
        raise ValueError(f"No demo size {name!r}; the sizes are {', '.join(SIZES)}.")
    return SIZES[name]


def _photo_drawn_and_checked(specs: Sequence[ProductSpec], job: PhotoJob, *, photo_size: int) -> tuple[bytes, Any]:
    content = render_photo(shot=job.shot, seed=job.seed, size=photo_size)
    return content, photo_prepare(content=content, filename=_photo_name(specs, job))


def _photo_name(specs: Sequence[ProductSpec], job: PhotoJob) -> str:
    spec = specs[job.product]
    return f"{sku_of(spec, spec.variants[job.variant]).lower()}.jpg"


def _listing_drafts(products: list[Product]) -> int:
    """Listing copy for every product, as the offline copywriter writes it, so the
    review queue has real work in it: every fourth product's copy is already
    approved by its maker, and every eighth has a newer, shorter version waiting
    (a diff against the approved one)."""

    waiting = 0
    for index, product in enumerate(products):
        draft = listing_write(product_id=product.pk)
        if not copy_approved(index):
            waiting += 1
            continue
        item = review_items_for_draft(draft=draft).first()
        review_decide(item_id=item.pk, user=product.maker, approve=True, seen_hash=item.snapshot_hash)
        if index % 8 == 0:
            listing_write(product_id=product.pk, instructions="Make it shorter.")
            waiting += 1
    return waiting


@dataclass
class _Staging:
    """Staged-image renders under way: (row, approve it?) and each render's future, in order."""

    rows: list[tuple[Any, bool]]
    renders: list[Future]


def _staging_start(
    products: list[Product], *, size: DemoSize, pool: ThreadPoolExecutor, say: Callable[[str], None]
) -> _Staging:
    """Start rendering the first photo of some products (staging_plan) into the first two looks.

    Renders need no database, so they run in the pool while the listing copy and the forecasts
    are written; _staging_finish stores them. Where the listing copy is approved, the image in the
    first look gets approved too (approving adds it to the product's gallery)."""
    looks_ensure_starters()
    looks = list(Look.objects.filter(is_active=True, current__isnull=False).select_related("current")[:2])
    rows = []
    for index, look_index in staging_plan(len(products), size=size, looks=len(looks)) if looks else []:
        product, look = products[index], looks[look_index]
        photo = product.photos.select_related("variant").order_by("position", "id").first()
        if photo is None or not photo.mask:
            continue
        prefetch_related_objects([product], "variants")  # the render reads them (how many pieces) in a thread
        staged, _ = StagedImage.objects.get_or_create(photo=photo, look=look, defaults={"product": product})
        staged.photo, staged.look_version = photo, look.current  # loaded here: the renders run in other threads
        staged.seed = staged_seed_for(photo=photo, version=look.current)
        staged.save(update_fields=["look_version", "seed"])
        rows.append((staged, copy_approved(index) and look_index == 0))

    def render(staged):
        result, stager_name = staged_image_prepare(staged=staged)
        content = encode_png(result.image)
        result = dataclasses.replace(result, image=result.image.resize((1, 1)))  # keep the PNG, drop the pixels
        return result, stager_name, content

    say(
        f"Staging: rendering {len(rows)} staged images into {len(looks)} looks "
        f"({', '.join(look.name for look in looks) or 'no active look'}), beside the next steps…"
    )
    return _Staging(rows=rows, renders=[pool.submit(render, staged) for staged, _ in rows])


def _staging_finish(staging: _Staging, *, say: Callable[[str], None]) -> tuple[int, int]:
    """Store the renders, approve the ones _staging_start chose; (staged, waiting for review)."""

    waiting = flagged = unstaged = 0
    for (staged, approve), render in zip(staging.rows, staging.renders, strict=True):
        try:
            result, stager_name, content = render.result()
        except StagingFailed as error:  # a cut-out that failed its check is not staged, as in the app
            staged_image_mark_failed(staged_id=staged.pk, message=str(error), check=getattr(error, "check", None))
            unstaged += 1
            continue
        staged = staged_image_store(staged_id=staged.pk, result=result, stager_name=stager_name, content=content)
        if result.check is not None and result.check.flagged:
            flagged += 1
            approve = False  # the maker never approved what the check flags: it waits for their own eyes
        if approve:
            item = review_items_for_draft(draft=staged).first()
            review_decide(item_id=item.pk, user=staged.product.maker, approve=True, seen_hash=item.snapshot_hash)
        else:
            waiting += 1
    count = len(staging.rows)
    say(
        f"Staging: {count - unstaged} staged images, {count - unstaged - waiting} approved (and added to their "
        f"product's gallery), {waiting} waiting ({flagged} of them flagged by the staged-image check); "
        f"{unstaged} photos not staged (their cut-out failed its check)"
    )
    return count - unstaged, waiting


def _galleries(products: list[Product], *, say: Callable[[str], None]) -> int:
    """Each product's gallery (the images a channel receives, in order), proposed as an upload proposes it.
    Where the maker approved the listing copy they approved the gallery too, so those products can be
    published; approving a staged image above already put it in its product's gallery. Returns how many wait."""

    waiting = ready = 0
    for index, product in enumerate(products):
        if gallery_approved_images(product=product) is not None:
            ready += 1
            continue
        item = gallery_propose(product=product, submitted_by=product.maker)
        if item is None or item.state != ReviewState.PENDING:
            continue
        if copy_approved(index):
            review_decide(item_id=item.pk, user=product.maker, approve=True, seen_hash=item.snapshot_hash)
            ready += 1
        else:
            waiting += 1
    say(
        f"Galleries: {ready + waiting} proposed, {ready} approved (with the listing copy, ready to publish), "
        f"{waiting} waiting"
    )
    return waiting


def _forecasts_and_plans(users: dict, *, size: DemoSize, say: Callable[[str], None]) -> tuple[int, int]:
    """Every variant's forecast and each maker's production plan (a draft), as the nightly job makes them.
    Returns (forecasts, plans)."""

    for person in PEOPLE:
        if person.role == "artisan" and person.weekly_hours:
            MakerProfile.objects.get_or_create(
                user=users[person.username], defaults={"weekly_hours": person.weekly_hours}
            )
    variant_ids = list(Variant.objects.values_list("pk", flat=True))
    prophet = settings.ATELIER_FORECAST_PROPHET if size.prophet is None else size.prophet
    say(f"Forecasts: fitting {len(variant_ids)} variants ({'with' if prophet else 'without'} Prophet)…")
    # forecasts_fit reads the setting; the nightly refit goes on using the studio's own.
    with override_settings(ATELIER_FORECAST_PROPHET=prophet):
        forecasts = forecasts_fit(variant_ids=variant_ids)
    plans = production_plans_build()
    say(f"Forecasts: {len(forecasts)} stored; {_count(len(plans), 'production plan')} waiting for their makers")
    return len(forecasts), len(plans)


def _people(hashes: list[str]) -> tuple[dict, list[DemoLogin]]:
    """The manager and the makers. An account that already exists is used as it is:
    its password and groups are someone's, not the demo's."""
    User = get_user_model()
    groups = {"manager": Group.objects.get(name=MANAGERS), "artisan": Group.objects.get(name=ARTISANS)}
    users, logins = {}, []
    for person, hashed in zip(PEOPLE, hashes, strict=True):
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
            logins.append(
                DemoLogin(person.username, "shop manager" if person.role == "manager" else "artisan", person.makes)
            )
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
