from rest_framework import serializers

from catalog.forms import MAX_FILES_PER_UPLOAD
from catalog.models import Category, Look, Photo, Product, StagedImage, Variant
from studio.api import fields
from studio.api.fields import StrictModelSerializer
from studio.api.serializers import IdField
from studio.validators import refuse_nul


class CategorySerializer(StrictModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "shopify_taxonomy_id"]


class VariantSerializer(StrictModelSerializer):
    effective_price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)

    class Meta:
        model = Variant
        fields = ["id", "product", "sku", "title", "options", "price", "effective_price", "stock_on_hand", "position"]
        read_only_fields = ["id", "product", "sku"]
        extra_kwargs = {"options": {"validators": [refuse_nul]}}


class QCCheckSerializer(serializers.Serializer):
    """One quality check: what was measured, the verdict and a reason a maker understands."""

    check = serializers.CharField(help_text="resolution, sharpness, exposure, colour, background, fill or centring")
    label = serializers.CharField()
    # A plain string: the same choices as Photo.qc_verdict, named once in the schema (QcVerdictEnum).
    verdict = serializers.CharField(help_text="pass, warn or fail")
    message = serializers.CharField()
    profile = serializers.CharField(help_text="The marketplace the check is for (etsy, shopify); empty for all.")
    value = serializers.FloatField(allow_null=True, help_text="The number behind the verdict.")


class PhotoSerializer(StrictModelSerializer):
    qc_checks = QCCheckSerializer(many=True, read_only=True)

    class Meta:
        model = Photo
        fields = [
            "id",
            "file",
            "sha256",
            "width",
            "height",
            "size_bytes",
            "alt_text",
            "position",
            "variant",
            "uploaded_at",
            "qc_verdict",
            "qc_checks",
            "qc_checked_at",
            "mask",
            "mask_quality",
        ]
        read_only_fields = [
            "id",
            "file",
            "sha256",
            "width",
            "height",
            "size_bytes",
            "uploaded_at",
            "qc_verdict",
            "qc_checks",
            "qc_checked_at",
            "mask",
            "mask_quality",
        ]


class PhotoUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        allow_empty=False,
        max_length=MAX_FILES_PER_UPLOAD,
        help_text="One or more JPEG, PNG or WebP photos (multipart/form-data, the field repeated). Each is judged on "
        "its own.",
    )


class PhotoUploadResultSerializer(serializers.Serializer):
    filename = serializers.CharField()
    status = serializers.ChoiceField(choices=["stored", "duplicate", "refused"])
    error = serializers.CharField(help_text="Why the file was refused; empty when it was stored.")
    photo = PhotoSerializer(allow_null=True, help_text="The stored photo with its quality checks; null when refused.")

    def to_representation(self, result):
        status = "refused" if not result.ok else "stored" if result.created else "duplicate"
        return {
            "filename": result.filename,
            "status": status,
            "error": result.error,
            "photo": PhotoSerializer(result.photo, context=self.context).data if result.photo else None,
        }


class PhotoUploadResponseSerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text="Files stored, counting ones that were already there.")
    refused = serializers.IntegerField()
    results = PhotoUploadResultSerializer(many=True)
    job = serializers.IntegerField(
        allow_null=True,
        help_text="The job checking the new photos' quality and cutting them out (GET /api/jobs/{id}/); "
        "null when no photo is new. Until it is done, a new photo's qc_verdict is empty.",
    )


class ProductSerializer(StrictModelSerializer):
    maker = serializers.CharField(source="maker.username", read_only=True)
    category = fields.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), allow_null=True, required=False
    )
    variants = VariantSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "handle",
            "title",
            "maker",
            "category",
            "materials",
            "techniques",
            "dimensions",
            "weight_grams",
            "care",
            "story",
            "price",
            "made_to_order",
            "lead_time_days",
            "minutes_per_unit",
            "batch_size",
            "is_active",
            "variants",
            "photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "handle", "maker", "created_at", "updated_at"]

    def validate_materials(self, value):
        return _string_list(value, "materials")

    def validate_techniques(self, value):
        return _string_list(value, "techniques")


def _string_list(value, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise serializers.ValidationError(f"{name} must be a list of strings.")
    refuse_nul(value)
    return [item.strip()[:80] for item in value if item.strip()][:30]


# --- Looks and staging ----------------------------------------------------------------------


class LookSerializer(StrictModelSerializer):
    version = serializers.IntegerField(
        source="current.number", read_only=True, help_text="The version new staging uses."
    )
    spec = serializers.JSONField(
        source="current.spec",
        read_only=True,
        help_text="The version's settings (backdrop, surface, placement, shadow, light, grade, output…).",
    )

    class Meta:
        model = Look
        fields = ["id", "name", "description", "position", "version", "spec"]
        read_only_fields = fields


class StageSerializer(serializers.Serializer):
    product_ids = serializers.ListField(child=IdField(), allow_empty=False, max_length=1000)
    look_ids = serializers.ListField(
        child=IdField(),
        allow_empty=False,
        max_length=100,
        help_text="Active looks (GET /api/looks/).",
    )


class DraftReviewSerializer(serializers.Serializer):
    """The newest version of a draft in the review queue (GET /api/reviews/{id}/ has the rest)."""

    id = serializers.IntegerField()
    version = serializers.IntegerField()
    # A plain string: the same choices as ReviewItem.state, named once in the schema.
    state = serializers.CharField(help_text="pending, approved, rejected or superseded, as in /api/reviews/.")


class StagedImageSerializer(StrictModelSerializer):
    look_name = serializers.CharField(source="look.name", read_only=True)
    look_version = serializers.IntegerField(
        source="look_version.number",
        read_only=True,
        allow_null=True,
        help_text="The look version that made the image; null until it was rendered.",
    )
    image = serializers.ImageField(read_only=True, allow_null=True, help_text="Absolute URL; null until rendered.")
    review = DraftReviewSerializer(
        read_only=True,
        allow_null=True,
        help_text="Its newest version in the review queue; null before the first render.",
    )

    class Meta:
        model = StagedImage
        fields = [
            "id",
            "photo",
            "look",
            "look_name",
            "look_version",
            "status",
            "image",
            "sha256",
            "width",
            "height",
            "fidelity",
            "error",
            "updated_at",
            "review",
        ]
        read_only_fields = fields


# --- Publishing -------------------------------------------------------------------------------
