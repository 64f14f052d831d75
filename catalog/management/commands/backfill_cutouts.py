"""Cut out the photos stored before cut-outs existed: `python manage.py backfill_cutouts`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from catalog.models import Photo
from catalog.services import photo_mask_backfill


class Command(BaseCommand):
    help = "Make the product mask (cut-out) of every photo that has none yet. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--retry-failed", action="store_true", help="Also try photos whose cut-out failed before.")

    def handle(self, *args, retry_failed: bool = False, **options) -> None:
        photos = Photo.objects.filter(mask="")
        if not retry_failed:
            photos = photos.exclude(mask_quality__has_key="error")
        made = failed = 0
        for photo_id in photos.values_list("pk", flat=True).iterator():
            photo = photo_mask_backfill(photo_id=photo_id)
            if photo.mask:
                made += 1
            else:
                failed += 1
                self.stderr.write(f"Photo {photo_id}: {photo.mask_error}")
        self.stdout.write(f"Cut-outs made: {made}; without a product to cut out: {failed}.")
