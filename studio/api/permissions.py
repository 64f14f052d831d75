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
