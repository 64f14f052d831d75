from django.contrib import admin
from django.db import models

from studio.api.services import api_token_revoke
from studio.models import ApiToken, Job, MakerProfile, StudioProfile
from studio.permissions import CHANGE, VIEW, can, is_manager
from studio.validators import NulFreeJSONField

# JSON edited in the admin (materials, variant options, marketplace profiles) refuses a NUL with a message.
NUL_FREE_JSON = {models.JSONField: {"form_class": NulFreeJSONField}}


class RestrictedAdminMixin:
    """Admin pages show and change only the rows the user may act on.

    The same rule as the app's pages and API (studio.permissions): an artisan
    who guesses another maker's object id gets the admin's "doesn't exist".
    """

    formfield_overrides = NUL_FREE_JSON

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, VIEW)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can(request.user, VIEW, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can(request.user, CHANGE, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can(request.user, CHANGE, obj))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model
        if hasattr(related.objects, "restrict") and getattr(related, "owner_field", None):
            kwargs["queryset"] = related.objects.restrict(request.user, CHANGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """Records that are written only by services (decisions, imports): the admin shows them, never edits."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RestrictedInlineMixin(RestrictedAdminMixin):
    def has_view_permission(self, request, obj=None):
        # obj is the parent here; the parent admin already checked it.
        return super(RestrictedAdminMixin, self).has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return super(RestrictedAdminMixin, self).has_change_permission(request, obj) and (
            obj is None or can(request.user, CHANGE, obj)
        )

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or can(request.user, CHANGE, obj))

    def has_delete_permission(self, request, obj=None):
        return super(RestrictedAdminMixin, self).has_delete_permission(request, obj) and (
            obj is None or can(request.user, CHANGE, obj)
        )


@admin.register(StudioProfile)
class StudioProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "weekly_making_hours", "updated_at"]
    formfield_overrides = NUL_FREE_JSON

    def has_add_permission(self, request):
        return is_manager(request.user) and not StudioProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["label", "kind", "status", "done", "failed", "total", "created_by", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["label", "message"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MakerProfile)
class MakerProfileAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Each maker's weekly making hours: production plans never fill more."""

    list_display = ["user", "weekly_hours"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


@admin.register(ApiToken)
class ApiTokenAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Every API token (shop managers): who made it, what it may do, when it was last used; revoke any.

    Tokens are made by their users on the profile page, where the secret is shown once; here
    nobody can make, edit or read one back.
    """

    list_display = ["name", "user", "prefix", "scope_list", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "digest"]
    exclude = ["digest"]
    actions = ["revoke"]

    @admin.display(description="scopes")
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scope_labels)

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token_id=token.pk, by=request.user)
        self.message_user(request, "The selected tokens were revoked; requests with them now get 401.")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
