"""Run the fake Etsy of the tests on loopback, so the demo studio can connect "Etsy" and publish to it.

    .venv/bin/python manage.py fake_etsy [--port 8765] [--defaults]

It prints the settings to start Atelier with; a shop manager then opens Connect Etsy,
"allows" Atelier (the fake approves at once), and publishes approved products as
drafts. `--defaults` sets Etsy facts (who/when made, supply, taxonomy, shipping
profile) on every category that has none, so the demo's products are publishable.
A buyer can be simulated with

    curl -X POST http://127.0.0.1:8765/_fake/sell -d '{"sku": "MUG-CEL-S", "quantity": 1}'

and the receipt comes back as sales at the next pull (Forecasts → pull, or the schedule).
Nothing leaves the machine; everything is forgotten when it stops.
"""

from __future__ import annotations

import threading

from django.core.management.base import BaseCommand

from catalog.models import Category
from channels.etsy.models import EtsyFacts
from tests.channels.fakes.etsy import FakeEtsy


class Command(BaseCommand):
    help = "Run a fake Etsy Open API v3 on loopback for the demo studio (Ctrl-C stops it)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--per-second", type=int, default=10)
        parser.add_argument("--defaults", action="store_true", help="Give every category without them Etsy facts.")

    def handle(self, *args, port: int, per_second: int, defaults: bool, **options):
        if defaults:
            for category in Category.objects.filter(etsy_facts__isnull=True):
                EtsyFacts.objects.create(
                    category=category,
                    who_made="i_did",
                    when_made="made_to_order",
                    is_supply=False,
                    taxonomy_id=1062,
                    shipping_profile_id=7001,
                )
                self.stdout.write(f"Etsy facts set for the category {category.name}.")
        etsy = FakeEtsy(port=port, per_second=per_second).start()
        self.stdout.write(
            self.style.SUCCESS(f"Fake Etsy on {etsy.base_url} (shop {etsy.shop_name}). Start Atelier with:")
        )
        self.stdout.write(
            f"  export ETSY_API_KEY={etsy.keystring}\n"
            f"  export ETSY_SHARED_SECRET={etsy.shared_secret}\n"
            f"  export ETSY_BASE_URL={etsy.base_url}\n"
            f"  export ETSY_CONNECT_URL={etsy.connect_url}\n"
            "Then, as a shop manager: Catalogue → Connect Etsy. Ctrl-C stops the fake."
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            etsy.stop()
