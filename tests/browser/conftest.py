"""Real Chromium (Debian's, never a downloaded one) driving the app on a live server.

Without /usr/bin/chromium the browser tests skip on a laptop but fail in CI
(CI set), so CI never passes by silently skipping them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
from decimal import Decimal
from pathlib import Path

import pytest

from tests.browser import photos

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PASSWORD = "pw-for-tests-1"

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests may not be skipped).", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module.

    Playwright's sync API keeps an event loop running in this thread while it is
    started, so Django's async-safety check must be off for exactly that long
    (module scope; the variable must not leak into other tests or subprocesses).
    """
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()


@pytest.fixture(autouse=True)
def _serve_media(settings):
    # Static files come from the live server's own handler (and tests/settings.py
    # already swaps the manifest storage for the plain one); media needs a route.
    settings.ROOT_URLCONF = "tests.browser.urls"


@pytest.fixture(params=["desktop", "phone"])
def viewport(request):
    return request.param


@pytest.fixture
def page(browser, viewport):
    context = browser.new_context(
        viewport=DESKTOP if viewport == "desktop" else PHONE,
        device_scale_factor=1,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.viewport_name = viewport  # type: ignore[attr-defined]
    yield page
    context.close()


def shot_path(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{name}-{page.viewport_name}.png"


def shot(page, name: str) -> Path:
    """A full-page screenshot, named by page and viewport, for people to look at."""
    path = shot_path(page, name)
    page.evaluate("() => window.scrollTo(0, 0)")  # keep the sticky header at the top of the picture
    page.screenshot(path=str(path), full_page=True)
    return path


# --- A studio that looks like a real one ------------------------------------------------

PRODUCTS = [
    # maker, title, category, price, made_to_order, photo (drawer, args), variants [(title, options, stock)]
    (
        "ines",
        "Celadon breakfast mug",
        "Ceramics",
        "28.00",
        False,
        ("mug", "#8fb3a0"),
        [("Celadon", {"glaze": "celadon"}, 14), ("Oatmeal", {"glaze": "oatmeal"}, 2)],
    ),
    (
        "ines",
        "Speckled stoneware bowl",
        "Ceramics",
        "34.00",
        False,
        ("bowl", "#d9cbb5"),
        [("Small", {"size": "small"}, 9), ("Large", {"size": "large"}, 0)],
    ),
    ("ines", "Ink-blue bud vase", "Ceramics", "46.00", False, ("vase", "#4f5d6e"), [("", {}, 5)]),
    ("ines", "Tenmoku teapot", "Ceramics", "120.00", True, ("teapot", "#3a2a22"), [("", {}, 0)]),
    ("ines", "Porcelain ring dish", "Ceramics", "18.00", False, ("dish", "#f2efe8"), [("", {}, 1)]),
    ("ines", "Oatmeal serving platter", "Ceramics", "72.00", False, None, [("", {}, 3)]),
    (
        "tomas",
        "Hand-loomed linen runner",
        "Textiles",
        "58.00",
        False,
        ("runner", "#d8cdb8", "#7b8c6a"),
        [("Natural / 180 cm", {"colour": "natural", "length": "180 cm"}, 6)],
    ),
    ("tomas", "Indigo shibori napkins, set of 4", "Textiles", "38.00", False, ("napkins", "#2f4a73"), [("", {}, 11)]),
    (
        "tomas",
        "Beeswax pillar candle",
        "Candles",
        "16.00",
        False,
        ("candle", "#efe2c4"),
        [("Small", {"size": "small"}, 24), ("Tall", {"size": "tall"}, 2)],
    ),
    ("tomas", "Hammered silver stacking ring", "Jewellery", "64.00", True, ("ring",), [("", {}, 0)]),
]


FACTS = {
    "Ceramics": {
        "materials": ["stoneware clay", "food-safe glaze"],
        "techniques": ["wheel-thrown", "reduction fired"],
        "dimensions": "9 cm tall, 8 cm across",
        "weight_grams": 340,
        "care": "Dishwasher safe on a gentle cycle.\nNot for the microwave: the glaze holds iron.",
        "story": "Thrown on the kick wheel in the back room, then fired for eleven hours.\nNo two glazes break the same way.",
    },
    "Textiles": {
        "materials": ["Irish linen", "indigo"],
        "techniques": ["hand-loomed", "shibori"],
        "dimensions": "180 × 40 cm",
        "weight_grams": 260,
        "care": "Wash at 30 °C, line dry, iron while damp.",
        "story": "Woven on a four-shaft loom, a metre an afternoon.",
    },
    "Candles": {
        "materials": ["English beeswax", "cotton wick"],
        "techniques": ["hand-poured"],
        "dimensions": "7 cm across, 10 or 15 cm tall",
        "weight_grams": 380,
        "care": "Trim the wick to 5 mm before lighting. Never leave a burning candle.",
        "story": "Poured in small batches from wax of two hives down the lane.",
    },
    "Jewellery": {
        "materials": ["recycled sterling silver"],
        "techniques": ["hand-forged", "hammered"],
        "dimensions": "UK sizes H to T, 2 mm band",
        "weight_grams": 3,
        "care": "Polish with a soft cloth; keep away from perfume.",
        "story": "Each band is hammered on a steel mandrel, so the light catches it differently.",
    },
}


def _initials(title: str) -> str:
    return "".join(word[0] for word in title.replace("-", " ").split() if word[0].isalpha()).upper()[:5]


def _review_item(*, product, owner, kind, version, snapshot, state="pending", minutes_ago=0):
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from approvals.models import ReviewItem
    from catalog.models import Product

    digest = hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()
    item = ReviewItem.objects.create(
        kind=kind,
        draft_type=ContentType.objects.get_for_model(Product),
        draft_id=product.pk,
        version=version,
        state=state,
        owner=owner,
        subject=product.title,
        subject_key=f"product:{product.pk}",
        snapshot=snapshot,
        snapshot_hash=digest,
        submitted_by=owner,
    )
    ReviewItem.objects.filter(pk=item.pk).update(submitted_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return item


@pytest.fixture
def studio(transactional_db):
    """Two makers, a manager, ten products with photos, half a year of sales, drafts and jobs."""
    from approvals.models import ReviewEvent
    from catalog.services import category_get_or_create, photo_add, product_create
    from forecasting.models import Sale
    from forecasting.services import sales_bulk_create
    from studio.models import Job
    from studio.sales_channels import SalesChannel
    from studio.services import job_advance, job_create, job_start, studio_profile_get
    from tests.factories import UserFactory

    profile = studio_profile_get()
    profile.name = "Kiln & Loom"
    profile.tagline = "Small-batch ceramics, textiles and candles"
    profile.currency = "GBP"
    profile.save()

    people = {
        "mara": UserFactory(username="mara", first_name="Mara", last_name="Ellis", role="manager"),
        "ines": UserFactory(username="ines", first_name="Inès", last_name="Laurent", role="artisan"),
        "tomas": UserFactory(username="tomas", first_name="Tomás", last_name="Reyes", role="artisan"),
    }
    rng = random.Random(7)
    today = dt.date.today()
    products = {}
    sales = []
    order = 5000
    for maker, title, category, price, made_to_order, photo, variants in PRODUCTS:
        product = product_create(
            title=title,
            maker=people[maker],
            price=Decimal(price),
            category=category_get_or_create(name=category),
            made_to_order=made_to_order,
            lead_time_days=21 if made_to_order else 0,
            **FACTS[category],
            minutes_per_unit=40,
            batch_size=12,
            variants=[
                {"sku": f"{_initials(title)}-{n:02d}", "title": vt, "options": opts, "stock_on_hand": stock}
                for n, (vt, opts, stock) in enumerate(variants, start=1)
            ],
        )
        products[title] = product
        if photo:
            drawer, *args = photo
            content, prepared = photos.drawn_and_prepared(f"{drawer}.jpg", drawer, *args)
            photo_add(
                product=product,
                content=content,
                filename=f"{drawer}.jpg",
                uploaded_by=people[maker],
                alt_text=f"{title} on a wooden table",
                prepared=prepared,
            )
        for variant in product.variants.all():
            for week in range(26):
                units = max(0, round(rng.gauss(1.4 + week / 18, 1.3)))
                if units:
                    order += 1
                    sales.append(
                        Sale(
                            variant=variant,
                            date=today - dt.timedelta(weeks=25 - week, days=rng.randint(0, 6) if week < 25 else 0),
                            quantity=units,
                            unit_price=variant.effective_price,
                            channel=rng.choice([SalesChannel.SHOPIFY, SalesChannel.ETSY, SalesChannel.IN_PERSON]),
                            order_ref=f"#{order}",
                        )
                    )
    # Stored at once as imports store them: one save per sale would refresh the stored stock alerts
    # after each (the test queue runs the refresh at once), hundreds of times for one studio.
    sales_bulk_create(rows=sales)
    # A second photo for the mug so the gallery has thumbnails.
    content, prepared = photos.drawn_and_prepared("mug-2.jpg", "mug", "#c9b9a0", seed=9)
    photo_add(
        product=products["Celadon breakfast mug"],
        content=content,
        filename="mug-2.jpg",
        uploaded_by=people["ines"],
        alt_text="Oatmeal mug",
        prepared=prepared,
    )

    ines, tomas = people["ines"], people["tomas"]
    copy = {
        "title": "Celadon breakfast mug — wheel-thrown stoneware",
        "description": "A generous mug for slow mornings.\nThrown on the wheel and glazed in a soft celadon that pools where the clay dips.",
        "tags": ["stoneware mug", "celadon", "handmade", "wheel thrown", "coffee mug"],
        "seo_title": "Celadon stoneware mug, handmade",
        "seo_description": "Wheel-thrown stoneware mug in a celadon glaze. Dishwasher safe.",
        "checks": [{"level": "ok", "message": "Title within Etsy's 140 characters"}],
    }
    first = _review_item(
        product=products["Celadon breakfast mug"],
        owner=ines,
        kind="listing_copy",
        version=1,
        snapshot={**copy, "title": "Celadon mug"},
        state="superseded",
        minutes_ago=60 * 26,
    )
    ReviewEvent.objects.create(item=first, action="submitted", actor=None, version=1, snapshot_hash=first.snapshot_hash)
    second = _review_item(
        product=products["Celadon breakfast mug"],
        owner=ines,
        kind="listing_copy",
        version=2,
        snapshot=copy,
        minutes_ago=25,
    )
    ReviewEvent.objects.create(
        item=second, action="submitted", actor=None, version=2, snapshot_hash=second.snapshot_hash
    )
    _review_item(
        product=products["Speckled stoneware bowl"],
        owner=ines,
        kind="staged_image",
        version=1,
        snapshot={"look": "Spring table", "photo": 3, "size": "2048 × 2048"},
        minutes_ago=90,
    )
    _review_item(
        product=products["Ink-blue bud vase"],
        owner=ines,
        kind="listing_copy",
        version=1,
        snapshot={**copy, "title": "Ink-blue bud vase"},
        minutes_ago=60 * 5,
    )
    _review_item(
        product=products["Hand-loomed linen runner"],
        owner=tomas,
        kind="listing_copy",
        version=1,
        snapshot={**copy, "title": "Hand-loomed linen runner"},
        minutes_ago=60 * 3,
    )

    running = job_create(kind="staging", label="Staging 8 photos into the Spring table look", total=8, created_by=ines)
    job_start(job_id=running.pk)
    job_advance(job_id=running.pk, done=5)
    done = job_create(kind="copywriting", label="Writing listing copy for 6 products", total=6, created_by=ines)
    job_advance(job_id=done.pk, done=6)
    partial = job_create(kind="forecast", label="Nightly forecast refit", total=10, created_by=people["mara"])
    job_advance(job_id=partial.pk, done=9)
    job_advance(job_id=partial.pk, failed=1, error="BPC-02: not enough sales history to fit a forecast")
    assert Job.objects.count() == 3
    return {"people": people, "products": products, "jobs": {"running": running, "done": done, "partial": partial}}
