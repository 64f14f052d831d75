"""Staging through the database: looks and their versions, staging jobs, staged-image drafts in the queue."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from approvals.models import ReviewItem, ReviewState
from approvals.selectors import approved_content
from approvals.services import review_decide
from catalog.models import Look, StagedImage
from catalog.services import photo_add
from catalog.staging.services import (  # noqa: F401  (staging_start is called through the worker fixture)
    look_create,
    look_update,
    looks_ensure_starters,
    staged_image_render,
    staging_start,
)
from studio.models import Job
from tests.browser import photos


@pytest.fixture
def mug_photos(own_product, artisan):
    """Three phone photos of a mug, as intake stores them (QC and cut-out included)."""
    shots = [
        photos.drawn_and_prepared(f"mug-{n}.jpg", "mug", glaze, seed=n + 1)
        for n, glaze in enumerate(["#8fb3a0", "#c46a3c", "#2f4a73"])
    ]
    return [
        photo_add(product=own_product, content=shot, filename=f"mug-{n}.jpg", uploaded_by=artisan, prepared=prepared)
        for n, (shot, prepared) in enumerate(shots)
    ]


@pytest.fixture
def two_looks(db):
    looks_ensure_starters()
    return list(Look.objects.order_by("position")[:2])


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """Staging enqueues its tasks on commit; inside a test's transaction, run them as the worker would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def _small(look: Look, size: int = 1024) -> Look:
    """Tests render small images: the same look at the smallest output size."""
    spec = dict(look.current.spec)
    spec["output"] = {**spec.get("output", {}), "size": size}
    look_update(look=look, spec=spec)
    look.refresh_from_db()
    return look


def test_three_photos_into_two_looks_is_one_job_and_six_drafts(mug_photos, two_looks, artisan, worker):
    looks = [_small(look) for look in two_looks]

    job = worker(staging_start, products=[mug_photos[0].product], looks=looks, requested_by=artisan)

    job.refresh_from_db()
    assert (job.total, job.done, job.failed, job.status) == (6, 6, 0, Job.Status.SUCCEEDED)
    assert job.label == "Stage 6 images for Ines's celadon mug"
    staged = list(StagedImage.objects.all())
    assert len(staged) == 6 and {image.status for image in staged} == {StagedImage.Status.READY}
    items = ReviewItem.objects.filter(kind="staged_image", state=ReviewState.PENDING)
    assert items.count() == 6
    assert {item.owner for item in items} == {artisan}
    for image in staged:
        assert image.fidelity["identical_share"] == 1.0
        assert image.image.name.startswith("staged/") and image.image.name.endswith(f"{image.sha256}.png")


def test_product_pixels_in_the_stored_file_are_the_originals(mug_photos, two_looks, worker):
    look = _small(two_looks[0])
    job = worker(staging_start, products=[mug_photos[0].product], looks=[look])
    assert Job.objects.get(pk=job.pk).done == 3
    staged = StagedImage.objects.get(photo=mug_photos[0], look=look)
    with staged.image.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "PNG"  # lossless: JPEG would change the product's bytes
    assert staged.fidelity["pixels_compared"] > 1000


def test_restaging_the_same_look_is_idempotent(mug_photos, two_looks, worker):
    look = _small(two_looks[0])
    worker(staging_start, products=[mug_photos[0].product], looks=[look])
    staged = StagedImage.objects.get(photo=mug_photos[0], look=look)
    first = staged.sha256

    staged_image_render(staged_id=staged.pk)

    staged.refresh_from_db()
    assert staged.sha256 == first  # deterministic for the seed
    assert ReviewItem.objects.filter(draft_id=staged.pk, kind="staged_image").count() == 1

    # Staged again with a new look: the job names the product and says what was already staged.
    job = worker(staging_start, products=[mug_photos[0].product], looks=[look, _small(two_looks[1])])
    assert job.label == "Stage 3 images for Ines's celadon mug (3 already staged)"


