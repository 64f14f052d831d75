from django.contrib import admin

from approvals.models import ReviewEvent, ReviewItem
from studio.admin import ReadOnlyAdminMixin, RestrictedAdminMixin


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "version", "snapshot_hash", "note", "changes"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    """Read-only here: decisions are made in the review queue, which checks the hash."""

    list_display = ["subject", "kind", "version", "state", "owner", "submitted_at", "decided_by", "decided_at"]
    # Only owners of rows the user may see: an artisan must not get a list of every account.
    list_filter = ["state", "kind", ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subject", "snapshot_hash", "note"]
    list_select_related = ["owner", "decided_by"]
    inlines = [ReviewEventInline]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdminMixin, RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "action", "item", "version", "actor"]
    list_filter = ["action"]
    list_select_related = ["item", "actor"]
