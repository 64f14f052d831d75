"""Cut-outs of synthetic product shots whose true masks are known: how well each is found (IoU)."""

import io

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from catalog.photos.cutout import CutoutError
from catalog.photos.cutout import classical_cutout as photo_cutout

SIZE = 2000


def _scene(backdrop) -> tuple[Image.Image, Image.Image]:
    image = Image.new("RGB", (SIZE, SIZE), backdrop) if isinstance(backdrop, tuple) else backdrop
    return image, Image.new("L", (SIZE, SIZE), 0)


def _paint(image, truth, shape: Image.Image, colour) -> None:
    """Paint colour (a colour or an RGB image) where shape (an L mask) is set, and record it as product."""
    fill = Image.new("RGB", image.size, colour) if isinstance(colour, tuple) else colour
    image.paste(fill, mask=shape)
    truth.paste(255, mask=shape)


def _shape(draw_fn) -> Image.Image:
    shape = Image.new("L", (SIZE, SIZE), 0)
    draw_fn(ImageDraw.Draw(shape))
    return shape


def _shadow(image, box, darkness: float = 0.75, blur: int = 40) -> None:
    """A soft contact shadow: the backdrop darkened, same hue."""
    shade = _shape(lambda d: d.ellipse(box, fill=255)).filter(ImageFilter.GaussianBlur(blur))
    darker = image.point(lambda v: int(v * darkness))
    image.paste(darker, mask=shade)


def _shaded(colour, light: float = 0.25) -> Image.Image:
    """A product surface lit from the left: the colour, brighter on one side, darker on the other."""
    ramp = np.linspace(1 + light, 1 - light, SIZE, dtype=np.float32)[:, None]
    row = (np.array(colour, dtype=np.float32) * ramp).clip(0, 255).astype(np.uint8)
    return Image.fromarray(np.repeat(row[None], SIZE, axis=0))


def mug():
    image, truth = _scene((245, 243, 240))
    _shadow(image, (560, 1380, 1440, 1520))
    body = _shape(
        lambda d: (
            d.rounded_rectangle((600, 600, 1300, 1450), radius=40, fill=255),
            d.ellipse((600, 540, 1300, 660), fill=255),
        )
    )
    handle = _shape(
        lambda d: (d.ellipse((1200, 780, 1520, 1220), fill=255), d.ellipse((1290, 870, 1430, 1130), fill=0))
    )
    _paint(image, truth, handle, (60, 100, 150))
    _paint(image, truth, body, _shaded((60, 100, 150)))
    stripe = ImageChops.multiply(body, _shape(lambda d: d.rectangle((0, 900, SIZE, 980), fill=255)))
    _paint(image, truth, stripe, (220, 190, 100))
    return image, truth


def ring():
    image, truth = _scene((238, 236, 232))
    band = _shape(lambda d: (d.ellipse((500, 500, 1500, 1500), fill=255), d.ellipse((740, 740, 1260, 1260), fill=0)))
    _paint(image, truth, band, _shaded((190, 150, 60), 0.35))
    return image, truth


def dark_on_light():
    image, truth = _scene((250, 250, 250))
    _shadow(image, (650, 1450, 1350, 1580), 0.7)
    bottle = _shape(
        lambda d: (
            d.rounded_rectangle((750, 700, 1250, 1500), radius=80, fill=255),
            d.rectangle((900, 450, 1100, 720), fill=255),
        )
    )
    _paint(image, truth, bottle, _shaded((30, 28, 35), 0.4))
    return image, truth


def white_on_white():
    image, truth = _scene((250, 250, 248))
    _shadow(image, (600, 1330, 1400, 1500), 0.85, 50)
    bowl = _shape(lambda d: d.chord((550, 700, 1450, 1450), 0, 180, fill=255))
    bowl.paste(255, (550, 1060, 1451, 1090))
    _paint(image, truth, bowl, _shaded((236, 232, 222), 0.08))
    return image, truth


def on_gradient():
    top, bottom = np.array([235, 225, 210], np.float32), np.array([150, 140, 130], np.float32)
    t = np.linspace(0, 1, SIZE, dtype=np.float32)[:, None, None]
    backdrop = Image.fromarray((top * (1 - t) + bottom * t).repeat(SIZE, 1).astype(np.uint8))
    image, truth = _scene(backdrop)
    vase = _shape(lambda d: (d.ellipse((650, 800, 1350, 1550), fill=255), d.rectangle((880, 500, 1120, 900), fill=255)))
    _paint(image, truth, vase, _shaded((120, 60, 50)))
    return image, truth


