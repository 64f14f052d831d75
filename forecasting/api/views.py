from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from forecasting.api.serializers import (
    ForecastAccuracySerializer,
    ForecastSerializer,
    ProductionPlanSerializer,
    RefitSerializer,
    SaleSerializer,
    SalesImportSerializer,
    SalesImportUploadSerializer,
    StockAlertSerializer,
)
from forecasting.imports.service import import_size_limit, too_large_message
from forecasting.models import Forecast, ProductionPlan, Sale, SalesImport
from forecasting.services import sales_import_submit
from studio.api.permissions import IsShopManager, RestrictedViewSetMixin
from studio.api.serializers import JobSerializer
from studio.parsing import ascii_int

_Error = inline_serializer("SalesImportError", {"detail": serializers.CharField()})
_MULTIPART_SLACK = 64 * 1024


class SaleViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Sales history, newest first. An artisan sees sales of their own products."""

    queryset = Sale.objects.select_related("variant").order_by("-date", "-id")
    serializer_class = SaleSerializer


class CanImportSales(IsShopManager):
    message = "Only shop managers can import sales."


class SalesImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sales file imports and their reports (shop managers only)."""

    queryset = SalesImport.objects.select_related("created_by")
    serializer_class = SalesImportSerializer
    permission_classes = [CanImportSales]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": SalesImportUploadSerializer},
        responses={
            202: OpenApiResponse(
                SalesImportSerializer,
                description="Stored and queued: the import runs in the background. Fetch the import "
                "(GET /api/sales/imports/{id}/) until its status is no longer queued or running; "
                "job is the id of its progress (GET /jobs/{job}/progress/).",
            ),
            400: OpenApiResponse(
                SalesImportSerializer,
                description="Nothing was imported: the file can't be read at all (report.error).",
            ),
            403: _Error,
            413: OpenApiResponse(_Error, description="The upload is larger than the limit; it was not read."),
        },
    )
    def create(self, request, *args, **kwargs):
        """Import a Shopify orders export, an Etsy sold order items CSV or a plain date,sku,quantity CSV.

        The file is stored and imported in the background: every row is checked before anything
        is written (all_or_nothing refuses the whole file then), and the good lines are written in
        short transactions. Lines already stored (same channel, order and line) are skipped, so
        sending the same file twice adds nothing.
        """
        limit = import_size_limit()
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > limit + _MULTIPART_SLACK:
            return Response(
                {"detail": too_large_message(declared, limit)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        upload = SalesImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        record = sales_import_submit(
            file=data["file"],
            file_name=data["file"].name,
            user=request.user,
            file_format=data["file_format"],
            mode=data["mode"],
            dry_run=data["dry_run"],
        )
        record.refresh_from_db()  # a synchronous queue (Q_SYNC) may have finished it already
        code = status.HTTP_400_BAD_REQUEST if record.status == SalesImport.Status.FAILED else status.HTTP_202_ACCEPTED
        return Response(SalesImportSerializer(record).data, status=code)


# --- Forecasts, alerts, plans -----------------------------------------------------------------


_Denied = inline_serializer("ForecastingError", {"detail": serializers.CharField()})


class CanRefitForecasts(IsShopManager):
    message = "Only shop managers can refit the forecasts."


class CanViewForecasts(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm("forecasting.view_forecast"))


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("sku", str, description="Only the forecast of the variant with this SKU (exact)."),
            OpenApiParameter(
                "product",
                {"type": "integer", "minimum": 0},
                description="Only the forecasts of this product's variants.",
            ),
        ]
    )
)
class ForecastViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Demand forecasts, one per variant, refit nightly. An artisan sees the forecasts of their own products.

    Each holds the next periods' expected sales with a p10–p90 band, the method chosen for the
    variant's demand pattern and that method's holdout error. Forecasts are never negative.
    """

    queryset = Forecast.objects.select_related("variant__product").order_by("variant__sku")
    serializer_class = ForecastSerializer

    def get_queryset(self):
        forecasts = super().get_queryset()
        params = self.request.query_params
        if params.get("sku"):
            forecasts = forecasts.filter(variant__sku=params["sku"])
        if params.get("product"):
            product_id = ascii_int(params["product"])
            if product_id is None:
                raise serializers.ValidationError({"product": ["A product id is a whole number."]})
            forecasts = forecasts.filter(variant__product_id=product_id)
        return forecasts

    @extend_schema(
        request=RefitSerializer,
        responses={
            202: OpenApiResponse(JobSerializer, description="Refitting started; poll the job."),
            400: inline_serializer("RefitError", {"variant_ids": serializers.ListField(child=serializers.CharField())}),
            403: _Denied,
        },
    )
    @action(detail=False, methods=["post"], url_path="refit", permission_classes=[CanRefitForecasts])
    def refit(self, request):
        """Refit the forecasts now (every active variant, or those named) and plan production again (managers).

        The nightly schedule does the same. New production plans wait in the review queue.
        """
        from forecasting.demand import forecasts_refit_start

        data = RefitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        variant_ids = data.validated_data.get("variant_ids")
        if variant_ids is not None:
            from catalog.models import Variant

            wanted = set(variant_ids)
            known = set(Variant.objects.filter(pk__in=wanted, product__is_active=True).values_list("pk", flat=True))
            if wanted - known:
                raise serializers.ValidationError(
                    {"variant_ids": [f"Unknown variants or inactive products: {sorted(wanted - known)}."]}
                )
            variant_ids = sorted(wanted)
        job = forecasts_refit_start(variant_ids=variant_ids, requested_by=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: ForecastAccuracySerializer})
    @action(detail=False, methods=["get"], url_path="accuracy", pagination_class=None)
    def accuracy(self, request):
        """How well the forecasts you may see did on their holdout, overall, by demand class and by method."""
        from forecasting.selectors import forecast_accuracy

        return Response(ForecastAccuracySerializer(forecast_accuracy(user=request.user)).data)


class StockAlertPagination(PageNumberPagination):
    """Pages of stored alerts that also say whether they are current (`refreshing`) and as of when (`as_of`).

    An automation acting on stock alerts (reorder, tell the maker) can wait for the refresh rather than
    act on yesterday's figures, as the pages' notice tells a person."""

    def paginate_queryset(self, queryset, request, view=None):
        self.refreshing = bool(getattr(queryset, "refreshing", False))
        self.as_of = getattr(queryset, "as_of", None)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["refreshing"] = self.refreshing
        response.data["as_of"] = self.as_of
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["refreshing"] = {
            "type": "boolean",
            "description": "The alerts are not current (sales, stock or forecasts changed, or a new day began) "
            "and a refresh is queued; these are from `as_of`.",
        }
        paginated["properties"]["as_of"] = {
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "When the refresh that computed these alerts began (null: never computed yet).",
        }
        paginated["required"] = [*paginated.get("required", []), "refreshing", "as_of"]
        return paginated


class StockAlertViewSet(viewsets.GenericViewSet):
    """Stock alerts among the products you may see: stock-out risks, overstock, no recent sales.

    Computed from the latest forecasts, stock on hand and work in progress; most severe first.
    """

    serializer_class = StockAlertSerializer
    permission_classes = [CanViewForecasts]
    pagination_class = StockAlertPagination

    def list(self, request):
        from forecasting.selectors import stock_alerts_for

        alerts = stock_alerts_for(request.user, today=timezone.localdate())
        page = self.paginate_queryset(alerts)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _with_reviews(plans: list[ProductionPlan]) -> list[ProductionPlan]:
    """Each plan with `.review`, its newest version in the review queue (one query for all)."""
    from approvals.selectors import latest_items_for

    reviews = latest_items_for(drafts=plans)
    for plan in plans:
        plan.review = reviews.get(plan.pk)
    return plans


class ProductionPlanViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Production plans ("predictive build"), newest week first. An artisan sees only their own.

    A plan is a draft: the version approved in the review queue is the schedule.
    """

    queryset = ProductionPlan.objects.select_related("maker").order_by("-week_start", "maker__username", "id")
    serializer_class = ProductionPlanSerializer

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else _with_reviews(list(page))

    def get_object(self):
        return _with_reviews([super().get_object()])[0]
