import datetime as dt
import io
from collections import defaultdict

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from PIL import Image

from catalog.models import Category, Photo, Product, Variant
from forecasting.models import Sale
from demo import seed as seed_module
from demo.catalogue import PRODUCTS
from demo.photos import Shot, render_photo, shape_names
from demo.sales import generate_sales, mothering_sunday
from demo.seed import demand_for, demo_seed, photo_jobs
from studio.models import StudioProfile
from studio.permissions import ARTISANS, MANAGERS
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_command_builds_a_believable_studio_once():
    output = _run()
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    # People: one shop manager and three makers, all able to sign in with the demo password.
    User = get_user_model()
    assert set(User.objects.filter(groups__name=MANAGERS).values_list("username", flat=True)) == {"manager"}
    artisans = set(User.objects.filter(groups__name=ARTISANS).values_list("username", flat=True))
    assert artisans == {"ines", "tomas", "priya"}
    for username in ["manager", "ines", "tomas", "priya"]:
        assert User.objects.get(username=username).is_staff
        assert Client().login(username=username, password=settings.ATELIER_DEMO_PASSWORD)
    assert f"Demo logins (password: {settings.ATELIER_DEMO_PASSWORD})" in output
    assert "priya" in output and "shop manager" in output

    profile = StudioProfile.objects.get()
    assert profile.name == "Kiln & Loom Studio" and profile.currency == "GBP"
    assert profile.marketplace_profiles == ["etsy", "shopify"] and profile.weekly_making_hours > 0
    assert len(profile.brand_voice) > 200

    # Catalogue: ~40 products in four categories, each with facts, variants and a photo.
    assert set(Category.objects.values_list("name", flat=True)) == {"Ceramics", "Textiles", "Jewellery", "Candles"}
    products = list(Product.objects.prefetch_related("variants", "photos"))
    assert 35 <= len(products) <= 45
    for product in products:
        assert product.materials and product.techniques and product.story and product.care and product.dimensions
        assert product.maker.groups.filter(name=ARTISANS).exists()
        assert 1 <= len(product.variants.all()) <= 4
        assert product.photos.all(), f"{product} has no photo"
    assert Product.objects.filter(made_to_order=True, lead_time_days__gt=0).exists()
    assert Variant.objects.get(sku="CER-MUG-CEL").product.title == "Everyday Stoneware Mug"
    stock = list(Variant.objects.values_list("stock_on_hand", flat=True))
    assert 0 in stock and any(1 <= s <= 2 for s in stock) and max(stock) >= 5

    # The review queue has real work: listing copy for every product, some already approved
    # by its maker, some with a newer version waiting against the approved one.
    from approvals.models import ReviewItem, ReviewState

    assert ReviewItem.objects.filter(kind="listing_copy").values("draft_id").distinct().count() == len(products)
    all_pending = ReviewItem.objects.filter(state=ReviewState.PENDING)
    assert f"{all_pending.count()} drafts waiting for review" in output
    pending = all_pending.filter(kind="listing_copy")
    assert pending.count() > len(products) // 2
    assert pending.filter(version=2).exists() and ReviewItem.objects.filter(state=ReviewState.APPROVED).exists()
    assert all(item.owner_id == Product.objects.get(pk=item.draft.product_id).maker_id for item in pending)

    # Staged images: every product's first photo in two looks, product pixels untouched; some approved,
    # so some products are ready to publish.
    from catalog.models import StagedImage
    from forecasting.models import Forecast, ProductionPlan

    staged = list(StagedImage.objects.all())
    assert {image.product_id for image in staged} == {product.pk for product in products}
    assert all(image.status == StagedImage.Status.READY and image.fidelity["identical_share"] == 1.0 for image in staged)
    assert ReviewItem.objects.filter(kind="staged_image", state=ReviewState.APPROVED).exists()
    assert ReviewItem.objects.filter(kind="staged_image", state=ReviewState.PENDING).exists()

    # Forecasts for every variant and a production plan per maker, waiting for the maker.
    assert Forecast.objects.count() == Variant.objects.count()
    plans = list(ProductionPlan.objects.select_related("maker"))
    assert {plan.maker.username for plan in plans} == {"ines", "tomas", "priya"}
    assert ReviewItem.objects.filter(kind="production_plan", state=ReviewState.PENDING).count() == 3

    for photo in Photo.objects.all():
        with photo.file.open("rb") as f:
            head = f.read(3)
            f.seek(0)
            image = Image.open(f)
            assert image.format == "JPEG" and head == b"\xff\xd8\xff"
            assert max(image.size) >= 2000 and (photo.width, photo.height) == image.size

    # Sales: two years of daily history ending yesterday, sparse per variant, peaking in December.
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

    # Running it again finds the studio and adds nothing.
    counts = (User.objects.count(), Product.objects.count(), Photo.objects.count(), sales.count())
    assert "Demo studio already present; nothing to do" in _run()
    assert _run("--quiet") == ""
    assert (User.objects.count(), Product.objects.count(), Photo.objects.count(), Sale.objects.count()) == counts


def test_a_negative_seed_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="--seed must be zero or more"):
        call_command("seed_demo", "--seed", "-1")
    assert not Product.objects.exists()


