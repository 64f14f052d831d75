"""The catalogue: categories, products with the maker's facts, variants and photos."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from studio.permissions import RestrictedQuerySet


class Category(models.Model):
    """The studio's own categories; optionally mapped to Shopify's product taxonomy."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    shopify_taxonomy_id = models.CharField(
        max_length=120,
        blank=True,
        help_text="Shopify standard product taxonomy id, e.g. gid://shopify/TaxonomyCategory/hg-11-10",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A thing the studio makes, with the facts the maker vouches for.

    Copy, tags and claims are written from these facts only, so they are
    structured: lists for materials and techniques, numbers where numbers apply.
    """

    handle = models.SlugField(max_length=120, unique=True, help_text="URL handle, also the Shopify handle.")
    title = models.CharField(max_length=140)
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="products",
        help_text="The artisan who makes it and signs off its drafts.",
    )
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    materials = models.JSONField(default=list, blank=True, help_text='e.g. ["stoneware clay", "food-safe glaze"]')
    techniques = models.JSONField(default=list, blank=True, help_text='e.g. ["wheel-thrown", "reduction fired"]')
    dimensions = models.CharField(max_length=120, blank=True, help_text="e.g. 9 cm tall, 8 cm across")
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    care = models.TextField(blank=True, help_text="Care instructions, as the maker states them.")
    story = models.TextField(blank=True, help_text="The maker's own words about the piece.")
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    unit_cost = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Materials and firing cost of one piece; production plans weigh stock-outs by margin.",
    )
    made_to_order = models.BooleanField(default=False)
    lead_time_days = models.PositiveIntegerField(default=0, help_text="Days from order to dispatch when made to order.")
    minutes_per_unit = models.PositiveIntegerField(default=0, help_text="Hands-on making time for one piece.")
    batch_size = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Pieces made in one batch or firing."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    owner_field = "maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["maker", "is_active"]),
            # The catalogue's order (catalog.selectors.products_for): its first page read from the index,
            # not a sort of every product.
            models.Index(fields=["title", "id"], name="product_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Variant(models.Model):
    """A sellable version of a product (colourway, size); stock and sales hang off it."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9._/ -]*$",
                "A SKU starts with a letter or a digit and holds only letters, digits, spaces and . _ / -",
                code="sku",
            )
        ],
    )
    title = models.CharField(max_length=120, blank=True, help_text="e.g. Celadon / Large; empty for a single variant.")
    options = models.JSONField(default=dict, blank=True, help_text='e.g. {"colourway": "celadon", "size": "large"}')
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Leave empty to use the product's price.",
    )
    stock_on_hand = models.IntegerField(default=0)
    work_in_progress = models.PositiveIntegerField(default=0, help_text="Pieces being made now, not yet in stock.")
    position = models.PositiveSmallIntegerField(default=0)

    owner_field = "product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["product", "position", "sku"]
        indexes = [
            # The dashboard's low-stock list (catalog.selectors.low_stock_variants_for): the few variants at
            # two or fewer, in this order, read from the index instead of sorting the whole catalogue.
            models.Index(fields=["stock_on_hand", "sku"], name="variant_low_stock_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} — {self.title}" if self.title else self.product.title

    @property
    def effective_price(self) -> Decimal:
        return self.price if self.price is not None else self.product.price


def photo_upload_to(photo: Photo, filename: str) -> str:
    # Content-addressed: the name leaks nothing of the maker's original file name.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"photos/{photo.sha256[:2]}/{photo.sha256}.{ext}"


def photo_mask_upload_to(photo: Photo, filename: str) -> str:
    return f"photos/masks/{photo.sha256[:2]}/{photo.sha256}.png"


def photo_thumb_upload_to(photo: Photo, filename: str) -> str:
    return f"photos/thumbs/{photo.sha256[:2]}/{photo.sha256}.jpg"


class QCVerdict(models.TextChoices):
    """The worst result among a photo's quality checks (catalog.photos.qc uses the same values)."""

    PASS = "pass", "Passed"
    WARN = "warn", "Has warnings"
    FAIL = "fail", "Failed"


class Photo(models.Model):
    """An original product photo as the maker took it (after intake's clean-up).

    Intake stores it upright and without metadata; quality control's report is kept
    with it: a failing photo is still kept (and may be staged), with a warning.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    file = models.ImageField(upload_to=photo_upload_to, width_field="width", height_field="height")
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveBigIntegerField(default=0)
    alt_text = models.CharField(max_length=125, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    qc_verdict = models.CharField(
        "quality",
        max_length=4,
        choices=QCVerdict.choices,
        blank=True,
        db_index=True,
        help_text="The worst of the quality checks; empty until the photo is checked.",
    )
    qc_checks = models.JSONField(
        "quality checks",
        default=list,
        blank=True,
        help_text='[{"check", "label", "verdict", "message", "profile", "value"}, …] as catalog.photos.qc reports them.',
    )
    qc_checked_at = models.DateTimeField(null=True, blank=True)
    mask = models.ImageField(
        "cut-out",
        upload_to=photo_mask_upload_to,
        blank=True,
        help_text="The product's mask (catalog.photos.cutout): an 8-bit PNG of the photo's size, white on the product.",
    )
    thumb = models.ImageField(
        "thumbnail",
        upload_to=photo_thumb_upload_to,
        blank=True,
        help_text="A JPEG copy at most 640 px on its long side, for pages that show many photos at once.",
    )
    mask_quality = models.JSONField(
        "cut-out quality",
        default=dict,
        blank=True,
        help_text='{"share", "edge_contrast", "confidence", "threshold"} for a mask; {"error"} saying why '
        "there is none.",
    )

    owner_field = "product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "sha256"], name="photo_unique_per_product")]

    def __str__(self) -> str:
        return f"Photo {self.position + 1} of {self.product.title}"

    @property
    def thumb_url(self) -> str:
        """The small copy's URL for pages showing many photos (the original's until one is made)."""
        return self.thumb.url if self.thumb else self.file.url

    @property
    def qc_concerns(self) -> list[dict]:
        """The checks that warned or failed, failures first."""
        concerns = [check for check in self.qc_checks if check.get("verdict") in {QCVerdict.WARN, QCVerdict.FAIL}]
        return sorted(concerns, key=lambda check: check["verdict"] != QCVerdict.FAIL)

    @property
    def mask_error(self) -> str:
        return self.mask_quality.get("error", "") if isinstance(self.mask_quality, dict) else ""


class ListingDraft(models.Model):
    """The listing copy of one product as the copywriter last wrote it.

    One row per product; every rewrite is a new version in the review queue.
    Channels publish the approved snapshot (approvals.selectors.approved_content),
    never this live row.
    """

    class Status(models.TextChoices):
        WRITING = "writing", "Being written"
        READY = "ready", "Waiting for review"
        FAILED = "failed", "Failed"

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="listing_draft")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WRITING)
    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, help_text="Sanitised HTML: paragraphs, lists, emphasis.")
    tags = models.JSONField(default=list, blank=True)
    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.TextField(blank=True)
    alt_texts = models.JSONField(default=list, blank=True, help_text='[{"photo": id, "text": …}]')
    suggested_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    materials = models.JSONField(default=list, blank=True)
    colours = models.JSONField(default=list, blank=True)
    checks = models.JSONField(default=list, blank=True)
    writer = models.CharField(max_length=120, blank=True, help_text="The copywriter backend that wrote this version.")
    instructions = models.TextField(blank=True, help_text="The reviewer's note the last rewrite followed.")
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    owner_field = "product__maker"
    objects = RestrictedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Listing copy for {self.product.title}"


class Look(models.Model):
    """One of the studio's brand presets for staged photos ("Linen morning", "Oak table").

    The settings live in versions: editing a look adds a LookVersion, so a staged
    image always says exactly which settings made it, and approved images stay
    explained after the look changes.
    """

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True, help_text="Active looks are offered when staging.")
    position = models.PositiveSmallIntegerField(default=0)
    current = models.ForeignKey(
        "LookVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The version new staging uses.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class LookVersion(models.Model):
    """An immutable set of look settings (catalog.staging.looks.LookSpec as JSON)."""

    look = models.ForeignKey(Look, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField(help_text="LookSpec.to_dict(): backdrop, surface, placement, shadow, light, grade, prompt…")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["look", "-number"]
        constraints = [models.UniqueConstraint(fields=["look", "number"], name="look_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.look.name} v{self.number}"


def staged_upload_to(staged: StagedImage, filename: str) -> str:
    # Content-addressed and never overwritten: a review snapshot names the exact file it showed.
    return f"staged/{staged.sha256[:2]}/{staged.sha256}.png"


class StagedImage(models.Model):
    """A product photo staged into a look: one row per (photo, look), restaged in place.

    Every render is a new version in the review queue; the file of each version is
    kept (content-addressed), so what was approved is what gets published.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        STAGING = "staging", "Being staged"
        READY = "ready", "Waiting for review"
        FAILED = "failed", "Failed"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="staged_images")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="staged_images")
    look = models.ForeignKey(Look, on_delete=models.PROTECT, related_name="staged_images")
    look_version = models.ForeignKey(LookVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    image = models.ImageField(upload_to=staged_upload_to, blank=True, width_field="width", height_field="height")
    sha256 = models.CharField(max_length=64, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    stager = models.CharField(max_length=120, blank=True, help_text="The stager backend that rendered it.")
    seed = models.PositiveIntegerField(default=0)
    fidelity = models.JSONField(
        default=dict,
        blank=True,
        help_text="{identical_share, max_abs_diff, pixels_compared, erosion_px}: the product's own pixels after staging.",
    )
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    owner_field = "product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["product", "photo", "look"]
        constraints = [models.UniqueConstraint(fields=["photo", "look"], name="staged_image_unique_photo_look")]

    def __str__(self) -> str:
        return f"{self.photo} in {self.look.name}"


class Gallery(models.Model):
    """The images a channel receives for a product, in order (the lead image first): a draft the maker approves.

    One row per product; every proposal is a new version in the review queue.
    Publishing sends the approved snapshot's images and nothing else, so a photo
    uploaded or a staged image approved later goes out only once a person approved
    a gallery that includes it.
    """

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="gallery")
    images = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"source": "photo"|"staged", "id", "image", "sha256", "width", "height", "alt", '
        '"label"}, …] in the order a channel shows them.',
    )
    updated_at = models.DateTimeField(auto_now=True)

    owner_field = "product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "galleries"

    def __str__(self) -> str:
        return f"Gallery of {self.product.title}"
