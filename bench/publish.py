"""Publishing 500 products to Shopify at a standard plan's rate: the client's pacing against the cost budget.

    .venv/bin/python bench/publish.py [--products 500] [--bucket 2000] [--restore-rate 100] [--speed 1]

The real ShopifyClient (ShopifyAPI's GraphQL client, staged uploads, productSet)
publishes to the fake Shopify of the tests (tests/channels/fakes/shopify.py) on loopback.
The fake enforces Shopify's leaky bucket: a standard plan refills 100 points/s
into a bucket of 2,000 (`--bucket 1000` for the older size). Each product is a
lookup, a staged upload of its photo and a productSet; the fake charges what
Shopify's cost rules roughly would (requested up front, refunded to actual).

Measured, in the same run on the same products:

- baseline: the same publishes against a bucket that never runs dry, i.e. the
  client's and the fake's own work (HTTP, JSON, uploads), with no waiting;
- the throttled run, against the floor the cost budget allows:
  (total actual cost − the bucket's initial content) / restore rate. A ratio
  near 1 means the client waits just enough; THROTTLED answers (target 0) mean
  it guessed too low, and each costs a round trip and a wait.

No Django, no database. At real speed the throttled run takes about a minute
for 500 products; `--speed N` runs both clocks N times faster (say so when
quoting numbers). Timings are those of the simulated clock. Exits 1 when a
publish fails in either run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from products import KINDS  # noqa: E402  (bench/products.py, shared with the other benches)

from channels.payload import ImagePayload, ProductPayload, VariantPayload  # noqa: E402
from channels.shopify.client import ShopifyClient  # noqa: E402
from channels.shopify.errors import ShopifyError  # noqa: E402
from tests.channels.fakes.shopify import FakeShopify  # noqa: E402

SIZES = ["Small", "Medium", "Large"]


class ScaledClock:
    """Monotonic time running `speed` times faster, for both the client and the fake."""

    def __init__(self, speed: float) -> None:
        self.speed, self._start = speed, time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._start) * self.speed

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.speed)


def make_products(count: int) -> list[ProductPayload]:
    rng = random.Random(20250301)
    payloads = []
    for number in range(count):
        category = rng.choice(sorted(KINDS))
        nouns, materials, techniques, colours = KINDS[category]
        noun, material = rng.choice(nouns), rng.choice(materials)
        colour = rng.choice(colours) if colours else "natural"
        sizes = SIZES[: rng.choice([1, 1, 2, 3])]
        handle = f"{colour}-{noun}-{number}".replace(" ", "-")
        photo = rng.randbytes(2048)
        payloads.append(
            ProductPayload(
                handle=handle,
                title=f"{colour.title()} {noun}",
                description_html=f"<p>{rng.choice(techniques).capitalize()} {noun} in {material}.</p>",
                vendor="Atelier bench",
                product_type=category,
                tags=[category.lower(), material, colour],
                seo_title=f"{colour.title()} {noun} in {material}"[:70],
                seo_description=f"A {rng.choice(techniques)} {noun} in {material}, made by hand."[:320],
                category_gid=None,
                options=["Size"] if len(sizes) > 1 else [],
                variants=[
                    VariantPayload(
                        f"B{number:04d}-{size[0]}", Decimal(rng.randint(12, 90)), [size] if len(sizes) > 1 else [], 3
                    )
                    for size in sizes
                ],
                images=[
                    ImagePayload(
                        f"{handle}.jpg",
                        photo,
                        f"{colour.title()} {noun}",
                        hashlib.sha256(photo).hexdigest(),
                        "image/jpeg",
                    )
                ],
            )
        )
    return payloads


def publish_all(payloads: list[ProductPayload], *, bucket: float, restore_rate: float, clock, workers: int) -> dict:
    with FakeShopify(maximum_available=bucket, restore_rate=restore_rate, clock=clock.now) as shop:
        client = ShopifyClient(
            shop.shop_domain,
            shop.access_token,
            shop.api_version,
            base_url=shop.base_url,
            sleep=clock.sleep,
            clock=clock.now,
            location_gid=shop.location_gid,
        )
        queue, failures, lock = list(reversed(payloads)), [], threading.Lock()

        def work() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    payload = queue.pop()
                try:
                    client.publish(payload)
                except ShopifyError as exc:
                    with lock:
                        failures.append(f"{payload.handle}: {exc}")

        started = clock.now()
        threads = [threading.Thread(target=work) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = clock.now() - started
        charged = [r.cost for r in shop.requests if r.cost and r.cost.get("actualQueryCost") is not None]
        return {
            "seconds": elapsed,
            "products": shop.product_count(),
            "requests": len(shop.requests),
            "throttled": shop.throttled_count,
            "failures": failures,
            "actual_cost": sum(c["actualQueryCost"] for c in charged),
            "requested_cost": sum(c["requestedQueryCost"] for c in charged),
            "paced_seconds": client.stats.paced_seconds,
            "retries": client.stats.retries,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--bucket", type=float, default=2000, help="bucket size in points (standard plan: 2000)")
    parser.add_argument("--restore-rate", type=float, default=100, help="points per second (standard plan: 100)")
    parser.add_argument("--speed", type=float, default=1.0, help="run the simulated clock this many times faster")
    parser.add_argument("--workers", type=int, default=1, help="threads sharing one client")
    args = parser.parse_args()

    payloads = make_products(args.products)
    variants = sum(len(p.variants) for p in payloads)
    print(
        f"{args.products} products, {variants} variants, {args.products} photos of 2 KiB; "
        f"bucket {args.bucket:.0f} points, restore rate {args.restore_rate:.0f} points/s, {args.workers} worker(s)"
    )
    if args.speed != 1:
        print(
            f"NOTE: the simulated clock runs {args.speed:g}× faster than real time; times below are simulated seconds."
        )

    base = publish_all(payloads, bucket=1e12, restore_rate=1e12, clock=ScaledClock(args.speed), workers=args.workers)
    print(
        f"\nBaseline, bucket never dry: {base['seconds']:6.2f} s, {base['requests']} requests, "
        f"{base['seconds'] / args.products * 1000:.1f} ms per product"
    )

    run = publish_all(
        payloads,
        bucket=args.bucket,
        restore_rate=args.restore_rate,
        clock=ScaledClock(args.speed),
        workers=args.workers,
    )
    floor = max(0.0, (run["actual_cost"] - args.bucket) / args.restore_rate)
    ratio = run["seconds"] / floor if floor else None
    print(f"\nThrottled run ({args.restore_rate:.0f} points/s, bucket {args.bucket:.0f})")
    print(
        f"  cost: {run['actual_cost']:.0f} points actual, {run['requested_cost']:.0f} requested up front, "
        f"{run['actual_cost'] / args.products:.1f} per product"
    )
    print(
        f"  floor from the cost budget ({run['actual_cost']:.0f} − {args.bucket:.0f}) / {args.restore_rate:.0f}"
        f" = {floor:6.2f} s"
    )
    verdict = f"ratio {ratio:.3f}× the floor" if ratio else "no floor: the bucket's initial points cover the run"
    print(f"  publishing took                                {run['seconds']:6.2f} s   {verdict}")
    print(f"  of which the client waited for the bucket      {run['paced_seconds']:6.2f} s")
    print(
        f"  THROTTLED answers {run['throttled']} (target 0), retries {run['retries']}, "
        f"failures {len(run['failures'])}, products on the fake {run['products']}/{args.products}"
    )
    for failure in run["failures"][:5]:
        print(f"    {failure}")
    print(
        json.dumps(
            {
                "products": args.products,
                "bucket": args.bucket,
                "restore_rate": args.restore_rate,
                "speed": args.speed,
                "baseline_s": round(base["seconds"], 3),
                "seconds": round(run["seconds"], 3),
                "floor_s": round(floor, 3),
                "ratio": round(ratio, 4) if ratio else None,
                "throttled": run["throttled"],
                "failures": len(run["failures"]),
            }
        )
    )
    broken = [
        name
        for name, result in (("baseline", base), ("throttled run", run))
        if result["failures"] or result["products"] != args.products
    ]
    if broken:
        sys.exit(
            f"Publishing failed in the {' and the '.join(broken)}: the numbers above don't measure a working client."
        )


if __name__ == "__main__":
    main()
