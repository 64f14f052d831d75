"""Who may see and decide what: the one place that answers it.

Roles are two groups. A shop manager sees and decides everything; an artisan
sees and decides only what belongs to the products they make; anyone else sees
nothing. Models opt in by naming the path to their owning user in
`owner_field` and using `RestrictedQuerySet`; views call `restrict()` or
`get_for_user()` and never filter by owner themselves.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import Http404

MANAGERS = "Shop managers"
ARTISANS = "Artisans"

VIEW = "view"
CHANGE = "change"
DECIDE = "decide"

M = TypeVar("M", bound=models.Model)


def _group_names(user) -> set[str]:
    # Cached on the user object: one query per request, however many checks.
    if not hasattr(user, "_atelier_groups"):
        user._atelier_groups = set(user.groups.values_list("name", flat=True)) if user.pk else set()
    return user._atelier_groups


def is_manager(user) -> bool:
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return False
    return user.is_superuser or MANAGERS in _group_names(user)


def is_artisan(user) -> bool:
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return False
    return ARTISANS in _group_names(user)


def role_of(user) -> str:
    if is_manager(user):
        return "manager"
    if is_artisan(user):
        return "artisan"
    return "none"


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW) -> RestrictedQuerySet:
        """Rows `user` may act on. Managers: all; artisans: their own; others: none."""
        if is_manager(user):
            return self
        if is_artisan(user):
            owner_field = getattr(self.model, "owner_field", None)
            if owner_field is None:  # a studio-wide model: artisans may only look
                return self if action == VIEW else self.none()
            return self.filter(**{owner_field: user})
        return self.none()


def can(user, action: str, obj: models.Model) -> bool:
    """May `user` do `action` on this one object (same rule as restrict())."""
    if is_manager(user):
        return True
    if not is_artisan(user):
        return False
    owner_field = getattr(type(obj), "owner_field", None)
    if owner_field is None:
        return action == VIEW
    owner = obj
    for part in owner_field.split("__"):
        owner = getattr(owner, part, None)
        if owner is None:
            return False
    return owner.pk == user.pk


def get_for_user(queryset: models.QuerySet[M], user, action: str = VIEW, **lookup) -> M:
    """The object, or 404 when it doesn't exist *or* the user may not act on it.

    Both cases answer the same, so nobody learns what another maker has.
    """
    try:
        return queryset.restrict(user, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def makers_for(user):
    """Makers the user may filter by: every active artisan for a manager, nobody otherwise."""
    from django.contrib.auth import get_user_model

    if not is_manager(user):
        return get_user_model().objects.none()
    return get_user_model().objects.filter(groups__name=ARTISANS, is_active=True).order_by("first_name", "username")
