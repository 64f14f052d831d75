from rest_framework import serializers

from catalog.models import Category, Photo, Product, Variant


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "shopify_taxonomy_id"]


class VariantSerializer(serializers.ModelSerializer):
    effective_price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)

    class Meta:
        model = Variant
        fields = ["id", "product", "sku", "title", "options", "price", "effective_price", "stock_on_hand", "position"]
        read_only_fields = ["id", "product", "sku"]


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["id", "file", "sha256", "width", "height", "size_bytes", "alt_text", "position", "variant", "uploaded_at"]
        read_only_fields = ["id", "file", "sha256", "width", "height", "size_bytes", "uploaded_at"]


class ProductSerializer(serializers.ModelSerializer):
    maker = serializers.CharField(source="maker.username", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all(), allow_null=True, required=False)
    variants = VariantSerializer(many=True, read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id", "handle", "title", "maker", "category", "materials", "techniques", "dimensions", "weight_grams",
            "care", "story", "price", "made_to_order", "lead_time_days", "minutes_per_unit", "batch_size",
            "is_active", "variants", "photos", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "handle", "maker", "created_at", "updated_at"]

    def validate_materials(self, value):
        return _string_list(value, "materials")

    def validate_techniques(self, value):
        return _string_list(value, "techniques")


def _string_list(value, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise serializers.ValidationError(f"{name} must be a list of strings.")
    return [item.strip()[:80] for item in value if item.strip()][:30]
