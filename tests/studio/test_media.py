"""Content-addressed files are written idempotently, and the sweep removes what no row refers to (issue 14).

A web process killed during a photo upload used to leave the photo and its mask on disk with no
row, and uploading the same photo again stored a second copy under a random suffix.
"""

import io
import os
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from approvals.models import ReviewItem
from catalog.models import Photo
from catalog.services import photo_add, photos_upload
from studio.media import media_sweep
from tests.catalog.test_photo_qc import studio_shot

pytestmark = pytest.mark.django_db


def jpeg(size: int = 600) -> bytes:
    buffer = io.BytesIO()
    studio_shot(size).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def files(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def age(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_a_photo_left_on_disk_by_a_killed_upload_is_reused_not_copied(own_product, settings):
    content = jpeg()
    first = photo_add(product=own_product, content=content, filename="mug.jpg")
    stored = [settings.MEDIA_ROOT / name for name in (first.file.name, first.mask.name, first.thumb.name)]
    Photo.objects.filter(pk=first.pk).delete()  # the row is gone, as after a killed request: the files stay
    again = photos_upload(product=own_product, files=[SimpleUploadedFile("mug-again.jpg", content)])
    photo = again[0].photo
    assert photo.file.name == first.file.name  # the same bytes, the same name: no <sha>_XXXXXXX.jpg
    assert files(settings.MEDIA_ROOT) == sorted(p.relative_to(settings.MEDIA_ROOT).as_posix() for p in stored)
    assert photo.width == first.width and photo.height == first.height


def test_a_half_written_file_under_the_name_is_replaced_whole(own_product, settings):
    content = jpeg()
    photo = photo_add(product=own_product, content=content, filename="mug.jpg")
    path = settings.MEDIA_ROOT / photo.file.name
    whole = path.read_bytes()
    Photo.objects.filter(pk=photo.pk).delete()
    path.write_bytes(whole[: len(whole) // 3])  # a write killed a third of the way
    again = photo_add(product=own_product, content=content, filename="mug.jpg")
    assert again.file.name == photo.file.name and path.read_bytes() == whole
    assert not [name for name in files(settings.MEDIA_ROOT) if name.endswith(".part")]


def test_two_products_with_the_same_photo_share_one_file(own_product, others_product, settings):
    content = jpeg()
    one = photo_add(product=own_product, content=content)
    two = photo_add(product=others_product, content=content)
    assert one.file.name == two.file.name and len(files(settings.MEDIA_ROOT)) == 3  # the photo, its mask and thumb


def test_the_sweep_removes_old_orphans_only(own_product, settings):
    root = settings.MEDIA_ROOT
    kept = photo_add(product=own_product, content=jpeg())
    orphan, recent, approved = root / "photos/aa/orphan.jpg", root / "photos/bb/recent.jpg", root / "staged/x/old.png"
    for path in (orphan, recent, approved):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind")
    for path in (orphan, approved, root / kept.file.name, root / kept.mask.name):
        age(path, 48)
    # An approved snapshot still names an image that no file field holds any more.
    ReviewItem.objects.create(
        kind="staged_image",
        draft_type=ContentType.objects.get_for_model(Photo),
        draft_id=kept.pk,
        version=1,
        subject="Mug",
        snapshot={"images": [{"image": "staged/x/old.png"}]},
        snapshot_hash="0" * 64,
    )

    dry = media_sweep(grace_seconds=24 * 3600, dry_run=True)
    assert dry.removed == ["photos/aa/orphan.jpg"] and dry.too_recent == 1 and orphan.exists()

    report = media_sweep(grace_seconds=24 * 3600)
    assert report.removed == ["photos/aa/orphan.jpg"] and not orphan.exists()
    assert recent.exists() and approved.exists()
    assert (root / kept.file.name).exists() and (root / kept.mask.name).exists() and (root / kept.thumb.name).exists()


def test_the_sweep_command_has_a_dry_run(settings, db):
    root = settings.MEDIA_ROOT
    orphan = root / "photos/cc/orphan.jpg"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x" * 10)
    age(orphan, 30)
    out = io.StringIO()
    call_command("media_sweep", "--dry-run", stdout=out)
    assert "would remove photos/cc/orphan.jpg" in out.getvalue() and orphan.exists()
    assert "Would remove 1 file (10 bytes)" in out.getvalue()
    call_command("media_sweep", "--grace-hours", "48", stdout=io.StringIO())
    assert orphan.exists()  # younger than 48 h
    call_command("media_sweep", stdout=out)
    assert not orphan.exists() and "Removed 1 file (10 bytes)" in out.getvalue()


def test_the_sweep_and_the_stalled_job_check_are_scheduled(db):
    from django_q.models import Schedule

    from studio.schedules import MEDIA_SWEEP, STALLED_JOBS, schedules_sync

    schedules_sync()
    assert Schedule.objects.get(name=MEDIA_SWEEP).func == "studio.tasks.sweep_media"
    assert Schedule.objects.get(name=STALLED_JOBS).func == "studio.tasks.fail_stalled_jobs"
