"""Uploading photos from the product page, the admin and the API: all three go through intake and QC."""

import html
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from catalog.models import Photo, QCVerdict
from catalog.services import photo_add, photos_upload
from studio.models import Job
from tests.catalog.test_photo_qc import studio_shot

pytestmark = pytest.mark.django_db


def jpeg(size: int = 2000, **shot) -> bytes:
    buffer = io.BytesIO()
    studio_shot(size, **shot).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def page_text(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ")


def upload_url(product) -> str:
    return reverse("product-photos-upload", args=[product.pk])


# --- The service behind all three ---------------------------------------------------------------------


def test_several_files_each_on_their_own(own_product, artisan, settings):
    settings.ATELIER_PHOTO_MAX_BYTES = 400_000
    good = jpeg(1200)
    results = photos_upload(
        product=own_product,
        files=[
            upload("a.jpg", good),
            upload("notes.jpg", b"<html>hi</html>", "text/html"),
            upload("b.jpg", good),
            upload("huge.jpg", b"\xff\xd8\xff" + b"\0" * 500_000),
        ],
        uploaded_by=artisan,
    )
    assert [(r.filename, r.ok, r.created) for r in results] == [
        ("a.jpg", True, True),
        ("notes.jpg", False, False),
        ("b.jpg", True, False),
        ("huge.jpg", False, False),
    ]
    assert results[1].error == "notes.jpg: not an image we can read — it is HTML or script text, not a photo."
    assert results[3].error.startswith("huge.jpg: too large")
    assert results[2].photo == results[0].photo  # the same photo twice is one photo
    assert list(own_product.photos.values_list("uploaded_by", flat=True)) == [artisan.pk]


def test_an_uploaded_file_that_lies_about_its_size_is_still_measured(own_product, settings):
    settings.ATELIER_PHOTO_MAX_BYTES = 1000
    liar = upload("small.jpg", jpeg(300))
    liar.size = 10
    [result] = photos_upload(product=own_product, files=[liar])
    assert not result.ok and result.error.startswith("small.jpg: too large")


# --- The product page -------------------------------------------------------------------------------------


def test_the_maker_uploads_two_photos_and_sees_their_quality(
    artisan_client, own_product, django_capture_on_commit_callbacks
):
    response = artisan_client.get(reverse("product-detail", args=[own_product.pk]))
    assert 'enctype="multipart/form-data"' in page_text(response) and "multiple" in page_text(response)
    assert "each photo is checked on its own" in page_text(response)

    with django_capture_on_commit_callbacks() as queued:
        response = artisan_client.post(
            upload_url(own_product),
            {"photos": [upload("IMG_1.jpg", jpeg()), upload("IMG_2.jpg", jpeg(800, span=0.2, centre=(0.3, 0.3)))]},
        )
    # The answer comes before the checks: stored, unchecked, one queued task per photo and a progress bar.
    job = Job.objects.get(kind="photo_check")
    assert response["Location"] == f"/catalog/products/{own_product.pk}/?checking={job.pk}"
    assert len(queued) == 2 and job.total == 2 and job.status == Job.Status.QUEUED
    first, second = own_product.photos.order_by("position")
    assert (first.qc_verdict, second.qc_verdict, first.mask.name) == ("", "", "")
    text = page_text(artisan_client.get(response["Location"]))
    assert "IMG_1.jpg: added as photo 1; its quality checks and cut-out are running." in text
    assert "2 of 2 photos kept." in text
    assert f'data-progress-url="{reverse("job-progress", args=[job.pk])}"' in text
    assert text.count("Quality: being checked…") == 2

    for task in queued:  # the worker
        task()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.done == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.qc_verdict, second.qc_verdict) == (QCVerdict.PASS, QCVerdict.FAIL)
    assert first.mask.name == f"photos/masks/{first.sha256[:2]}/{first.sha256}.png"
    text = page_text(artisan_client.get(response["Location"]))
    # Each photo shows its badge and its checks, the failing one with the reason and a note it can still be used.
    assert "Quality: passed" in text and "Quality: failed" in text
    assert "Size for Etsy:</strong> too small for Etsy: 800 × 800 px" in text
    assert re.search(r"Product size in frame:</strong> the product is small in the frame: it spans \d+%", text)
    assert "This photo can still be used and staged" in text
    assert text.count('class="check-list"') == 2


def test_a_bad_file_among_good_ones_is_reported_by_name_and_the_good_ones_kept(artisan_client, own_product, settings):
    response = artisan_client.post(
        upload_url(own_product),
        {"photos": [upload("mug.jpg", jpeg(600)), upload("empty.jpg", b""), upload("page.jpg", b"<svg></svg>")]},
        follow=True,
    )
    assert response.status_code == 200
    text = page_text(response)
    assert own_product.photos.count() == 1
    assert "empty.jpg: not an image we can read — the file is empty (0 bytes)." in text
    assert "page.jpg: not an image we can read — it is an SVG drawing, not a photo." in text
    assert "1 of 3 photos kept, 2 refused." in text