@pytest.mark.parametrize("left_behind", ["image", "thumb"])
def test_a_retried_render_replaces_a_file_a_killed_write_left_half_written(mug_photos, two_looks, worker, left_behind):
    """A render killed mid-write leaves part of the PNG (or of its thumbnail) under the final name;
    the retry must store the whole picture, never adopt the broken file as the approved one."""
    from django.core.files.storage import default_storage

    look = _small(two_looks[0])
    worker(staging_start, products=[mug_photos[0].product], looks=[look])
    staged = StagedImage.objects.get(photo=mug_photos[0], look=look)
    name = staged.image.name if left_behind == "image" else staged.details["thumb"]
    with default_storage.open(name, "rb") as stored:
        whole = stored.read()
    path = default_storage.path(name)
    with open(path, "wb") as cut:
        cut.write(whole[: len(whole) // 3])  # what a SIGKILL during the write leaves

    staged_image_render(staged_id=staged.pk)

    staged.refresh_from_db()
    with default_storage.open(name, "rb") as stored:
        assert stored.read() == whole
    Image.open(default_storage.path(staged.image.name)).load()  # the image decodes whole


def test_stage_again_gives_a_new_composition_as_the_next_version(mug_photos, two_looks, artisan_client, worker):
    look = _small(two_looks[0])
    worker(staging_start, products=[mug_photos[0].product], looks=[look])
    staged = StagedImage.objects.get(photo=mug_photos[0], look=look)

    response = worker(artisan_client.post, reverse("staged-image-stage-again", args=[staged.pk]))

    assert response.status_code == 302
    staged.refresh_from_db()
    versions = ReviewItem.objects.filter(draft_id=staged.pk, kind="staged_image").order_by("version")
    assert [item.state for item in versions] == [ReviewState.SUPERSEDED, ReviewState.PENDING]
    assert versions[0].snapshot["sha256"] != versions[1].snapshot["sha256"]


def test_a_failing_image_is_reported_and_the_rest_of_the_batch_goes_on(mug_photos, two_looks, worker):
    look = _small(two_looks[0])
    broken = mug_photos[1]
    broken.file.storage.delete(broken.file.name)  # the file went missing on the shared disk

    job = worker(staging_start, products=[broken.product], looks=[look])

    job.refresh_from_db()
    assert (job.done, job.failed, job.status) == (2, 1, Job.Status.PARTIAL)
    failed = StagedImage.objects.get(photo=broken, look=look)
    assert failed.status == StagedImage.Status.FAILED
    assert "could not be read" in failed.error
    assert any("could not be read" in error for error in job.errors)


def test_a_photo_without_a_cut_out_gets_one_when_staged(mug_photos, two_looks, worker):
    photo = mug_photos[0]
    photo.mask.delete(save=False)
    photo.mask_quality = {}
    photo.save()
    look = _small(two_looks[0])

    worker(staging_start, products=[photo.product], looks=[look])

    photo.refresh_from_db()
    assert photo.mask  # backfilled
    assert StagedImage.objects.get(photo=photo, look=look).status == StagedImage.Status.READY


def test_approving_a_staged_image_keeps_the_exact_file_that_was_shown(mug_photos, two_looks, artisan, worker):
    look = _small(two_looks[0])
    worker(staging_start, products=[mug_photos[0].product], looks=[look])
    staged = StagedImage.objects.get(photo=mug_photos[0], look=look)
    item = ReviewItem.objects.get(draft_id=staged.pk, kind="staged_image")

    review_decide(item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash)
    staged_image_render(staged_id=staged.pk, reseed=False)  # a later render of the same row

    approved = approved_content(draft=staged)
    assert approved["image"] == item.snapshot["image"]
    assert staged.image.storage.exists(approved["image"])


def test_looks_are_versioned_and_a_staged_image_keeps_its_version(mug_photos, two_looks, worker):
    look = _small(two_looks[0])
    worker(staging_start, products=[mug_photos[0].product], looks=[look])
    staged = StagedImage.objects.get(photo=mug_photos[0], look=look)
    before = staged.look_version

    spec = dict(look.current.spec)
    spec["shadow"] = {**spec.get("shadow", {}), "opacity": 0.1}
    version = look_update(look=look, spec=spec)

    assert version.number == before.number + 1
    staged.refresh_from_db()
    assert staged.look_version == before
    assert look_update(look=look, spec=spec) == version  # no change, no new version


def test_a_bad_look_is_refused_with_the_field_named(db):
    with pytest.raises(ValidationError) as error:
        look_create(name="Neon", spec={"backdrop": {"kind": "lava"}})
    assert "backdrop" in str(error.value)


def test_a_product_with_no_photos_finishes_its_job_with_a_reason(own_product, two_looks, worker):
    job = worker(staging_start, products=[own_product], looks=two_looks)
    assert job.status == Job.Status.SUCCEEDED and "no photos" in job.message
    assert job.label == "Stage 0 images for Ines's celadon mug"


def test_diffusion_without_a_model_dir_fails_clearly(mug_photos, two_looks, settings, worker):
    look = _small(two_looks[0])
    missing = "/nonexistent/sd-inpainting"
    backends = {
        **settings.ATELIER_BACKENDS,
        "stager": {
            "BACKEND": "catalog.staging.diffusion.DiffusionStager",
            "OPTIONS": {"model_dir": missing},
        },
    }
    with override_settings(ATELIER_BACKENDS=backends):
        job = worker(staging_start, products=[mug_photos[0].product], looks=[look])
    job.refresh_from_db()
    assert job.failed == 3
    assert "STAGING_MODEL_DIR" in StagedImage.objects.filter(look=look).first().error


# --- Pages --------------------------------------------------------------------------------


def test_the_product_page_stages_into_the_chosen_looks(mug_photos, two_looks, artisan_client, worker):
    looks = [_small(look) for look in two_looks]
    product = mug_photos[0].product
    page = artisan_client.get(reverse("product-detail", args=[product.pk])).content.decode()
    assert "Stage photos" in page and looks[0].name in page

    response = worker(
        artisan_client.post, reverse("product-stage", args=[product.pk]), {"looks": [look.pk for look in looks]}
    )

    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert StagedImage.objects.filter(product=product, status=StagedImage.Status.READY).count() == 6
    page = artisan_client.get(reverse("product-detail", args=[product.pk])).content.decode()
    assert page.count("Waiting for review") >= 6


def test_staging_without_a_look_says_so(mug_photos, artisan_client):
    product = mug_photos[0].product
    response = artisan_client.post(reverse("product-stage", args=[product.pk]), {}, follow=True)
    assert "Choose at least one look" in response.content.decode()
    assert not StagedImage.objects.exists()


def test_an_artisan_cannot_stage_another_makers_product(others_product, two_looks, artisan_client):
    response = artisan_client.post(reverse("product-stage", args=[others_product.pk]), {"looks": [two_looks[0].pk]})
    assert response.status_code == 404


def test_the_review_page_shows_the_staged_image_beside_the_original(mug_photos, two_looks, artisan_client, worker):
    look = _small(two_looks[0])
    worker(staging_start, products=[mug_photos[0].product], looks=[look])
    item = ReviewItem.objects.filter(kind="staged_image").first()

    html = artisan_client.get(reverse("review-detail", args=[item.pk])).content.decode()

    assert "The original photo" in html and item.snapshot["image"] in html
    assert "changed in colour" in html and "of its detail kept" in html  # the check's measures, not a tautology


def test_bulk_staging_from_the_catalogue(mug_photos, two_looks, artisan_client, others_product, worker):
    looks = [_small(look) for look in two_looks]
    response = worker(
        artisan_client.post,
        reverse("products-bulk"),
        {
            "action": "stage",
            "products": [mug_photos[0].product_id, others_product.pk],
            "looks": [look.pk for look in looks],
        },
    )
    assert response.status_code == 302
    # Another maker's product is silently not theirs to stage: only the artisan's own six.
    assert StagedImage.objects.count() == 6


def test_a_photo_that_failed_qc_can_be_staged_with_a_warning(own_product, artisan, two_looks, artisan_client, worker):
    from catalog.models import QCVerdict

    photo = photo_add(
        product=own_product, content=photos.mug("#8fb3a0", seed=4), filename="dark.jpg", uploaded_by=artisan
    )
    photo.qc_verdict = QCVerdict.FAIL
    photo.qc_checks = [
        {"check": "exposure", "label": "Exposure", "verdict": "fail", "message": "too dark: 18% of pixels are black."}
    ]
    photo.save()
    look = _small(two_looks[0])

    worker(staging_start, products=[own_product], looks=[look])

    item = ReviewItem.objects.get(kind="staged_image")
    html = artisan_client.get(reverse("review-detail", args=[item.pk])).content.decode()
    assert "The original photo failed a quality check:</p>" in html
    assert "<li>Too dark: 18% of pixels are black.</li>" in html  # one concern a line, each a sentence
    assert "Approve" in html  # a warning, not a blocker


# --- The staged-image check ---------------------------------------------------------------------


def _break_mask(photo, *, how: str = "hole") -> None:
    """Replace the photo's cut-out with a broken one: its middle punched out, as an erased label would be."""
    from django.core.files.base import ContentFile

    with photo.mask.open("rb") as stored, Image.open(stored) as opened:
        mask = opened.convert("L")
    left, top, right, bottom = mask.getbbox()
    width, height = right - left, bottom - top
    broken = mask.copy()
    broken.paste(0, (left + width // 4, top + height // 3, right - width // 4, bottom - height // 4))
    buffer = io.BytesIO()
    broken.save(buffer, format="PNG")
    photo.mask.save("broken.png", ContentFile(buffer.getvalue()), save=True)


def test_a_good_cut_out_is_staged_with_a_passing_check_and_measures_that_mean_something(
    mug_photos, two_looks, artisan_client, worker
):
    look = _small(two_looks[0])
    worker(staging_start, products=[mug_photos[0].product], looks=[look])
    staged = StagedImage.objects.get(photo=mug_photos[0], look=look)
    item = ReviewItem.objects.get(kind="staged_image", draft_id=staged.pk)

    assert item.snapshot["check_verdict"] == "pass", item.snapshot["checks"]
    assert item.snapshot["measures"]["changed"] < 0.02
    assert item.snapshot["thumb"] and staged.image.storage.exists(item.snapshot["thumb"])
    assert item.subject.endswith("· photo 1 · " + look.name)
    html = artisan_client.get(reverse("review-detail", args=[item.pk])).content.decode()
    assert "Product pixels unchanged" not in html
    assert "changed in colour" in html and "Approve anyway" not in html
    edge = item.snapshot["measures"]["edge_on_photo_edge"]
    assert f"{edge * 100:.0f}% of it follows an edge in the photo, soft band" in html
    assert "—" not in html.split("Cut-out edge", 1)[1].split("</dd>", 1)[0]


def test_a_staged_image_checked_without_edge_measures_shows_no_empty_figure(
    mug_photos, two_looks, artisan_client, worker
):
    """Snapshots from before a measure existed (or a check that couldn't take it) show what they have, not '—'."""
    look = _small(two_looks[0])
    worker(staging_start, products=[mug_photos[0].product], looks=[look])
    item = ReviewItem.objects.get(kind="staged_image", draft_id=StagedImage.objects.get(photo=mug_photos[0]).pk)
    measures = item.snapshot["measures"]
    del measures["edge_on_photo_edge"]
    ReviewItem.objects.filter(pk=item.pk).update(snapshot=item.snapshot)  # a frozen version: no save()
    html = artisan_client.get(reverse("review-detail", args=[item.pk])).content.decode()
    assert "Cut-out edge" in html and "soft band" in html and "follows an edge" not in html
    assert "—" not in html.split("Cut-out edge", 1)[1].split("</dd>", 1)[0]

    del measures["soft_width_px"]
    ReviewItem.objects.filter(pk=item.pk).update(snapshot=item.snapshot)
    html = artisan_client.get(reverse("review-detail", args=[item.pk])).content.decode()
    assert "Cut-out edge" not in html and "changed in colour" in html


def test_a_photo_whose_cut_out_fails_the_check_is_not_staged_and_says_why(
    mug_photos, two_looks, artisan_client, worker
):
    photo = mug_photos[0]
    _break_mask(photo)
    look = _small(two_looks[0])

    job = worker(staging_start, products=[photo.product], looks=[look])

    staged = StagedImage.objects.get(photo=photo, look=look)
    job.refresh_from_db()
    assert staged.status == StagedImage.Status.FAILED and job.failed >= 1
    assert "can't be trusted" in staged.error and "cut away" in staged.error
    assert staged.details["cutout_check"]["verdict"] == "fail"
    assert staged.image.storage.exists(staged.details["cutout_overlay"])
    assert not ReviewItem.objects.filter(kind="staged_image", draft_id=staged.pk).exists()
    page = artisan_client.get(reverse("product-detail", args=[photo.product.pk])).content.decode()
    assert "can&#x27;t be trusted" in page or "can't be trusted" in page
    assert reverse("staged-image-stage-anyway", args=[staged.pk]) not in page  # an artisan can't override it
    assert artisan_client.post(reverse("staged-image-stage-anyway", args=[staged.pk])).status_code == 403


def test_a_manager_stages_it_anyway_and_approving_it_takes_approve_anyway(
    mug_photos, two_looks, manager_client, worker, django_capture_on_commit_callbacks
):
    photo = mug_photos[0]
    _break_mask(photo)
    look = _small(two_looks[0])
    worker(staging_start, products=[photo.product], looks=[look])
    staged = StagedImage.objects.get(photo=photo, look=look)
    page = manager_client.get(reverse("product-detail", args=[photo.product.pk])).content.decode()
    assert reverse("staged-image-stage-anyway", args=[staged.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("staged-image-stage-anyway", args=[staged.pk]))

    staged.refresh_from_db()
    assert staged.status == StagedImage.Status.READY
    item = ReviewItem.objects.get(kind="staged_image", draft_id=staged.pk, state=ReviewState.PENDING)
    assert item.snapshot["staged_anyway"] and item.snapshot["check_verdict"] == "fail"
    detail = manager_client.get(reverse("review-detail", args=[item.pk])).content.decode()
    assert "Approve version 1 anyway" in detail and "data-approve data-edited-label" not in detail
    assert item.snapshot["check_overlay"] in detail

    grid = manager_client.get(reverse("review-grid")).content.decode()
    assert f'data-id="{item.pk}" data-flagged' in grid and "Look closer" in grid
    assert item.snapshot["thumb"] in grid
    bulk = manager_client.post(
        reverse("review-bulk"),
        {"decision": "approve", "selected": f"{item.pk}:{item.snapshot_hash}"},
        HTTP_ACCEPT="application/json",
    ).json()
    assert not bulk["ok"] and "Approve anyway" in bulk["results"][0]["message"]

    url = reverse("review-decide", args=[item.pk])
    refused = manager_client.post(
        url, {"decision": "approve", "seen_hash": item.snapshot_hash}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400 and refused.json()["concerns"]
    assert ReviewItem.objects.get(pk=item.pk).state == ReviewState.PENDING

    approved = manager_client.post(
        url, {"decision": "approve", "seen_hash": item.snapshot_hash, "anyway": "1"}, HTTP_ACCEPT="application/json"
    )
    assert approved.json()["ok"]
    item.refresh_from_db()
    assert item.state == ReviewState.APPROVED and "Approved anyway, despite" in item.note


def test_stage_photos_stages_only_new_or_changed_pairs(mug_photos, two_looks, artisan, artisan_client, worker):
    looks = [_small(look) for look in two_looks]
    product = mug_photos[0].product
    first = worker(staging_start, products=[product], looks=looks[:1], requested_by=artisan)
    assert first.total == 3

    page = artisan_client.get(reverse("product-detail", args=[product.pk])).content.decode()
    assert "3 new or changed" in page and "all staged" in page  # the second look, then the first

    again = worker(staging_start, products=[product], looks=looks, requested_by=artisan)
    assert again.total == 3  # only the second look's three pairs
    assert set(StagedImage.objects.filter(look=looks[1]).values_list("status", flat=True)) == {"ready"}

    nothing = worker(staging_start, products=[product], looks=looks, requested_by=artisan)
    nothing.refresh_from_db()
    assert nothing.total == 0 and "Nothing new to stage" in nothing.message

    spec = dict(looks[0].current.spec)
    spec["output"] = {**spec["output"], "size": 1040}
    look_update(look=looks[0], spec=spec)  # a new version of the first look
    looks[0].refresh_from_db()
    changed = worker(staging_start, products=[product], looks=looks, requested_by=artisan)
    assert changed.total == 3


def test_a_finished_staging_job_links_its_product_and_the_images_it_made(
    mug_photos, two_looks, artisan, artisan_client, worker
):
    """Issue 15: a finished job links to the product and the drafts it made, staging jobs too."""
    look = _small(two_looks[0])
    job = worker(staging_start, products=[mug_photos[0].product], looks=[look], requested_by=artisan)
    from tests.test_pages import review_item

    # A listing draft of the same product, made meanwhile by another job: not this job's.
    earlier = review_item(product=mug_photos[0].product, owner=artisan)
    page = artisan_client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert reverse("product-detail", args=[mug_photos[0].product_id]) in page
    items = ReviewItem.objects.filter(kind="staged_image")
    assert items.count() == 3
    for item in items:
        assert reverse("review-detail", args=[item.pk]) in page
    assert reverse("review-detail", args=[earlier.pk]) not in page


def test_the_review_page_shows_a_staged_image_as_a_1200_px_preview_and_links_the_png(
    own_product, artisan, two_looks, artisan_client, worker
):
    """A phone reviewing staged images downloads a JPEG preview, not every full-size PNG; the PNG is a tap away."""
    from catalog.photos.thumbs import PREVIEW_SIDE

    with Image.open(io.BytesIO(photos.mug("#8fb3a0"))) as shot:
        buffer = io.BytesIO()
        shot.resize((1800, 1800), Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=88)
    photo = photo_add(product=own_product, content=buffer.getvalue(), filename="mug.jpg", uploaded_by=artisan)
    big = _small(two_looks[0], size=1600)
    worker(staging_start, products=[own_product], looks=[big])
    staged = StagedImage.objects.get(photo=photo, look=big)
    item = ReviewItem.objects.get(kind="staged_image", draft_id=staged.pk)
    preview = item.snapshot["preview"]
    storage = staged.image.storage
    with storage.open(preview, "rb") as stored, Image.open(stored) as picture:
        assert picture.format == "JPEG" and max(picture.size) == PREVIEW_SIDE
        preview_width = picture.width
    assert storage.size(preview) < storage.size(staged.image.name) / 3

    html = artisan_client.get(reverse("review-detail", args=[item.pk])).content.decode()
    figure = html.split('class="staged-figure"', 1)[1].split("</figure>", 1)[0]
    assert f'href="{staged.image.url}"' in figure
    assert f'src="{storage.url(preview)}"' in figure
    assert f'srcset="{storage.url(preview)} {preview_width}w, {staged.image.url} {staged.width}w"' in figure
    original = html.split("staged-figure--original", 1)[1].split("</figure>", 1)[0]
    assert f'src="{photo.thumb.url}"' in original and f'href="{photo.file.url}"' in original

    # A render no larger than the preview has none: the page shows the image itself.
    phone_photo = photo_add(
        product=own_product, content=photos.mug("#c46a3c"), filename="small.jpg", uploaded_by=artisan
    )
    small = _small(two_looks[1])
    worker(staging_start, products=[own_product], looks=[small])
    staged_small = StagedImage.objects.get(photo=phone_photo, look=small)
    assert max(staged_small.width, staged_small.height) <= PREVIEW_SIDE
    item_small = ReviewItem.objects.get(kind="staged_image", draft_id=staged_small.pk)
    assert "preview" not in staged_small.details and item_small.snapshot["preview"] == ""
    html = artisan_client.get(reverse("review-detail", args=[item_small.pk])).content.decode()
    figure = html.split('class="staged-figure"', 1)[1].split("</figure>", 1)[0]
    assert f'src="{staged_small.image.url}"' in figure and "srcset" not in figure

    # The product page's cards show the thumbnails.
    page = artisan_client.get(reverse("product-detail", args=[photo.product.pk])).content.decode()
    assert storage.url(staged.details["thumb"]) in page and f'src="{staged.image.url}"' not in page
