from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from catalog.api.serializers import (
    CategorySerializer,
    PhotoUploadResponseSerializer,
    PhotoUploadSerializer,
    ProductSerializer,
    VariantSerializer,
)
from catalog.models import Category, Photo, Product, Variant
from studio.api.permissions import ModelPermissions, RestrictedViewSetMixin
from studio.api.serializers import JobSerializer


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The studio's categories."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [ModelPermissions]


class CanChangeProducts(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("catalog.change_product"))


class CanAddPhotos(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("catalog.add_photo"))


class WriteListingsSerializer(serializers.Serializer):
    product_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=1000)
    instructions = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


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

    @extend_schema(request=WriteListingsSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"], url_path="write-listings", permission_classes=[CanChangeProducts])
    def write_listings(self, request):
        """Write listing copy for these products in the background; poll the returned job.

        Each draft waits in the review queue. Ids you may not change are refused with 400.
        """
        from catalog.listings.services import listing_write_batch
        from studio.permissions import CHANGE

        data = WriteListingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = set(data.validated_data["product_ids"])
        allowed = set(Product.objects.filter(pk__in=wanted).restrict(request.user, CHANGE).values_list("pk", flat=True))
        if wanted - allowed:
            raise serializers.ValidationError({"product_ids": [f"Unknown products: {sorted(wanted - allowed)}."]})
        job = listing_write_batch(
            product_ids=data.validated_data["product_ids"],
            requested_by=request.user,
            instructions=data.validated_data["instructions"],
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={
            201: OpenApiResponse(PhotoUploadResponseSerializer, description="Every file was stored."),
            207: OpenApiResponse(PhotoUploadResponseSerializer, description="Some files were stored, some refused."),
            400: OpenApiResponse(PhotoUploadResponseSerializer, description="No file was stored; see each error."),
        },
    )
    @action(detail=True, methods=["post"], url_path="photos", parser_classes=[MultiPartParser],
            permission_classes=[CanAddPhotos])
    def photos(self, request, pk=None):
        """Upload photos of this product; each file goes through intake and QC on its own.

        Good files are stored even when others are refused, so read every result:
        201 when all were stored (or already there), 207 when some were, 400 when none was.
        """
        from catalog.services import photos_upload

        product = self.get_object()  # restricted to products the user may change: else 404
        data = PhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = photos_upload(product=product, files=data.validated_data["files"], uploaded_by=request.user)
        stored = sum(result.ok for result in results)
        body = PhotoUploadResponseSerializer(
            {"stored": stored, "refused": len(results) - stored, "results": results}, context={"request": request}
        ).data
        code = 201 if stored == len(results) else 400 if stored == 0 else 207
        return Response(body, status=code)


class VariantViewSet(RestrictedViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Variants (SKUs): price and stock on hand."""

    queryset = Variant.objects.select_related("product").order_by("sku")
    serializer_class = VariantSerializer