def test_the_same_photo_again_says_it_is_already_there(artisan_client, own_product):
    content = jpeg(600)
    artisan_client.post(upload_url(own_product), {"photos": [upload("a.jpg", content)]})
    response = artisan_client.post(upload_url(own_product), {"photos": [upload("a-copy.jpg", content)]}, follow=True)
    assert "a-copy.jpg: already on this product as photo 1." in page_text(response)
    assert own_product.photos.count() == 1


def test_choosing_no_file_or_too_many_is_a_message_not_an_error_page(artisan_client, own_product):
    response = artisan_client.post(upload_url(own_product), {}, follow=True)
    assert "Choose one or more photos to upload." in page_text(response)
    many = [upload(f"{n}.jpg", b"x") for n in range(21)]
    response = artisan_client.post(upload_url(own_product), {"photos": many}, follow=True)
    assert "Upload at most 20 photos at a time; you chose 21." in page_text(response)
    assert not Photo.objects.exists()


def test_another_artisan_gets_404_and_nothing_is_stored(artisan_client, others_product, outsider_client, own_product):
    assert artisan_client.post(upload_url(others_product), {"photos": [upload("a.jpg", jpeg(300))]}).status_code == 404
    assert outsider_client.post(upload_url(own_product), {"photos": [upload("a.jpg", jpeg(300))]}).status_code == 404
    assert Client().post(upload_url(own_product), {"photos": [upload("a.jpg", jpeg(300))]}).status_code == 302
    assert not Photo.objects.exists()


def test_a_manager_may_upload_to_any_product_and_gets_is_only_by_post(manager_client, others_product):
    assert manager_client.get(upload_url(others_product)).status_code == 405
    response = manager_client.post(upload_url(others_product), {"photos": [upload("a.jpg", jpeg(300))]})
    assert response.status_code == 302 and others_product.photos.count() == 1


def test_csrf_is_enforced(artisan, own_product):
    client = Client(enforce_csrf_checks=True)
    client.force_login(artisan)
    assert client.post(upload_url(own_product), {"photos": [upload("a.jpg", jpeg(300))]}).status_code == 403
    assert not Photo.objects.exists()
    page = client.get(reverse("product-detail", args=[own_product.pk])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = client.post(
        upload_url(own_product), {"csrfmiddlewaretoken": token, "photos": [upload("a.jpg", jpeg(300))]}
    )
    assert response.status_code == 302 and Photo.objects.count() == 1


def test_photos_stored_before_qc_say_not_checked(artisan_client, own_product):
    photo = photo_add(product=own_product, content=jpeg(300))
    Photo.objects.filter(pk=photo.pk).update(qc_verdict="", qc_checks=[])
    assert "Quality: not checked" in page_text(artisan_client.get(reverse("product-detail", args=[own_product.pk])))


# --- The admin ---------------------------------------------------------------------------------------------


@pytest.mark.urls("tests.catalog.admin_urls")
def test_admin_upload_goes_through_intake(artisan_client, own_product, django_capture_on_commit_callbacks):
    from tests.catalog.test_admin import form_data

    url = f"/admin/catalog/product/{own_product.pk}/change/"
    response = artisan_client.get(url)
    assert 'name="new_photos"' in response.content.decode()
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (55.0, 57.0, 12.5)})
    located = io.BytesIO()
    studio_shot(800).save(located, format="JPEG", exif=exif)
    data = form_data(response)
    data["new_photos"] = [upload("kitchen.jpg", located.getvalue()), upload("evil.jpg", b"<script>x</script>")]
    with django_capture_on_commit_callbacks(execute=True):
        response = artisan_client.post(url, data, follow=True)
    assert response.status_code == 200
    text = page_text(response)
    [photo] = own_product.photos.all()
    assert photo.qc_verdict == QCVerdict.FAIL and photo.sha256 and photo.width == 800
    with photo.file.open("rb") as stored:
        assert b"Exif" not in stored.read()
    assert "Added kitchen.jpg; its quality checks and cut-out are running." in text
    assert "Refused evil.jpg: not an image we can read — it is HTML or script text, not a photo." in text
    # The inline shows the photo's quality; it offers no file field that would skip intake.
    response = artisan_client.get(url)
    assert response.status_code == 200
    assert "too small for Etsy" in page_text(response)
    assert 'name="photos-0-file"' not in response.content.decode()
    assert 'name="photos-__prefix__-file"' not in response.content.decode()


