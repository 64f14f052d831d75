from django.contrib import admin

from approvals.models import ReviewEvent, ReviewItem
from studio.admin import RestrictedAdminMixin


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "version", "snapshot_hash", "note", "changes"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReviewItem)
class ReviewItemAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Read-only here: decisions are made in the review queue, which checks the hash."""

    list_display = ["subject", "kind", "version", "state", "owner", "submitted_at", "decided_by", "decided_at"]
    # Only owners of rows the user may see: an artisan must not get a list of every account.
    list_filter = ["state", "kind", ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subject", "snapshot_hash", "note"]
    list_select_related = ["owner", "decided_by"]
    inlines = [ReviewEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ReviewItem._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewEvent)
class ReviewEventAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "action", "item", "version", "actor"]
    list_filter = ["action"]
    list_select_related = ["item", "actor"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ReviewEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
