from django.contrib import admin

from forecasting.models import Forecast, ProductionPlan, Sale, SalesImport
from studio.admin import ReadOnlyAdminMixin, RestrictedAdminMixin


@admin.register(Sale)
class SaleAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["date", "variant", "quantity", "unit_price", "channel", "order_ref", "line_ref"]
    list_filter = ["channel", "date", "variant__product__category"]
    search_fields = ["order_ref", "variant__sku", "variant__product__title"]
    date_hierarchy = "date"
    list_select_related = ["variant", "variant__product"]
    autocomplete_fields = ["variant"]


@admin.register(SalesImport)
class SalesImportAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    """Read-only: an import's report is a record of what happened to a file."""

    list_display = [
        "created_at",
        "file_name",
        "file_format",
        "status",
        "rows_read",
        "rows_imported",
        "rows_bad",
        "created_by",
    ]
    list_filter = ["status", "file_format"]
    search_fields = ["file_name", "file_sha256"]
    list_select_related = ["created_by"]


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    """Read-only: forecasts are refit by the engine, nightly and on demand."""

    list_display = ["variant", "method", "demand_class", "validation_error", "fitted_at"]
    list_filter = ["demand_class", "method"]
    search_fields = ["variant__sku", "variant__product__title"]
    list_select_related = ["variant", "variant__product"]


@admin.register(ProductionPlan)
class ProductionPlanAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    """Read-only: plans are decided in the review queue."""

    list_display = ["__str__", "maker", "week_start", "weeks", "service_level", "updated_at"]
    list_select_related = ["maker"]