@pytest.mark.urls("tests.catalog.admin_urls")
def test_admin_lists_photos_by_quality_and_offers_no_add_that_skips_intake(manager_client, own_product, others_product):
    good = photo_add(product=own_product, content=jpeg(2000))
    small = photo_add(product=others_product, content=jpeg(800))
    unchecked = photo_add(product=others_product, content=jpeg(600))
    Photo.objects.filter(pk=unchecked.pk).update(qc_verdict="", qc_checks=[])
    listed = lambda response: {p.pk for p in response.context["cl"].result_list}  # noqa: E731
    assert listed(manager_client.get("/admin/catalog/photo/?qc_verdict=pass")) == {good.pk}
    assert listed(manager_client.get("/admin/catalog/photo/?qc_verdict=fail")) == {small.pk}
    assert listed(manager_client.get("/admin/catalog/photo/?qc_verdict=unchecked")) == {unchecked.pk}
    products = manager_client.get("/admin/catalog/product/?photo_quality=fail").context["cl"].result_list
    assert [p.pk for p in products] == [others_product.pk]
    assert manager_client.get("/admin/catalog/photo/add/").status_code == 403
    page = page_text(manager_client.get(f"/admin/catalog/photo/{small.pk}/change/"))
    assert "FAIL — Size for Etsy: too small for Etsy: 800 × 800 px" in page
    response = manager_client.post(
        "/admin/catalog/photo/", {"action": "check_quality_again", "_selected_action": [unchecked.pk]}, follow=True
    )
    assert "Checked 1 photo again." in page_text(response)
    unchecked.refresh_from_db()
    assert unchecked.qc_verdict == QCVerdict.FAIL and unchecked.qc_checks


# --- The API ------------------------------------------------------------------------------------------------


def api_upload(client, product, *files):
    return client.post(f"/api/products/{product.pk}/photos/", {"files": list(files)}, format="multipart")


def test_api_upload_returns_201_then_the_job_gives_quality_per_file(
    artisan_client, own_product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = api_upload(artisan_client, own_product, upload("a.jpg", jpeg()), upload("b.png", jpeg(700)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["stored"], body["refused"]) == (2, 0) and body["job"] == Job.objects.get().pk
    first, second = body["results"]
    assert (first["filename"], first["status"], first["error"]) == ("a.jpg", "stored", "")
    assert first["photo"]["qc_verdict"] == "" and second["photo"]["qc_verdict"] == ""  # checked in the background
    for task in queued:
        task()
    first, second = artisan_client.get(f"/api/products/{own_product.pk}/").json()["photos"]
    assert first["qc_verdict"] == "pass" and second["qc_verdict"] == "fail"
    etsy = next(c for c in second["qc_checks"] if c["profile"] == "etsy")
    assert etsy == {
        "check": "resolution",
        "label": "Size for Etsy",
        "verdict": "fail",
        "profile": "etsy",
        "value": 700.0,
        "message": "too small for Etsy: 700 × 700 px; Etsy recommends 2,000 px or more on the short side.",
    }
    assert second["file"].endswith(".jpg")  # named .png, stored as what it really is
    again = api_upload(artisan_client, own_product, upload("a-again.jpg", jpeg()))
    assert again.status_code == 201 and again.json()["results"][0]["status"] == "duplicate"
    product = artisan_client.get(f"/api/products/{own_product.pk}/").json()
    assert [p["qc_verdict"] for p in product["photos"]] == ["pass", "fail"]


def test_api_bad_files_get_400_with_a_message_each_and_mixed_gets_207(artisan_client, own_product):
    response = api_upload(artisan_client, own_product, upload("x.jpg", b"<script>1</script>"), upload("e.jpg", b""))
    assert response.status_code == 400
    assert response.json() == {
        "stored": 0,
        "refused": 2,
        "results": [
            {
                "filename": "x.jpg",
                "status": "refused",
                "photo": None,
                "error": "x.jpg: not an image we can read — it is HTML or script text, not a photo.",
            },
            {
                "filename": "e.jpg",
                "status": "refused",
                "photo": None,
                "error": "e.jpg: not an image we can read — the file is empty (0 bytes).",
            },
        ],
        "job": None,
    }
    mixed = api_upload(artisan_client, own_product, upload("ok.jpg", jpeg(500)), upload("x.jpg", b"GIF89a"))
    assert mixed.status_code == 207
    assert [r["status"] for r in mixed.json()["results"]] == ["stored", "refused"]
    assert own_product.photos.count() == 1


def test_api_upload_refuses_what_it_should(artisan_client, others_product, own_product, outsider_client):
    assert api_upload(artisan_client, others_product, upload("a.jpg", jpeg(300))).status_code == 404
    assert api_upload(outsider_client, own_product, upload("a.jpg", jpeg(300))).status_code == 403
    assert api_upload(Client(), own_product, upload("a.jpg", jpeg(300))).status_code == 401
    response = artisan_client.post(f"/api/products/{own_product.pk}/photos/", {}, format="multipart")
    assert response.status_code == 400 and "files" in response.json()["errors"]
    json_body = artisan_client.post(
        f"/api/products/{own_product.pk}/photos/", {"files": []}, content_type="application/json"
    )
    assert json_body.status_code == 415
    assert not Photo.objects.exists()
