from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from forecasting.api.serializers import SaleSerializer, SalesImportSerializer, SalesImportUploadSerializer
from forecasting.imports.service import import_size_limit, too_large_message
from forecasting.models import Sale, SalesImport
from forecasting.services import sales_import
from studio.api.permissions import RestrictedViewSetMixin
from studio.permissions import is_manager

_Error = inline_serializer("SalesImportError", {"detail": serializers.CharField()})
_MULTIPART_SLACK = 64 * 1024


class SaleViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Sales history, newest first. An artisan sees sales of their own products."""

    queryset = Sale.objects.select_related("variant").order_by("-date", "-id")
    serializer_class = SaleSerializer


class IsShopManager(BasePermission):
    message = "Only shop managers can import sales."

    def has_permission(self, request, view) -> bool:
        return is_manager(request.user)


class SalesImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sales file imports and their reports (shop managers only)."""

    queryset = SalesImport.objects.select_related("created_by")
    serializer_class = SalesImportSerializer
    permission_classes = [IsShopManager]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": SalesImportUploadSerializer},
        responses={
            201: OpenApiResponse(SalesImportSerializer, description="Imported: the good rows are stored; the report lists the rest."),
            200: OpenApiResponse(SalesImportSerializer, description="Check only (dry_run): nothing was stored."),
            400: OpenApiResponse(
                SalesImportSerializer,
                description="Nothing was imported: the file can't be read (report.error), or rows are bad and the mode "
                "is all_or_nothing, or no row could be imported. The report says why.",
            ),
            403: _Error,
            413: OpenApiResponse(_Error, description="The upload is larger than the limit; it was not read."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Import a Shopify orders export, an Etsy sold order items CSV or a plain date,sku,quantity CSV.

        Every row is checked before anything is written, and the write is one transaction.
        Lines already stored (same channel, order and line) are skipped, so sending the same
        file twice adds nothing.
        """
        limit = import_size_limit()
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > limit + _MULTIPART_SLACK:
            return Response({"detail": too_large_message(declared, limit)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        upload = SalesImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        record = sales_import(
            file=data["file"],
            file_name=data["file"].name,
            user=request.user,
            file_format=data["file_format"],
            mode=data["mode"],
            dry_run=data["dry_run"],
        )
        code = {
            SalesImport.Status.IMPORTED: status.HTTP_201_CREATED,
            SalesImport.Status.CHECKED: status.HTTP_200_OK,
        }.get(record.status, status.HTTP_400_BAD_REQUEST)
        return Response(SalesImportSerializer(record).data, status=code)
