from django.db.models import Prefetch
from rest_framework import mixins, viewsets

from catalog.api.serializers import CategorySerializer, ProductSerializer, VariantSerializer
from catalog.models import Category, Photo, Product, Variant
from studio.api.permissions import ModelPermissions, RestrictedViewSetMixin


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The studio's categories."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [ModelPermissions]


class ProductViewSet(RestrictedViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Products with their variants and photos. An artisan sees and edits only their own."""

    queryset = (
        Product.objects.select_related("maker", "category")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "sku")),
            Prefetch("photos", queryset=Photo.objects.order_by("position", "id")),
        )
        .order_by("title", "id")
    )
    serializer_class = ProductSerializer


class VariantViewSet(RestrictedViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Variants (SKUs): price and stock on hand."""

    queryset = Variant.objects.select_related("product").order_by("sku")
    serializer_class = VariantSerializer
