"""manage.py seed_demo: a believable demo studio in an empty database."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEFAULT_SIZE, SIZES, DemoSummary, demo_seed


class Command(BaseCommand):
    help = (
        "Seed a demo studio (a shop manager, three makers, ~40 products with photos, two years of daily "
        "sales, listing copy, staged images, forecasts and production plans) into a database that has no "
        "products yet. Does nothing otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Random seed; the same seed gives the same studio.")
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default=DEFAULT_SIZE,
            help="small (the default, under a minute): one photo per product, a quarter of them staged, "
            "forecasts without Prophet. large (several minutes): every colourway photographed, every "
            "product staged in two looks, Prophet in the forecasts as the settings say.",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args, seed: int, size: str, quiet: bool, **options):
        if seed < 0:
            raise CommandError("--seed must be zero or more.")
        summary = demo_seed(seed=seed, size=size, progress=None if quiet else self._progress)
        if quiet:
            return
        if not summary.seeded:
            self.stdout.write("Demo studio already present; nothing to do.")
            return
        self.stdout.write(self.style.SUCCESS(self._report(summary, seed)))

    def _progress(self, line: str) -> None:
        self.stdout.write(f"  {line}")
        self.stdout.flush()

    def _report(self, s: DemoSummary, seed: int) -> str:
        lines = [
            f"Seeded {s.studio} ({s.size} demo, seed {seed}) in {s.seconds:.1f} s:",
            f"  {s.categories} categories, {s.products} products, {s.variants} variants, {s.photos} photos",
            f"  {s.sales:,} sales lines from {s.first_sale} to {s.last_sale}",
            f"  {s.staged_images} staged images, {s.forecasts} forecasts, {s.plans} production plans",
            f"  {s.drafts} drafts waiting for review (listing copy, staged images, galleries, production plans)",
        ]
        if s.size != "large":
            lines.append("  (manage.py seed_demo --size large on an empty database builds a bigger demo)")
        if s.logins:
            lines.append(f"Demo logins (password: {settings.ATELIER_DEMO_PASSWORD}):")
            for login in s.logins:
                role = f"{login.role} ({login.makes})" if login.makes else login.role
                lines.append(f"  {login.username:<10} {role}")
        else:
            lines.append("The demo accounts already existed and were left as they were.")
        return "\n".join(lines)