def textured():
    image, truth = _scene((242, 242, 242))
    rng = np.random.default_rng(3)
    weave = rng.integers(90, 200, (SIZE // 8, SIZE // 8, 3), dtype=np.uint8)
    weave[..., 2] //= 2
    texture = Image.fromarray(weave).resize((SIZE, SIZE), Image.Resampling.NEAREST)
    basket = _shape(lambda d: d.rounded_rectangle((450, 650, 1550, 1400), radius=120, fill=255))
    _paint(image, truth, basket, texture)
    return image, truth


def with_noise(image: Image.Image, sigma: float = 3.0) -> Image.Image:
    """Sensor noise, as a phone leaves it: no backdrop is ever perfectly flat."""
    noise = np.random.default_rng(11).normal(0, sigma, (SIZE, SIZE, 1)).astype(np.float32)
    return Image.fromarray((np.asarray(image, dtype=np.float32) + noise).clip(0, 255).astype(np.uint8))


def iou(mask: Image.Image, truth: Image.Image) -> float:
    found, real = np.asarray(mask) >= 128, np.asarray(truth) >= 128
    return float((found & real).sum() / (found | real).sum())


SCENES = {  # name: (renderer, the least IoU accepted)
    "mug": (mug, 0.9),
    "ring": (ring, 0.9),
    "dark_on_light": (dark_on_light, 0.9),
    # a cream bowl on white paper with a soft shadow: ΔE about 5, the hardest; a lower bar
    "white_on_white": (white_on_white, 0.85),
    "on_gradient": (on_gradient, 0.9),
    "textured": (textured, 0.9),
}


@pytest.mark.parametrize("name", SCENES)
def test_the_cutout_matches_the_known_product(name):
    render, least = SCENES[name]
    image, truth = render()
    cutout = photo_cutout(image=with_noise(image))
    score = iou(cutout.mask, truth)
    print(f"{name}: IoU {score:.3f}")
    assert score >= least, f"{name}: IoU {score:.3f}"
    assert cutout.mask.mode == "L" and cutout.mask.size == image.size
    assert 0 < cutout.quality["share"] < 1 and cutout.quality["confidence"] > 0


def test_the_mask_is_soft_only_at_the_edge():
    image, truth = mug()
    mask = np.asarray(photo_cutout(image=image).mask)
    soft = (mask > 0) & (mask < 255)
    assert soft.any()
    edge = np.asarray(truth.filter(ImageFilter.MaxFilter(25))) != np.asarray(truth.filter(ImageFilter.MinFilter(25)))
    assert soft[~edge].mean() < 0.0005  # soft values sit within a dozen px of the true outline
    assert soft.mean() < 0.02 and soft[edge].mean() > 0.1


def test_a_flat_image_has_no_product():
    with pytest.raises(CutoutError, match="no product found"):
        photo_cutout(image=Image.new("RGB", (800, 600), (200, 205, 210)))


# --- Stored with the photo, shown on the product page ------------------------------------------------


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.django_db
def test_photo_add_stores_the_mask_with_the_photo(own_product):
    from catalog.services import photo_add

    image, truth = mug()
    photo = photo_add(product=own_product, content=_jpeg(image))
    assert photo.mask.name.startswith("photos/masks/") and photo.mask.name.endswith(".png")
    with photo.mask.open("rb") as stored, Image.open(stored) as mask:
        assert mask.format == "PNG" and mask.mode == "L" and mask.size == (photo.width, photo.height)
        assert iou(mask, truth) >= 0.9
    assert photo.mask_error == "" and photo.mask_quality["confidence"] > 0.5


@pytest.mark.django_db
def test_a_photo_with_no_product_is_kept_without_a_mask_and_says_why(own_product, artisan_client):
    from django.urls import reverse

    from catalog.services import photo_add

    photo = photo_add(product=own_product, content=_jpeg(Image.new("RGB", (1200, 1200), (200, 205, 210))))
    photo.refresh_from_db()
    assert photo.pk and photo.file.name and not photo.mask
    assert photo.mask_error.startswith("no product found")
    response = artisan_client.get(reverse("product-detail", args=[own_product.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No cut-out: no product found" in page and "Show cut-out" not in page


@pytest.mark.django_db
def test_a_failing_cutout_does_not_lose_the_photo(own_product, monkeypatch):
    from catalog import services

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "photo_cutout", broken)
    photo = services.photo_add(product=own_product, content=_jpeg(mug()[0]))
    assert photo.pk and not photo.mask and "cut-out failed" in photo.mask_error


@pytest.mark.django_db
def test_the_product_page_and_api_show_the_cutout(own_product, artisan_client):
    from django.urls import reverse

    from catalog.services import photo_add

    photo = photo_add(product=own_product, content=_jpeg(ring()[0]))
    page = artisan_client.get(reverse("product-detail", args=[own_product.pk])).content.decode()
    assert "<summary>Show cut-out</summary>" in page
    assert photo.mask.url in page and "cutout-masked" in page
    assert "the product alone, the backdrop removed" in page
    (data,) = artisan_client.get(f"/api/products/{own_product.pk}/").json()["photos"]
    assert data["mask"].endswith(photo.mask.url) and data["mask_quality"]["share"] > 0
