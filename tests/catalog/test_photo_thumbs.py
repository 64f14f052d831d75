"""Pages that show many photos at once show small copies: the catalogue, the product page's strips, galleries."""

import io

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from PIL import Image

from catalog.galleries.services import gallery_propose
from catalog.models import Photo
from catalog.services import photo_add
from tests.catalog.test_photo_upload import jpeg


def _picture(name: str) -> Image.Image:
    with default_storage.open(name, "rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


@pytest.fixture
def photo(own_product, artisan):
    return photo_add(product=own_product, content=jpeg(2000), filename="mug.jpg", uploaded_by=artisan)


@pytest.mark.django_db
def test_a_new_photo_gets_a_small_jpeg_copy(photo):
    thumb = _picture(photo.thumb.name)
    assert thumb.format == "JPEG"
    assert max(thumb.size) == 640
    assert thumb.size[0] / thumb.size[1] == pytest.approx(photo.width / photo.height, rel=0.01)
    assert default_storage.size(photo.thumb.name) < default_storage.size(photo.file.name) / 4


@pytest.mark.django_db
def test_the_catalogue_and_product_page_show_the_copy_and_link_the_original(photo, artisan_client):
    listing = artisan_client.get(reverse("product-list")).content.decode()
    assert photo.thumb.url in listing
    assert photo.file.url not in listing  # a card never downloads the 2,000 px original

    page = artisan_client.get(reverse("product-detail", args=[photo.product.pk])).content.decode()
    assert f'href="{photo.file.url}"' in page  # "open at full size" still opens the original
    assert f'src="{photo.thumb.url}"' in page  # the quality-check list shows the copy


@pytest.mark.django_db
def test_a_gallery_in_the_review_queue_shows_copies(photo, manager_client):
    item = gallery_propose(product=photo.product)
    assert item.snapshot["images"][0]["thumb"] == photo.thumb.name

    queue = manager_client.get(reverse("review-list")).content.decode()
    assert photo.thumb.url in queue and photo.file.url not in queue
    detail = manager_client.get(reverse("review-detail", args=[item.pk])).content.decode()
    assert f'src="{photo.thumb.url}"' in detail and f'href="{photo.file.url}"' in detail


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    executor.loader.build_graph()
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_copies_for_photos_stored_before_it(own_product, artisan):
    stored = photo_add(product=own_product, content=jpeg(1500), filename="old.jpg", uploaded_by=artisan)
    missing = photo_add(
        product=own_product, content=jpeg(1200, backdrop=(246, 244, 240)), filename="gone.jpg", uploaded_by=artisan
    )
    Photo.objects.update(thumb="")
    for photo in (stored, missing):
        default_storage.delete(photo.thumb.name)
    default_storage.delete(missing.file.name)  # a file lost on disk: skipped, the migration still runs

    _migrate([("catalog", "0008_sku_characters")])
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    stored, missing = Photo.objects.get(pk=stored.pk), Photo.objects.get(pk=missing.pk)
    assert stored.thumb.name == f"photos/thumbs/{stored.sha256[:2]}/{stored.sha256}.jpg"
    assert max(_picture(stored.thumb.name).size) == 640
    assert missing.thumb.name == ""
    assert missing.thumb_url == missing.file.url  # pages fall back to the original's address
