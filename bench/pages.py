"""How the busiest pages grow with the catalogue: time and SQL queries per page at 10, 1,000 and 100,000 variants.

Each size gets a fresh catalogue (one variant per product, a forecast for each, a sale
for a third of them, stock that puts some at risk and some overstocked, so stock alerts
exist), written with bulk_create. Each page is fetched as the manager through Django's
test client (the whole request: middleware, view, template), once to warm up and then
--repeats times; the median time and the query count of the last fetch are printed
(and the warm-up's time, "first ms": the dashboard, fetched first, finds no current stock alerts,
as the first read of a day before the midnight refresh ran; it shows them as being refreshed and
queues the refresh, which the bench then runs as a worker would and times on its own line),
then each page's ratio at the largest size against the smallest, measured in the same run.
A flat page has a query ratio of 1.0 and a time ratio near 1.

    .venv/bin/python bench/pages.py                        # 10, 1,000, 100,000 on a temporary SQLite file
    .venv/bin/python bench/pages.py --sizes 10,1000 --database-url postgres://postgres@127.0.0.1:5432/atelier_bench_pages

The database named by --database-url is emptied first (its name must contain "bench").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,100000", help="variant counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=5, help="timed fetches per page and size")
    parser.add_argument("--database-url", default="", help="a database to empty and use (name contains 'bench')")
    return parser.parse_args()


ARGS = parse_args()
if ARGS.database_url:
    if "bench" not in ARGS.database_url.rsplit("/", 1)[-1]:
        sys.exit("--database-url must name a database whose name contains 'bench': it is emptied")
    os.environ["DATABASE_URL"] = ARGS.database_url
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='atelier-bench-pages-')}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Product, Variant  # noqa: E402
from forecasting.models import Forecast, Sale, StockAlertState  # noqa: E402
from forecasting.tasks import store_stock_alerts  # noqa: E402
from studio.permissions import ARTISANS, MANAGERS  # noqa: E402

BATCH = 2000
WEEKS = 12


def seed(variants: int) -> int:
    """A catalogue of `variants` single-variant products with forecasts and some sales; returns a product id."""
    Sale.objects.all().delete()
    Forecast.objects.all().delete()
    StockAlertState.objects.all().delete()  # a new day: nothing refreshed yet
    Variant.objects.all().delete()
    Product.objects.all().delete()
    User = get_user_model()
    maker = User.objects.get(username="bench-maker")
    now = timezone.now()
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    dates = [(monday + dt.timedelta(weeks=n)).isoformat() for n in range(WEEKS)]
    for start in range(0, variants, BATCH):
        numbers = range(start, min(start + BATCH, variants))
        products = Product.objects.bulk_create(
            Product(
                handle=f"bench-{n}",
                title=f"Stoneware mug {n}",
                maker=maker,
                price=Decimal("28.00"),
                lead_time_days=7 + n % 21,
                minutes_per_unit=30,
            )
            for n in numbers
        )
        made = Variant.objects.bulk_create(
            Variant(product=product, sku=f"BENCH-{n}", stock_on_hand=(n * 7) % 40, work_in_progress=n % 3)
            for n, product in zip(numbers, products, strict=True)
        )
        Forecast.objects.bulk_create(
            Forecast(
                variant=variant,
                method="TSB",
                demand_class="intermittent",
                values={
                    "dates": dates,
                    "mean": [(n % 9) / 2] * WEEKS,
                    "p10": [0.0] * WEEKS,
                    "p50": [(n % 9) / 2] * WEEKS,
                    "p90": [n % 9] * WEEKS,
                },
                validation_error=0.5 + (n % 10) / 10,
                fitted_at=now,
            )
            for n, variant in zip(numbers, made, strict=True)
        )
        Sale.objects.bulk_create(
            Sale(
                variant=variant,
                date=timezone.localdate() - dt.timedelta(days=n % 200),
                quantity=1 + n % 3,
                unit_price=Decimal("28.00"),
                channel="shopify",
                order_ref=f"B{n}",
            )
            for n, variant in zip(numbers, made, strict=True)
            if n % 3 == 0
        )
    return Product.objects.order_by("pk").values_list("pk", flat=True).first()


def measure(client: Client, url: str, repeats: int, *, refresh_after_first: bool) -> tuple[float, int, float]:
    """Median seconds over `repeats` fetches (after one warm-up), the queries of one fetch and the
    warm-up's seconds (the first read after seeding finds the stock alerts not current and queues
    their refresh; with `refresh_after_first` the refresh then runs here, timed, as a worker runs it)."""
    start = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    if refresh_after_first:
        assert b"being refreshed" in response.content or b"being worked out" in response.content
        start = time.perf_counter()
        outcome = store_stock_alerts()
        print(
            f"# background refresh of the stock alerts: {outcome['computed']:,} forecasts in "
            f"{time.perf_counter() - start:.1f} s (a worker's task, not a page)",
            flush=True,
        )
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), len(queries), first


def main() -> None:
    sizes = [int(size) for size in ARGS.sizes.split(",")]
    setup_test_environment()  # the test client's template and context capture
    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    User.objects.filter(username__in=["bench-manager", "bench-maker"]).delete()
    manager = User.objects.create_user("bench-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name=MANAGERS))
    User.objects.create_user("bench-maker", is_staff=True).groups.add(Group.objects.get(name=ARTISANS))
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost")
    client.force_login(manager, backend=settings.AUTHENTICATION_BACKENDS[0])
    results: dict[str, dict[int, tuple[float, int]]] = {}
    print(f"{'page':<22}{'variants':>10}{'ms':>10}{'queries':>9}{'first ms':>10}")
    for size in sizes:
        started = time.perf_counter()
        product_id = seed(size)
        print(f"# seeded {size:,} variants in {time.perf_counter() - started:.1f} s", flush=True)
        pages = {
            "dashboard": "/",
            "forecasts": "/sales/forecasts/",
            "catalogue": "/catalog/",
            "sales": "/sales/",
            "product": f"/catalog/products/{product_id}/",
            "alerts api": "/api/alerts/",
        }
        for name, url in pages.items():
            seconds, queries, first = measure(client, url, ARGS.repeats, refresh_after_first=name == "dashboard")
            results.setdefault(name, {})[size] = (seconds, queries)
            print(f"{name:<22}{size:>10,}{seconds * 1000:>10.1f}{queries:>9}{first * 1000:>10.1f}", flush=True)
    small, large = sizes[0], sizes[-1]
    print(f"\nratio {large:,} ÷ {small:,} variants (same run)")
    print(f"{'page':<22}{'time':>8}{'queries':>9}")
    for name, by_size in results.items():
        (t_small, q_small), (t_large, q_large) = by_size[small], by_size[large]
        print(f"{name:<22}{t_large / t_small:>8.1f}{q_large / max(q_small, 1):>9.2f}")


if __name__ == "__main__":
    main()