def test_a_database_with_products_is_not_seeded():
    ProductFactory(title="Someone's real mug")
    assert "Demo studio already present; nothing to do" in _run("--seed", "3")
    assert Product.objects.count() == 1 and not Sale.objects.exists()
    assert not get_user_model().objects.filter(username="manager").exists()


def _fingerprint() -> tuple:
    return (
        tuple(Variant.objects.order_by("sku").values_list("sku", "stock_on_hand")),
        tuple(Product.objects.order_by("handle").values_list("handle", "title", "price")),
        Sale.objects.aggregate(units=Sum("quantity"))["units"],
        tuple(Sale.objects.order_by("channel", "order_ref", "line_ref").values_list(
            "variant__sku", "date", "quantity", "channel", "order_ref", "line_ref")),
        tuple(Photo.objects.order_by("product__handle", "position").values_list("sha256", flat=True)),
    )


def _wipe_demo() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # the audit trail refuses ORM deletes, on purpose
        cursor.execute("DELETE FROM approvals_reviewevent")
        cursor.execute("DELETE FROM approvals_reviewitem")
    Sale.objects.all().delete()
    Product.objects.all().delete()
    Category.objects.all().delete()
    get_user_model().objects.all().delete()
    StudioProfile.objects.all().delete()


def test_the_same_seed_gives_the_same_studio():
    today = dt.date(2026, 3, 15)
    demo_seed(seed=11, today=today, photo_size=160, product_limit=6)
    first = _fingerprint()
    _wipe_demo()
    demo_seed(seed=11, today=today, photo_size=160, product_limit=6)
    assert _fingerprint() == first
    _wipe_demo()
    demo_seed(seed=12, today=today, photo_size=160, product_limit=6)
    other = _fingerprint()
    assert other[0] != first[0] or other[3] != first[3]  # another seed: other stock and history
    assert [sku for sku, _ in other[0]] == [sku for sku, _ in first[0]]  # but the same catalogue


def test_generators_are_pure_and_deterministic():
    end = dt.date(2026, 1, 31)
    demand = demand_for(PRODUCTS, end=end)
    start = end - dt.timedelta(days=729)
    a = generate_sales(demand=demand, start=start, end=end, seed=7)
    assert a == generate_sales(demand=demand, start=start, end=end, seed=7)
    assert a != generate_sales(demand=demand, start=start, end=end, seed=8)
    assert len({(s.channel, s.order_ref, s.line_ref) for s in a}) == len(a)
    assert all(start <= s.date <= end and s.quantity != 0 for s in a)

    jobs = photo_jobs(PRODUCTS, seed=7)
    assert {job.product for job in jobs} == set(range(len(PRODUCTS)))
    assert {job.shot.shape for job in jobs} <= set(shape_names())
    shot = jobs[0].shot
    assert render_photo(shot=shot, seed=3, size=300) == render_photo(shot=shot, seed=3, size=300)
    assert render_photo(shot=shot, seed=3, size=300) != render_photo(shot=shot, seed=4, size=300)


def test_gift_seasons_show_in_the_history():
    end = dt.date(2026, 10, 31)
    demand = [d for d in demand_for(PRODUCTS, end=end) if d.category in {"Jewellery", "Candles"}]
    lines = generate_sales(demand=demand, start=end - dt.timedelta(days=729), end=end, seed=7)
    ms = mothering_sunday(2026)

    def units(first: dt.date, last: dt.date) -> float:
        return sum(s.quantity for s in lines if first <= s.date <= last) / ((last - first).days + 1)

    before_mothers_day = units(ms - dt.timedelta(days=16), ms - dt.timedelta(days=1))
    late_spring = units(dt.date(2026, 4, 20), dt.date(2026, 5, 31))
    assert before_mothers_day > 1.3 * late_spring


def test_every_shape_draws_a_light_backdrop_with_the_object_in_the_middle():
    for name in shape_names():
        image = Image.open(io.BytesIO(render_photo(shot=Shot(name, (120, 60, 40), (60, 90, 140), "Fig"), seed=1,
                                                   size=240))).convert("L")
        corner, centre = image.getpixel((4, 4)), image.crop((60, 60, 180, 180))
        assert corner > 200, name  # a plain, light background
        assert centre.getextrema()[0] < corner - 40, name  # and something drawn on it


def test_nothing_is_left_half_seeded_when_a_step_fails(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(seed_module, "sales_bulk_create", broken)
    with pytest.raises(RuntimeError):
        demo_seed(photo_size=120, product_limit=3)
    assert not Product.objects.exists()
    assert not get_user_model().objects.exists()
    assert not Sale.objects.exists()


def test_existing_accounts_and_profile_are_left_alone():
    ines = UserFactory(username="ines", first_name="Inès", role="artisan")
    profile = StudioProfile.objects.create(name="Ines's Pottery", brand_voice="Short and sweet.")
    summary = demo_seed(photo_size=120, product_limit=3)
    ines.refresh_from_db()
    assert ines.check_password("pw-for-tests-1")
    assert "ines" not in [login.username for login in summary.logins]
    profile.refresh_from_db()
    assert profile.name == "Ines's Pottery" and profile.brand_voice == "Short and sweet."
    assert Product.objects.filter(maker=ines).count() == 3
