"""manage.py media_sweep [--dry-run] [--grace-hours N]: remove media files no row refers to."""

from django.conf import settings
from django.core.management.base import BaseCommand

from studio.media import media_sweep


class Command(BaseCommand):
    help = (
        "Remove files under MEDIA_ROOT that no row refers to (left by a killed upload or render), "
        "older than the grace period. The same sweep runs nightly as a django-q2 schedule."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be removed.")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=None,
            help="Keep files younger than this (default: ATELIER_MEDIA_SWEEP_GRACE_HOURS).",
        )

    def handle(self, *args, **options):
        hours = options["grace_hours"]
        if hours is None:
            hours = settings.ATELIER_MEDIA_SWEEP_GRACE_HOURS
        report = media_sweep(grace_seconds=int(hours * 3600), dry_run=options["dry_run"])
        verb = "Would remove" if options["dry_run"] else "Removed"
        for name in report.removed:
            self.stdout.write(f"{'would remove' if options['dry_run'] else 'removed'} {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(report.removed)} file{'s' if len(report.removed) != 1 else ''} "
                f"({report.removed_bytes:,} bytes) no row refers to; {report.too_recent} newer than "
                f"{hours:g} h left for a later sweep."
            )
        )
