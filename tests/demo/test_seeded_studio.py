"""The default demo studio, seeded once for this module, as a new user finds it after `make run`.

Seeding draws and checks forty 2000 px photos and renders staged images, which
takes a while, so the studio is seeded once (in a transaction rolled back at
the end of the module) and each test looks at one side of it from inside its
own savepoint.
"""

import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from approvals.models import ReviewItem, ReviewState
from catalog.galleries.services import gallery_approved_images
from catalog.models import Category, Look, Photo, Product, StagedImage, Variant
from channels.services import publish_blockers
from demo.catalogue import PRODUCTS
from demo.seed import DEFAULT_SIZE, SIZES, copy_approved, staging_plan
from forecasting.models import Forecast, ProductionPlan, Sale
from studio.models import StudioProfile
from studio.permissions import ARTISANS, MANAGERS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@dataclass(frozen=True)
class Seeded:
    output: str
    products: list  # in the catalogue's order, as the seed made them


def _run(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def studio(django_db_setup, django_db_blocker, tmp_path_factory):
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")), django_db_blocker.unblock():
        with transaction.atomic():
            output = _run()
            by_title = {product.title: product for product in Product.objects.all()}
            yield Seeded(output=output, products=[by_title[spec.title] for spec in PRODUCTS])
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_in_tmp(studio):
    """Instead of tests/conftest.py's per-test media folder: the studio's photos stay where the seed wrote them."""


def test_the_summary_and_the_progress_say_what_was_built(studio):
    output = studio.output
    # A line per phase, each with its count and the time so far.
    for phase in [
        r"Photos: 40 drawn and checked",
        r"Sales: [\d,]+ order lines over 730 days",
        r"Database: 4 people, 40 products, \d+ variants, 40 photos",
        r"Listing copy: 40 products written",
        r"Staging: \d+ staged images, \d+ approved .*, \d+ waiting \(\d+ of them flagged by the staged-image check\); "
        r"\d+ photos not",
        r"Forecasts: \d+ stored; 3 production plans",
        r"Galleries: 40 proposed, 10 approved",
    ]:
        assert re.search(r"\[\s*\d+\.\d s\] " + phase, output), phase
    assert f"Seeded Kiln & Loom Studio ({DEFAULT_SIZE} demo, seed 7) in" in output
    assert "seed_demo --size large" in output
    all_pending = ReviewItem.objects.filter(state=ReviewState.PENDING)
    assert f"{all_pending.count()} drafts waiting for review" in output


def test_one_manager_and_three_makers_sign_in_with_the_demo_password(studio):
    User = get_user_model()
    assert set(User.objects.filter(groups__name=MANAGERS).values_list("username", flat=True)) == {"manager"}
    artisans = set(User.objects.filter(groups__name=ARTISANS).values_list("username", flat=True))
    assert artisans == {"ines", "tomas", "priya"}
    for username in ["manager", "ines", "tomas", "priya"]:
        assert User.objects.get(username=username).is_staff
        assert Client().login(username=username, password=settings.ATELIER_DEMO_PASSWORD)
    assert f"Demo logins (password: {settings.ATELIER_DEMO_PASSWORD})" in studio.output
    assert "priya" in studio.output and "shop manager" in studio.output


def test_the_studio_profile_is_filled_in(studio):
    profile = StudioProfile.objects.get()
    assert profile.name == "Kiln & Loom Studio" and profile.currency == "GBP"
    assert profile.marketplace_profiles == ["etsy", "shopify"] and profile.weekly_making_hours > 0
    assert len(profile.brand_voice) > 200


def test_forty_products_with_facts_variants_stock_and_a_photo(studio):
    assert set(Category.objects.values_list("name", flat=True)) == {"Ceramics", "Textiles", "Jewellery", "Candles"}
    products = list(Product.objects.prefetch_related("variants", "photos"))
    assert 35 <= len(products) <= 45
    for product in products:
        assert product.materials and product.techniques and product.story and product.care and product.dimensions
        assert product.maker.groups.filter(name=ARTISANS).exists()
        assert 1 <= len(product.variants.all()) <= 4
        assert len(product.photos.all()) == 1, f"{product} should have one photo in the {DEFAULT_SIZE} demo"
    assert Product.objects.filter(made_to_order=True, lead_time_days__gt=0).exists()
    assert Variant.objects.get(sku="CER-MUG-CEL").product.title == "Everyday Stoneware Mug"
    stock = list(Variant.objects.values_list("stock_on_hand", flat=True))
    assert 0 in stock and any(1 <= s <= 2 for s in stock) and max(stock) >= 5


def test_photos_are_real_2000_px_jpegs_that_passed_qc_with_a_cut_out(studio):
    photos = list(Photo.objects.all())
    assert len(photos) == 40
    for photo in photos:
        with photo.file.open("rb") as f:
            head = f.read(3)
            f.seek(0)
            image = Image.open(f)
            assert image.format == "JPEG" and head == b"\xff\xd8\xff"
            assert max(image.size) >= 2000 and (photo.width, photo.height) == image.size
        assert photo.mask, f"{photo} has no cut-out"
        assert photo.qc_verdict != "fail", photo.qc_checks
        # Big enough for Etsy's 2000 px recommendation and Shopify's limits.
        assert {check["verdict"] for check in photo.qc_checks if check["check"] == "resolution"} == {"pass"}
    assert sum(photo.qc_verdict == "pass" for photo in photos) >= 35


def test_the_review_queue_has_listing_copy_for_every_product(studio):
    products = studio.products
    assert ReviewItem.objects.filter(kind="listing_copy").values("draft_id").distinct().count() == len(products)
    pending = ReviewItem.objects.filter(state=ReviewState.PENDING, kind="listing_copy")
    assert pending.count() > len(products) // 2
    # Some copy is approved by its maker; some has a newer version waiting against the approved one.
    assert pending.filter(version=2).exists()
    assert ReviewItem.objects.filter(kind="listing_copy", state=ReviewState.APPROVED).count() == 10
    assert all(item.owner_id == Product.objects.get(pk=item.draft.product_id).maker_id for item in pending)


def test_staged_images_for_some_products_and_a_few_ready_to_publish(studio):
    products = studio.products
    looks = list(Look.objects.filter(is_active=True, current__isnull=False)[:2])
    plan = staging_plan(len(products), size=SIZES[DEFAULT_SIZE])
    staged = list(StagedImage.objects.all())
    assert sorted((image.product_id, image.look_id) for image in staged) == sorted(
        (products[index].pk, looks[look].pk) for index, look in plan
    )
    assert len(staged) == 10 and {image.look_id for image in staged} == {look.pk for look in looks}
    ready = [image for image in staged if image.status == StagedImage.Status.READY]
    unstaged = [image for image in staged if image.status == StagedImage.Status.FAILED]
    assert len(ready) + len(unstaged) == 10 and len(ready) >= 5
    # The product's own pixels are untouched, and each image carries the staged-image check.
    assert all(image.fidelity["identical_share"] == 1.0 and image.details["check"]["verdict"] for image in ready)
    # A photo whose cut-out failed its check was not staged, and says why.
    assert all(image.details["cutout_check"]["verdict"] == "fail" and image.error for image in unstaged)
    for image in ready[:2]:
        with image.image.open("rb") as f:
            assert Image.open(f).format == "PNG"

    # The seed approves on a maker's behalf only what its own check passed.
    approved = ReviewItem.objects.filter(kind="staged_image", state=ReviewState.APPROVED)
    assert all(item.snapshot["check_verdict"] == "pass" for item in approved)
    chosen = {products[index].pk for index, look in plan if look == 0 and copy_approved(index)}
    passed = {image.product_id for image in ready if image.look_id == looks[0].pk and not _flagged(image)}
    assert {item.draft.product_id for item in approved} == chosen & passed
    assert ReviewItem.objects.filter(kind="staged_image", state=ReviewState.PENDING).count() == len(ready) - len(
        approved
    )


def _flagged(image) -> bool:
    return image.details["check"]["verdict"] != "pass"


def test_ten_products_are_ready_to_publish_five_with_a_staged_image_in_the_gallery(studio):
    products = studio.products
    ready = [product for product in products if not publish_blockers(product=product)]
    assert ready == [product for index, product in enumerate(products) if copy_approved(index)]
    assert len(ready) == 10
    galleries = {product.pk: gallery_approved_images(product=product) for product in ready}
    with_staged = {pk for pk, images in galleries.items() if any(image["source"] == "staged" for image in images)}
    approved_staged = {
        item.draft.product_id for item in ReviewItem.objects.filter(kind="staged_image", state=ReviewState.APPROVED)
    }
    assert with_staged == approved_staged <= {product.pk for index, product in enumerate(products) if index % 8 == 0}
    for images in galleries.values():
        assert images[0]["source"] == "photo"  # a real photo of the piece leads
    # The others wait for their maker: the listing copy and the gallery of the photos they uploaded.
    waiting = ReviewItem.objects.filter(kind="gallery", state=ReviewState.PENDING)
    assert waiting.count() == 30
    assert "The listing copy isn't approved yet." in publish_blockers(product=products[1])


def test_a_forecast_for_every_variant_and_a_plan_per_maker(studio):
    assert Forecast.objects.count() == Variant.objects.count()
    assert not Forecast.objects.filter(method__contains="Prophet").exists()  # the default demo fits without it
    plans = list(ProductionPlan.objects.select_related("maker"))
    assert {plan.maker.username for plan in plans} == {"ines", "tomas", "priya"}
    assert ReviewItem.objects.filter(kind="production_plan", state=ReviewState.PENDING).count() == 3


def test_two_years_of_sparse_daily_sales_peaking_in_december(studio):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    sales = Sale.objects.all()
    assert 10_000 <= sales.count() <= 30_000
    first, last = sales.order_by("date").first().date, sales.order_by("-date").first().date
    assert yesterday - dt.timedelta(days=3) <= last <= yesterday
    assert first <= yesterday - dt.timedelta(days=720)
    assert set(sales.values_list("channel", flat=True)) == {"shopify", "etsy", "in_person"}

    variant_days = sales.values("variant", "date").distinct().count()
    all_variant_days = Variant.objects.count() * ((last - first).days + 1)
    assert variant_days / all_variant_days < 0.5  # most variants sell nothing on most days

    monthly = defaultdict(int)
    for row in sales.values("date__year", "date__month").annotate(units=Sum("quantity")):
        monthly[(row["date__year"], row["date__month"])] = row["units"]
    full_months = {k: v for k, v in monthly.items() if k not in {(first.year, first.month), (last.year, last.month)}}
    average = sum(full_months.values()) / len(full_months)
    december = [v for (year, month), v in full_months.items() if month == 12]
    assert december and min(december) > 1.3 * average


def test_running_it_again_finds_the_studio_and_adds_nothing(studio):
    User = get_user_model()
    counts = (
        User.objects.count(),
        Product.objects.count(),
        Photo.objects.count(),
        Sale.objects.count(),
        StagedImage.objects.count(),
        ReviewItem.objects.count(),
    )
    assert "Demo studio already present; nothing to do" in _run()
    assert _run("--quiet") == ""
    assert _run("--size", "large").startswith("Demo studio already present")
    assert (
        User.objects.count(),
        Product.objects.count(),
        Photo.objects.count(),
        Sale.objects.count(),
        StagedImage.objects.count(),
        ReviewItem.objects.count(),
    ) == counts
