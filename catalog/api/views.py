from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from catalog.api.serializers import (
    CategorySerializer,
    LookSerializer,
    PhotoUploadResponseSerializer,
    PhotoUploadSerializer,
    ProductSerializer,
    StagedImageSerializer,
    StageSerializer,
    VariantSerializer,
)
from catalog.models import Category, Look, Photo, Product, StagedImage, Variant
from studio.api import fields
from studio.api.permissions import ModelPermissions, RestrictedViewSetMixin
from studio.api.serializers import IdField, JobSerializer
from studio.permissions import CHANGE

_Error = inline_serializer("CatalogError", {"detail": serializers.CharField()})
_IdErrors = inline_serializer(
    "ProductIdsError",
    {
        "product_ids": serializers.ListField(child=serializers.CharField(), required=False),
        "look_ids": serializers.ListField(child=serializers.CharField(), required=False),
    },
)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The studio's categories."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [ModelPermissions]


class LookViewSet(viewsets.ReadOnlyModelViewSet):
    """The studio's active looks (brand presets) to stage photos into, with the settings new staging uses."""

    queryset = Look.objects.filter(is_active=True, current__isnull=False).select_related("current")
    serializer_class = LookSerializer
    permission_classes = [ModelPermissions]

    def list(self, request, *args, **kwargs):
        from catalog.staging.services import looks_ensure_starters

        looks_ensure_starters()  # a new studio gets the starter looks, as on the product page
        return super().list(request, *args, **kwargs)


class CanChangeProducts(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("catalog.change_product"))


class CanAddPhotos(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("catalog.add_photo"))


class WriteListingsSerializer(serializers.Serializer):
    product_ids = serializers.ListField(child=IdField(), allow_empty=False, max_length=1000)
    instructions = fields.CharField(required=False, allow_blank=True, default="", max_length=2000)


def changeable_products(user, ids: list[int]) -> list[Product]:
    """The products with these ids, or a 400 naming the ids the user may not change (unknown ones included)."""
    wanted = set(ids)
    products = list(Product.objects.filter(pk__in=wanted).restrict(user, CHANGE).order_by("pk"))
    unknown = wanted - {product.pk for product in products}
    if unknown:
        raise serializers.ValidationError({"product_ids": [f"Unknown products: {sorted(unknown)}."]})
    return products


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

        data = WriteListingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changeable_products(request.user, data.validated_data["product_ids"])
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
    @action(
        detail=True,
        methods=["post"],
        url_path="photos",
        parser_classes=[MultiPartParser],
        permission_classes=[CanAddPhotos],
    )
    def photos(self, request, pk=None):
        """Upload photos of this product; each file goes through intake on its own, at once.

        Quality checks and the cut-out of the new photos run in the background: poll `job`.
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
            {
                "stored": stored,
                "refused": len(results) - stored,
                "results": results,
                "job": results.job.pk if results.job else None,
            },
            context={"request": request},
        ).data
        code = 201 if stored == len(results) else 400 if stored == 0 else 207
        return Response(body, status=code)

    # --- Staging ----------------------------------------------------------------------------

    @extend_schema(
        request=StageSerializer,
        responses={
            202: JobSerializer,
            400: OpenApiResponse(
                _IdErrors,
                description="Nothing was started: products you may not change (or that don't exist), looks that are "
                "unknown or inactive, or none of the products has a photo yet.",
            ),
        },
    )
    @action(detail=False, methods=["post"], url_path="stage", permission_classes=[CanChangeProducts])
    def stage(self, request):
        """Stage every photo of these products into each chosen look in the background; poll the returned job.

        One staged image per (photo, look); each waits in the review queue, and nothing reaches a
        channel before a person approves it. The product's own pixels are never altered. Products
        without photos are skipped; when none of them has one, nothing is started (400).
        """
        from catalog.staging.services import staging_start

        data = StageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        products = changeable_products(request.user, data.validated_data["product_ids"])
        wanted_looks = set(data.validated_data["look_ids"])
        looks = list(Look.objects.filter(pk__in=wanted_looks, is_active=True, current__isnull=False))
        unknown = wanted_looks - {look.pk for look in looks}
        if unknown:
            raise serializers.ValidationError({"look_ids": [f"Unknown or inactive looks: {sorted(unknown)}."]})
        if not Photo.objects.filter(product__in=products).exists():
            raise serializers.ValidationError(
                {"product_ids": ["None of these products has a photo yet: staging places the product from its photos."]}
            )
        job = staging_start(products=products, looks=looks, requested_by=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: StagedImageSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="staged-images", pagination_class=None)
    def staged_images(self, request, pk=None):
        """The product's staged images, one per (photo, look), with the review state of each one's newest version.

        Only an approved version is ever published; `review.state` says where each stands.
        """
        from approvals.selectors import latest_items_for

        product = self.get_object()  # restricted to products the user may see: else 404
        staged = list(
            StagedImage.objects.filter(product=product)
            .select_related("look", "look_version")
            .order_by("photo__position", "photo_id", "look__position", "look__name")
        )
        reviews = latest_items_for(drafts=staged)
        for image in staged:
            image.review = reviews.get(image.pk)
        return Response(StagedImageSerializer(staged, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("staged_id", int, OpenApiParameter.PATH, description="A staged image of this product.")
        ],
        request=None,
        responses={
            202: JobSerializer,
            404: _Error,
            409: OpenApiResponse(
                _Error, description="The image is already queued or being staged; nothing was started."
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"staged-images/(?P<staged_id>[0-9]+)/stage-again",
        permission_classes=[CanChangeProducts],
    )
    def stage_again(self, request, pk=None, staged_id=None):
        """Stage one image again with the next seed: a new composition, filed as a new version for review."""
        from catalog.staging.services import staged_image_retry

        product = self.get_object()  # restricted to products the user may change: else 404
        staged = StagedImage.objects.filter(product=product, pk=staged_id).select_related("look", "photo").first()
        if staged is None:
            raise NotFound("This product has no such staged image.")
        if staged.status in (StagedImage.Status.QUEUED, StagedImage.Status.STAGING):
            return Response({"detail": "This image is already being staged."}, status=status.HTTP_409_CONFLICT)
        job = staged_image_retry(staged=staged, requested_by=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class VariantViewSet(RestrictedViewSetMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Variants (SKUs): price and stock on hand."""

    queryset = Variant.objects.select_related("product").order_by("sku")
    serializer_class = VariantSerializer
