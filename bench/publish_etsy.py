"""Publishing 500 products to Etsy at Etsy's default 10 requests/s: how close the client runs to the limit.

    .venv/bin/python bench/publish_etsy.py [--products 500] [--per-second 10] [--speed 1]

The real Etsy channel code (channels.etsy.publishing: createDraftListing, image
uploads by rank, updateListingInventory) and the real EtsyClient (requests,
pacing from the x-limit-* headers) publish to the fake Etsy of the tests
(tests/channels/fakes/etsy.py) on loopback, which validates every request
against Etsy's OpenAPI document and answers 429 beyond `--per-second` in any
second. Products have 1–3 variants and 3–5 images each; they live in a
throwaway SQLite database (the listing id is stored before anything else, as
in production).

Measured in the same run:
- the floor the rate limit sets: calls made ÷ requests per second. A ratio
  (seconds ÷ floor) near 1 means the client paces just under the limit; 429s
  (target 0) mean it went over and had to wait a retry-after;
- baseline: the client's own work per call (HTTP, JSON, the fake's validation),
  publishing a few products with no rate limit.

`--speed N` runs both clocks N times faster (say so when quoting numbers). Exits
1 when a product fails. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_db = Path(tempfile.mkdtemp(prefix="atelier-bench-etsy-")) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{_db}"
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from products import KINDS  # noqa: E402  (bench/products.py, shared with the other benches)

from catalog.models import Category, Product, Variant  # noqa: E402
from channels.etsy.client import EtsyClient  # noqa: E402
from channels.etsy.models import EtsyFacts  # noqa: E402
from channels.etsy.publishing import ShopCache, listing_publish  # noqa: E402
from channels.payload import ImagePayload, ProductPayload, VariantPayload  # noqa: E402
from tests.channels.fakes.etsy import FakeEtsy  # noqa: E402

SIZES = ["Small", "Medium", "Large"]


class ScaledClock:
    def __init__(self, speed: float) -> None:
        self.speed, self._start = speed, time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._start) * self.speed

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.speed)


class Tokens:
    def __init__(self, grant: dict) -> None:
        self.token = grant["access_token"]

    def access_token(self) -> str:
        return self.token

    def refreshed(self, *, stale: str) -> str:
        raise RuntimeError("the bench's token never expires")


def make_products(count: int, prefix: str, owner) -> list[ProductPayload]:
    import hashlib

    rng = random.Random(20261206 + len(prefix))
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    EtsyFacts.objects.get_or_create(
        category=category,
        defaults={
            "who_made": "i_did",
            "when_made": "made_to_order",
            "is_supply": False,
            "taxonomy_id": 1062,
            "shipping_profile_id": 7001,
        },
    )
    payloads = []
    for number in range(count):
        kind = rng.choice(sorted(KINDS))
        nouns, materials, _, colours = KINDS[kind]
        noun, material = rng.choice(nouns), rng.choice(materials)
        colour = rng.choice(colours) if colours else "natural"
        handle = f"{prefix}{colour}-{noun}-{number}".replace(" ", "-")
        product = Product.objects.create(
            handle=handle,
            title=f"{colour.title()} {noun}",
            maker=owner,
            category=category,
            materials=[material.replace("-", " ")],
            price=Decimal("30"),
            made_to_order=rng.random() < 0.3,
            lead_time_days=rng.choice([2, 5, 14]),
        )
        sizes = SIZES[: rng.choice([1, 2, 3])]
        variants = []
        for position, size in enumerate(sizes):
            sku = f"{prefix.upper()}{number:04d}-{size[0]}"
            Variant.objects.create(
                product=product, sku=sku, title=size, options={"size": size.lower()}, position=position
            )
            variants.append(
                VariantPayload(sku, Decimal(24 + 4 * position), [size] if len(sizes) > 1 else [], rng.randint(0, 5))
            )
        images = []
        for index in range(rng.randint(3, 5)):
            content = rng.randbytes(4096)
            images.append(
                ImagePayload(
                    f"{handle}-{index}.jpg",
                    content,
                    f"{noun} photo {index + 1}",
                    hashlib.sha256(content).hexdigest(),
                    "image/jpeg",
                )
            )
        payloads.append(
            ProductPayload(
                handle=handle,
                title=f"{colour.title()} {noun}, handmade in {material}",
                description_html=f"<p>A {noun} in {material}.</p>",
                vendor="Bench studio",
                product_type=kind,
                tags=[noun[:20], "handmade"],
                seo_title="",
                seo_description="",
                category_gid=None,
                options=["Size"] if len(sizes) > 1 else [],
                variants=variants,
                images=images,
                status="DRAFT",
            )
        )
    return payloads


def run(payloads, *, per_second: int, speed: float, workers: int) -> dict:
    clock = ScaledClock(speed)
    with FakeEtsy(per_second=per_second, per_day=10**9, clock=clock.now) as etsy:
        client = EtsyClient(
            keystring=etsy.keystring,
            shared_secret=etsy.shared_secret,
            tokens=Tokens(etsy.grant()),
            base_url=etsy.base_url,
            per_second=per_second,
            clock=clock.now,
            sleep=clock.sleep,
            timeout=10,
        )
        cache, errors = ShopCache(), []
        queue = list(reversed(payloads))
        lock = threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    if not queue:
                        break
                    payload = queue.pop()
                try:
                    listing_publish(
                        payload=payload, client=client, shop_id=str(etsy.shop_id), listing_state="draft", cache=cache
                    )
                except Exception as error:  # counted and shown: a failed product fails the bench
                    with lock:
                        errors.append(f"{payload.handle}: {type(error).__name__}: {error}"[:300])
            connection.close()

        start = clock.now()
        threads = [threading.Thread(target=work) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = clock.now() - start
        failures = len(errors)
        throttled = sum(1 for r in etsy.requests if r.status == 429)
        listings = len(etsy.listings)
    return {
        "seconds": seconds,
        "calls": client.calls,
        "throttled": throttled,
        "failures": failures,
        "errors": errors[:5],
        "listings": listings,
        "waited": client.pacer.waited / speed if speed else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--per-second", type=int, default=10)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--baseline-products", type=int, default=20)
    parser.add_argument(
        "--workers", type=int, default=2, help="publishing threads sharing one client, as task workers share a key"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.create(username="bench")
    baseline_payloads = make_products(min(args.baseline_products, args.products), "base-", owner)
    payloads = make_products(args.products, "", owner)

    base = run(baseline_payloads, per_second=100_000, speed=1.0, workers=1)
    per_call_ms = 1000 * base["seconds"] / max(1, base["calls"])
    print(
        f"Baseline (no rate limit, {len(baseline_payloads)} products): {base['calls']} calls in {base['seconds']:.2f} s, "
        f"{per_call_ms:.1f} ms of client + fake work per call"
    )

    paced = run(payloads, per_second=args.per_second, speed=args.speed, workers=args.workers)
    calls_per_product = paced["calls"] / max(1, args.products)
    floor = paced["calls"] / args.per_second
    ratio = paced["seconds"] / floor if floor else 0.0
    print(
        f"\nPaced run: {args.products} products at {args.per_second} requests/s, {args.workers} workers "
        f"(clock ×{args.speed:g})"
    )
    print(
        f"  calls                {paced['calls']:7d}   ({calls_per_product:.2f} per product: listing, images, inventory)"
    )
    print(f"  floor (calls ÷ rate) {floor:9.1f} s")
    print(f"  publishing took      {paced['seconds']:9.1f} s   ratio {ratio:.3f} to the floor")
    print(f"  429 answers          {paced['throttled']:7d}   (target 0)")
    print(f"  listings on Etsy     {paced['listings']:7d}   failures {paced['failures']}")
    for error in paced["errors"] + base["errors"]:
        print(f"  ! {error}")
    failures = paced["failures"] + base["failures"]
    print(
        json.dumps(
            {
                "bench": "publish_etsy",
                "products": args.products,
                "per_second": args.per_second,
                "speed": args.speed,
                "workers": args.workers,
                "seconds": round(paced["seconds"], 2),
                "floor_s": round(floor, 2),
                "ratio": round(ratio, 3),
                "failures": failures,
                "calls_per_product": round(calls_per_product, 2),
                "throttled": paced["throttled"],
                "baseline_ms_per_call": round(per_call_ms, 2),
            }
        )
    )
    return 1 if failures or paced["listings"] != args.products else 0


if __name__ == "__main__":
    sys.exit(main())
