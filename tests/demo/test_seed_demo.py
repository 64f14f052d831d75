"""The demo seed's parts and its refusals, on small studios; tests/demo/test_seeded_studio.py looks
at the whole default studio."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum
from PIL import Image

from approvals.models import ReviewItem, ReviewState
from catalog.models import Category, Photo, Product, StagedImage, Variant
from demo import seed as seed_module
from demo.catalogue import PRODUCTS
from demo.photos import Shot, render_photo, shape_names
from demo.sales import generate_sales, mothering_sunday
from demo.seed import SIZES, DemoSummary, demand_for, demo_seed, photo_jobs, staging_plan
from forecasting.models import Forecast, Sale
from studio.models import StudioProfile
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_a_negative_seed_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="--seed must be zero or more"):
        call_command("seed_demo", "--seed", "-1")
    assert not Product.objects.exists()


def test_an_unknown_size_is_refused_with_the_sizes_named():
    with pytest.raises(CommandError, match="invalid choice: 'huge'"):
        call_command("seed_demo", "--size", "huge")
    with pytest.raises(ValueError, match="the sizes are small, large"):
        demo_seed(size="huge")
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
        tuple(
            Sale.objects.order_by("channel", "order_ref", "line_ref").values_list(
                "variant__sku", "date", "quantity", "channel", "order_ref", "line_ref"
            )
        ),
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
    assert len(jobs) > len(PRODUCTS)  # a second colourway where a product has one that looks different
    first_only = photo_jobs(PRODUCTS, seed=7, colourways=1)
    assert [job.product for job in first_only] == list(range(len(PRODUCTS)))
    assert set(first_only) <= set(jobs)  # the small demo's photos are the large demo's first ones
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
        image = Image.open(
            io.BytesIO(render_photo(shot=Shot(name, (120, 60, 40), (60, 90, 140), "Fig"), seed=1, size=240))
        ).convert("L")
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


def test_the_staging_plan_stages_some_products_in_turn_or_every_product_in_both_looks():
    small, large = SIZES["small"], SIZES["large"]
    assert staging_plan(10, size=small) == [(0, 0), (4, 1), (8, 0)]
    assert staging_plan(40, size=small, looks=1) == [(index, 0) for index in range(0, 40, 4)]
    assert staging_plan(3, size=large) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    assert staging_plan(2, size=large, looks=5) == [(0, 0), (0, 1), (1, 0), (1, 1)]  # the first two looks


def test_a_small_large_demo_has_every_colourway_and_every_product_staged_in_two_looks():
    lines = []
    summary = demo_seed(size="large", photo_size=160, product_limit=4, progress=lines.append)
    assert summary.seeded and summary.size == "large" and summary.products == 4
    products = {product.title: product for product in Product.objects.all()}
    for spec in PRODUCTS[:4]:
        colourways = {(v.colour, v.accent, v.label) for v in spec.variants}
        assert products[spec.title].photos.count() == min(2, len(colourways)), spec.title
    staged = StagedImage.objects.all()
    ready = staged.filter(status=StagedImage.Status.READY)
    assert staged.count() == 8 and ready.count() == summary.staged_images
    assert {(image.product_id, image.look_id) for image in staged} == {
        (product.pk, look) for product in products.values() for look in {image.look_id for image in staged}
    }
    # The first product's copy is approved, and its image in the first look too, if its check passed.
    approved = ReviewItem.objects.filter(kind="staged_image", state=ReviewState.APPROVED)
    assert approved.count() <= 1 and all(item.snapshot["check_verdict"] == "pass" for item in approved)
    pending = ReviewItem.objects.filter(kind="staged_image", state=ReviewState.PENDING)
    assert pending.count() == ready.count() - approved.count()
    assert Forecast.objects.count() == Variant.objects.count() == summary.forecasts
    assert summary.plans == 1  # the four first products are all Inès's
    assert summary.drafts == ReviewItem.objects.filter(state=ReviewState.PENDING).count()
    # A line per phase, with the time so far.
    assert [line.split("] ")[1].split(":")[0] for line in lines if "…" not in line] == [
        "Photos",
        "Sales",
        "Database",
        "Listing copy",
        "Forecasts",
        "Staging",
        "Galleries",
    ]
    assert all(line.startswith("[") and " s] " in line for line in lines)


def test_runstudio_shows_the_seed_s_progress_and_summary(monkeypatch):
    """make run seeds an empty database in front of the user: its progress and summary are not hidden."""
    import signal

    from demo.management.commands import runstudio, seed_demo

    def quick_seed(*, seed, size, progress):
        progress("[  1.0 s] Photos: 40 drawn and checked")
        return DemoSummary(seeded=True, studio="Kiln & Loom Studio", size=size, products=40, photos=40)

    started = _fake_processes(monkeypatch, runstudio)
    monkeypatch.setattr(seed_demo, "demo_seed", quick_seed)
    out = io.StringIO()
    call_command("runstudio", "--no-worker", stdout=out)
    output = out.getvalue()
    assert "Empty database: seeding the small demo studio" in output
    assert "[  1.0 s] Photos: 40 drawn and checked" in output
    assert "Seeded Kiln & Loom Studio (small demo, seed 7)" in output
    assert "Atelier is running at http://127.0.0.1:8000/" in output
    assert [process.args[2:] for process in started] == [["runserver", "127.0.0.1:8000", "--noreload", "--skip-checks"]]
    # Stopped as a whole process group: SIGTERM first, then SIGKILL for whatever the group left.
    assert started[0].popen_kwargs == {"process_group": 0}
    assert started[0].signals == [signal.SIGTERM, signal.SIGKILL]


def _fake_processes(monkeypatch, runstudio, *, serving: bool = True, polls_before_stopping: int = 1) -> list:
    """Popen replaced by a web server or worker that runs for a few polls, then Ctrl-C stops (or it exits)."""

    class Process:
        def __init__(self, args, **popen_kwargs):
            self.args, self.popen_kwargs, self.returncode, self.signals, self.polls = args, popen_kwargs, None, [], 0

        def poll(self):
            self.polls += 1
            if self.polls == polls_before_stopping + 1:
                if serving:
                    raise KeyboardInterrupt  # once: the person presses Ctrl-C
                self.returncode = 1
            return self.returncode

        def send_signal(self, number):
            self.signals.append(number)

        def wait(self, timeout=None):
            self.returncode = 0 if self.returncode is None else self.returncode

    started = []
    monkeypatch.setattr(
        runstudio.subprocess, "Popen", lambda args, **kw: started.append(Process(args, **kw)) or started[-1]
    )
    monkeypatch.setattr(runstudio, "_signal_group", lambda child, signum: child.send_signal(signum))
    monkeypatch.setattr(runstudio, "_answers", lambda host, port: serving)
    monkeypatch.setattr(runstudio.time, "sleep", lambda seconds: None)
    return started


def test_runstudio_prints_the_logins_after_the_system_check_once_the_server_answers(monkeypatch):
    from django.conf import settings

    from demo.management.commands import runstudio

    UserFactory(username="ines", role="artisan", password=settings.ATELIER_DEMO_PASSWORD)
    ProductFactory()  # not an empty database: no seed
    _fake_processes(monkeypatch, runstudio)
    out = io.StringIO()
    call_command("runstudio", "--no-worker", "--addr", "0.0.0.0:8123", stdout=out)
    output = out.getvalue()

    check = output.index("System check identified no issues")
    banner = output.index("Atelier is running at http://0.0.0.0:8123/")
    assert check < banner < output.index(f"Demo logins (password: {settings.ATELIER_DEMO_PASSWORD}):")
    assert "ines" in output[banner:]


def test_runstudio_shows_no_logins_when_the_web_server_stops_before_it_answers(monkeypatch):
    from demo.management.commands import runstudio

    ProductFactory()
    _fake_processes(monkeypatch, runstudio, serving=False)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("runstudio", "--no-worker", stdout=out, stderr=err)
    assert "Atelier is running" not in out.getvalue()
    assert "A process stopped by itself" in err.getvalue()


@pytest.mark.parametrize(
    "addr, expected",
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("0.0.0.0:80", ("127.0.0.1", 80)),
        ("8000", ("127.0.0.1", 8000)),
        ("[::1]:9000", ("::1", 9000)),
    ],
)
def test_runstudio_reaches_the_address_runserver_listens_on(addr, expected):
    from demo.management.commands.runstudio import _host_and_port

    assert _host_and_port(addr) == expected
