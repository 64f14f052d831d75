from django.contrib import admin

from forecasting.models import Sale
from studio.admin import RestrictedAdminMixin


@admin.register(Sale)
class SaleAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["date", "variant", "quantity", "unit_price", "channel", "order_ref", "line_ref"]
    list_filter = ["channel", "date", "variant__product__category"]
    search_fields = ["order_ref", "variant__sku", "variant__product__title"]
    date_hierarchy = "date"
    list_select_related = ["variant", "variant__product"]
    autocomplete_fields = ["variant"]
