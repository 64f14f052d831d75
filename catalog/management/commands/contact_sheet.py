"""manage.py contact_sheet: every staged image beside its photo and its check, as PNG sheets to look at.

    DEBUG=1 .venv/bin/python manage.py seed_demo                # a demo studio to look at
    DEBUG=1 .venv/bin/python manage.py contact_sheet [--columns 2] [--tile 260] [--recheck] [--out DIR]
    DEBUG=1 .venv/bin/python manage.py contact_sheet --render 2  # every photo into two looks, nothing stored

One row per staged image: the original photo, the staged image, and the check's
overlay (the photo with the cut-out's outline in blue, product cut away or
changed in red, old backdrop kept in magenta, a glow or the frame in orange),
captioned with the product, the photo number, the look and the verdict. Images
not staged because their cut-out failed its check show the overlay of that
check. Sheets of PAGE rows go to bench/out/contact/sheet-N.png. --render 2 stages
every photo into the first two looks in memory instead (the 80 images of the
issue's demo), without storing anything. Look at them: the verdicts are only
worth what a person sees there.

--recheck runs the check again from the stored photo, mask and image (after
changing its thresholds) instead of reading the stored verdict. The last line
is one JSON object: how many images, how many flagged, how many not staged.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFont

from catalog.models import StagedImage
from catalog.staging.base import Placement
from catalog.staging.check import LABELS, staging_check
from catalog.staging.services import photo_pieces_expected

OUT = Path(settings.BASE_DIR) / "bench" / "out" / "contact"
PAGE = 10  # rows per sheet
VERDICT_COLOURS = {"pass": (40, 140, 60), "warn": (200, 130, 0), "fail": (200, 30, 30), "unstaged": (120, 0, 120)}


def _open(name: str, mode: str = "RGB") -> Image.Image | None:
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as stored, Image.open(stored) as opened:
        return opened.convert(mode)


def _fit(image: Image.Image | None, tile: int) -> Image.Image:
    canvas = Image.new("RGB", (tile, tile), (235, 235, 235))
    if image is not None:
        image = image.copy()
        image.thumbnail((tile, tile), Image.Resampling.LANCZOS)
        canvas.paste(image, ((tile - image.width) // 2, (tile - image.height) // 2))
    return canvas


def _row(staged: StagedImage, *, tile: int, recheck: bool, font) -> tuple[Image.Image, str, list[str]]:
    photo = _open(staged.photo.file.name)
    details = staged.details or {}
    image = _open(staged.image.name) if staged.image else None
    overlay, verdict, flagged = None, "pass", []
    if staged.status == StagedImage.Status.FAILED:
        verdict = "unstaged"
        check = details.get("cutout_check") or {}
        overlay = _open(details.get("cutout_overlay", ""))
        flagged = [c["label"] for c in check.get("checks", []) if c["level"] != "pass"] or [staged.error[:60]]
    elif recheck and photo is not None and image is not None:
        mask = _open(staged.photo.mask.name, "L")
        placement = Placement.from_dict(details["placement"]) if details.get("placement") else None
        check = staging_check(
            photo=photo,
            mask=mask,
            staged=image,
            placement=placement,
            cutout_quality=staged.photo.mask_quality,
            pieces_expected=photo_pieces_expected(staged.photo),
        )
        overlay, verdict = check.overlay, check.verdict
        flagged = [LABELS[f.code] for f in check.findings if f.level != "pass"]
    else:
        check = details.get("check") or {}
        verdict = check.get("verdict", "unchecked")
        overlay = _open(details.get("check_overlay", ""))
        flagged = [c["label"] for c in check.get("checks", []) if c["level"] != "pass"]
    caption = f"#{staged.pk} {staged.product.title} · photo {staged.photo.position + 1} · {staged.look.name}"
    return _compose(caption, verdict, flagged, (photo, image, overlay), tile=tile, font=font), verdict, flagged


def _rendered_rows(*, looks: int, tile: int, font, only: str = ""):
    """Every photo × the first `looks` active looks, staged in memory as the service would (nothing stored)."""
    from catalog.models import Look, Photo
    from catalog.staging.services import CutoutUntrusted, StagingFailed, staged_image_prepare, staged_seed_for

    chosen = list(Look.objects.filter(is_active=True, current__isnull=False).select_related("current")[:looks])
    photos = Photo.objects.select_related("product").order_by("product_id", "position")
    for photo in photos.filter(product__title__icontains=only) if only else photos:
        original = _open(photo.file.name)
        for look in chosen:
            staged = StagedImage(photo=photo, product=photo.product, look=look, look_version=look.current)
            staged.seed = staged_seed_for(photo=photo, version=look.current)
            image, failure = None, ""
            try:
                result, _ = staged_image_prepare(staged=staged)
            except CutoutUntrusted as error:
                verdict, check = "unstaged", error.check
            except StagingFailed as error:
                verdict, check, failure = "unstaged", None, str(error)[:80]
            else:
                image, check = result.image, result.check
                verdict = check.verdict
            overlay = check.overlay if check is not None else None
            flagged = [LABELS[f.code] for f in check.findings if f.level != "pass"] if check is not None else [failure]
            caption = f"{photo.product.title} · photo {photo.position + 1} · {look.name}"
            yield (
                _compose(caption, verdict, flagged, (original, image, overlay), tile=tile, font=font),
                verdict,
                flagged,
            )


def _compose(caption: str, verdict: str, flagged: list[str], pictures, *, tile: int, font) -> Image.Image:
    row = Image.new("RGB", (tile * 3, tile + 34), "white")
    for index, picture in enumerate(pictures):
        row.paste(_fit(picture, tile), (index * tile, 34))
    draw = ImageDraw.Draw(row)
    draw.rectangle((0, 0, tile * 3, 32), fill=VERDICT_COLOURS.get(verdict, (0, 0, 0)))
    draw.text((6, 2), caption[:90], fill="white", font=font)
    draw.text((6, 17), f"{verdict.upper()}  {', '.join(flagged)}"[:110], fill="white", font=font)
    return row


class _Options:
    def __init__(self, options: dict) -> None:
        self.__dict__.update(options)


class Command(BaseCommand):
    help = "Contact sheets of every staged image with its check's verdict and overlay (bench/out/contact/)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--columns", type=int, default=2, help="rows side by side on a sheet")
        parser.add_argument("--tile", type=int, default=260, help="px of each picture")
        parser.add_argument("--recheck", action="store_true", help="run the check again instead of reading it")
        parser.add_argument(
            "--render",
            type=int,
            default=0,
            metavar="LOOKS",
            help="stage every photo into the first LOOKS active looks in memory (nothing stored) instead of reading "
            "the stored staged images: the whole demo's worth, as the large demo would stage it",
        )
        parser.add_argument("--only", default="", help="with --render: only products whose title contains this")
        parser.add_argument("--out", type=Path, default=OUT)

    def handle(self, *args, **options) -> None:
        args = _Options(options)
        args.out.mkdir(parents=True, exist_ok=True)
        for old in args.out.glob("sheet-*.png"):
            old.unlink()
        font = ImageFont.load_default(size=12)
        rows, verdicts = [], {}
        if args.render:
            made = _rendered_rows(looks=args.render, tile=args.tile, font=font, only=args.only)
        else:
            staged_images = StagedImage.objects.select_related("photo", "product", "look").order_by("product_id", "pk")
            made = (
                _row(staged, tile=args.tile, recheck=args.recheck, font=font)
                for staged in staged_images
                if staged.status in (StagedImage.Status.READY, StagedImage.Status.FAILED)
            )
        for row, verdict, flagged in made:
            rows.append(row)
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
            self.stdout.write(f"{len(rows):4d} {verdict:9s} {', '.join(flagged)}")
        per_sheet = PAGE * args.columns
        sheets = []
        for start in range(0, len(rows), per_sheet):
            chunk = rows[start : start + per_sheet]
            width, height = chunk[0].width, chunk[0].height
            lines = -(-len(chunk) // args.columns)
            sheet = Image.new("RGB", (width * args.columns + 8 * (args.columns - 1), (height + 8) * lines), "white")
            for index, row in enumerate(chunk):
                sheet.paste(row, ((index % args.columns) * (width + 8), (index // args.columns) * (height + 8)))
            path = args.out / f"sheet-{len(sheets) + 1}.png"
            sheet.save(path)
            sheets.append(str(path))
        self.stdout.write("Sheets: " + ", ".join(sheets))
        flagged = verdicts.get("warn", 0) + verdicts.get("fail", 0)
        self.stdout.write(
            json.dumps(
                {
                    "images": len(rows),
                    "passed": verdicts.get("pass", 0),
                    "flagged": flagged,
                    "not_staged": verdicts.get("unstaged", 0),
                    "unchecked": verdicts.get("unchecked", 0),
                    "sheets": len(sheets),
                }
            )
        )
