from django.contrib import admin

from channels.models import ChannelAccount, ChannelListing, ChannelSync, EtsyFacts, Review, UnmatchedSku
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
