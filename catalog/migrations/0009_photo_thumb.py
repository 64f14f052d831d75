"""Photos get a small JPEG copy (Photo.thumb) for the pages that show many at once.

New photos get theirs at intake; this makes them for the photos already stored.
Self-contained (no app code): a photo whose file is missing or unreadable is left
without one, and its pages show the original as before.
"""

import io

from django.core.files.base import ContentFile
from django.db import migrations, models

import catalog.models

SIDE, QUALITY = 640, 82


def make_thumbs(apps, schema_editor):
    from PIL import Image

    Photo = apps.get_model("catalog", "Photo")
    for photo in Photo.objects.filter(thumb="").exclude(file="").iterator(chunk_size=200):
        try:
            with photo.file.open("rb") as stored, Image.open(stored) as opened:
                opened.draft("RGB", (SIDE, SIDE))
                small = opened.convert("RGB")
        except (OSError, ValueError, Image.DecompressionBombError):
            continue
        small.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
        buffer = io.BytesIO()
        small.save(buffer, format="JPEG", quality=QUALITY, optimize=True)
        name = f"photos/thumbs/{photo.sha256[:2]}/{photo.sha256}.jpg"
        storage = photo.thumb.storage
        if storage.exists(name):
            storage.delete(name)
        photo.thumb.name = storage.save(name, ContentFile(buffer.getvalue(), name=name))
        photo.save(update_fields=["thumb"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_sku_characters"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="thumb",
            field=models.ImageField(
                blank=True,
                help_text="A JPEG copy at most 640 px on its long side, for pages that show many photos at once.",
                upload_to=catalog.models.photo_thumb_upload_to,
                verbose_name="thumbnail",
            ),
        ),
        migrations.RunPython(make_thumbs, migrations.RunPython.noop, elidable=True),
    ]
