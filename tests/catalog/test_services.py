"""Catalogue writes: products come with a variant; photos are real images, stored once."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from catalog.models import Photo, Product, Variant
from catalog.services import category_get_or_create, photo_add, product_create

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str = "PNG", size=(12, 8), colour="white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def test_a_new_product_gets_one_default_variant(artisan):
    product = product_create(title="Celadon mug", maker=artisan, price=Decimal("28.00"), materials=["stoneware"])
    assert product.handle == "celadon-mug"
    [variant] = product.variants.all()
    assert (variant.sku, variant.position, variant.effective_price) == ("CELADON-MUG", 0, Decimal("28.00"))


def test_given_variants_are_created_in_order(artisan):
    product = product_create(
        title="Linen runner",
        maker=artisan,
        price=Decimal("45"),
        variants=[
            {"sku": "RUN-NAT", "title": "Natural"},
            {"sku": "RUN-IND", "title": "Indigo", "price": Decimal("50")},
        ],
    )
    assert list(product.variants.order_by("position").values_list("sku", "position")) == [
        ("RUN-NAT", 0),
        ("RUN-IND", 1),
    ]
    assert product.variants.get(sku="RUN-IND").effective_price == Decimal("50")


def test_handles_stay_unique(artisan):
    first = product_create(title="Celadon mug", maker=artisan, price=Decimal("28"), variants=[{"sku": "A"}])
    second = product_create(title="Celadon mug", maker=artisan, price=Decimal("30"), variants=[{"sku": "B"}])
    assert (first.handle, second.handle) == ("celadon-mug", "celadon-mug-2")


def test_an_invalid_product_or_variant_saves_nothing(artisan, own_product):
    with pytest.raises(ValidationError) as error:
        product_create(title="Cheap mug", maker=artisan, price=Decimal("-1"))
    assert "price" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        product_create(title="Twin mug", maker=artisan, price=Decimal("5"), variants=[{"sku": "INES-MUG-CEL"}])
    assert "sku" in error.value.message_dict
    assert not Product.objects.filter(title__in=["Cheap mug", "Twin mug"]).exists()
    assert Variant.objects.count() == 1


def test_category_get_or_create_is_idempotent():
    first = category_get_or_create(name="Ceramics & Glass")
    assert category_get_or_create(name="Ceramics & Glass") == first
    assert first.slug == "ceramics-glass"


def test_a_photo_is_stored_with_its_size(own_product, artisan, settings):
    content = image_bytes(size=(12, 8))
    photo = photo_add(
        product=own_product, content=content, filename="IMG_0042.PNG", uploaded_by=artisan, alt_text="Mug"
    )
    photo.refresh_from_db()
    assert (photo.width, photo.height, photo.size_bytes) == (12, 8, len(content))
    assert photo.file.name.endswith(f"{photo.sha256}.png")
    assert "IMG_0042" not in photo.file.name  # the maker's file name isn't kept
    with photo.file.open("rb") as stored:
        assert stored.read() == content
    assert photo.uploaded_by == artisan


def test_the_same_bytes_twice_give_the_same_photo(own_product):
    content = image_bytes("JPEG")
    first = photo_add(product=own_product, content=content)
    again = photo_add(product=own_product, content=content, filename="copy.jpg")
    assert again.pk == first.pk
    assert own_product.photos.count() == 1
    second = photo_add(product=own_product, content=image_bytes("JPEG", colour="black"))
    assert (first.position, second.position) == (0, 1)


def test_the_same_photo_on_another_product_is_its_own_row(own_product, others_product):
    content = image_bytes()
    assert photo_add(product=own_product, content=content).pk != photo_add(product=others_product, content=content).pk


@pytest.mark.parametrize(
    "content",
    [b"", b"not an image at all", b"%PDF-1.7\n", image_bytes()[:40]],
    ids=["empty", "text", "pdf", "truncated-png"],
)
def test_bytes_that_are_not_an_image_are_refused_and_nothing_is_stored(own_product, settings, content):
    with pytest.raises(ValidationError, match="holiday.jpg: not an image we can read"):
        photo_add(product=own_product, content=content, filename="holiday.jpg")
    assert not Photo.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_a_prepared_photo_is_stored_like_a_fresh_one(own_product):
    """photo_prepare does the CPU work without the database; photo_add stores its result."""
    import io

    from PIL import Image, ImageDraw

    from catalog.services import photo_add, photo_prepare

    image = Image.new("RGB", (1200, 1200), (240, 236, 230))
    ImageDraw.Draw(image).ellipse((400, 350, 800, 850), fill=(60, 110, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    ready = photo_prepare(content=buffer.getvalue(), filename="mug.jpg")
    photo = photo_add(product=own_product, content=buffer.getvalue(), filename="mug.jpg", prepared=ready)
    assert photo.sha256 == ready.clean.sha256 and photo.qc_verdict == ready.report.verdict
    assert photo.mask and (photo.width, photo.height) == (1200, 1200)
    assert photo_add(product=own_product, content=buffer.getvalue(), filename="mug.jpg").pk == photo.pk
