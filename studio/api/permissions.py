from rest_framework.permissions import BasePermission, DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """Django model permissions for every method, reads included.

    Row-level access comes from the viewset's queryset (restrict()), so an object
    outside the user's rows is a 404, the same answer as one that doesn't exist.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }


class RestrictedViewSetMixin:
    """get_queryset() restricted to the rows the user may act on for this method."""

    permission_classes = [ModelPermissions]

    def get_queryset(self):
        from studio.permissions import CHANGE, VIEW

        action = VIEW if self.request.method in ("GET", "HEAD", "OPTIONS") else CHANGE
        return super().get_queryset().restrict(self.request.user, action)


class IsShopManager(BasePermission):
    """Shop managers only; subclasses say in `message` what the others may not do."""

    message = "Only shop managers can do this."

    def has_permission(self, request, view) -> bool:
        from studio.permissions import is_manager

        return bool(request.user and request.user.is_authenticated and is_manager(request.user))


class HasRole(BasePermission):
    """Signed in with a role (shop manager or artisan; superusers too): a login alone reads nothing."""

    message = "Your account has no role in this studio yet; ask a shop manager to give you one."

    def has_permission(self, request, view) -> bool:
        from studio.permissions import is_artisan, is_manager

        user = request.user
        return bool(user and user.is_authenticated and (user.is_superuser or is_manager(user) or is_artisan(user)))


class SchemaAccess(HasRole):
    """The API schema and docs: for people with a role, or for anyone when ATELIER_API_SCHEMA_PUBLIC is on."""

    def has_permission(self, request, view) -> bool:
        from django.conf import settings

        return settings.ATELIER_API_SCHEMA_PUBLIC or super().has_permission(request, view)
