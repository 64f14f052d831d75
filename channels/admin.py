from django.contrib import admin

from channels.models import (
    ChannelAccount,
    ChannelListing,
    ChannelStock,
    ChannelSync,
    EtsyFacts,
    Review,
    StockMove,
    UnmatchedSku,
)
from studio.admin import ReadOnlyAdminMixin, RestrictedAdminMixin


@admin.register(ChannelListing)
class ChannelListingAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["product", "channel", "status", "published_at", "attempts"]
    list_filter = ["channel", "status"]
    search_fields = ["product__title", "remote_id", "remote_handle"]
    list_select_related = ["product"]


@admin.register(UnmatchedSku)
class UnmatchedSkuAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sku", "channel", "lines", "quantity", "last_seen"]
    list_filter = ["channel"]
    search_fields = ["sku"]


@admin.register(ChannelSync)
class ChannelSyncAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["channel", "cursor", "last_run_at", "orders_seen", "last_error"]


@admin.register(ChannelAccount)
class ChannelAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Connection state only: token values are never shown."""

    list_display = ["channel", "status", "shop_name", "access_token_expires_at", "refreshed_at"]
    fields = ["channel", "status", "status_reason", "shop_id", "shop_name", "scopes", "connected_at", "refreshed_at"]


@admin.register(ChannelStock)
class ChannelStockAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    """What each channel last reported of a variant's stock; pushes happen from the product page, not here."""

    list_display = ["variant", "channel", "sent", "reported", "reported_at", "failures", "error"]
    list_filter = ["channel"]
    search_fields = ["variant__sku", "variant__product__title"]
    list_select_related = ["variant__product"]


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["order_ref", "line_ref", "channel", "variant", "quantity", "moved_at"]
    list_filter = ["channel"]
    search_fields = ["order_ref", "variant__sku"]
    list_select_related = ["variant"]


@admin.register(EtsyFacts)
class EtsyFactsAdmin(admin.ModelAdmin):
    """Etsy-only facts: a category's row is the default of its products, a product's row overrides it."""

    list_display = ["__str__", "who_made", "when_made", "is_supply", "taxonomy_id", "shipping_profile_id"]
    list_select_related = ["product", "category"]
    raw_id_fields = ["product"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["product", "channel", "rating", "language", "reviewed_at"]
    list_filter = ["channel", "rating"]
    search_fields = ["product__title", "text"]
    list_select_related = ["product"]
