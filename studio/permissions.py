"""Who may see and decide what: the one place that answers it.

Roles are two groups. A shop manager sees and decides everything; an artisan
sees and decides only what belongs to the products they make; anyone else sees
nothing. Models opt in by naming the path to their owning user in
`owner_field` and using `RestrictedQuerySet`; views call `restrict()` or
`get_for_user()` and never filter by owner themselves.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Permission
from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.http import Http404

MANAGERS = "Shop managers"
ARTISANS = "Artisans"

VIEW = "view"
CHANGE = "change"
DECIDE = "decide"

M = TypeVar("M", bound=models.Model)


ROLE_GROUPS = (MANAGERS, ARTISANS)
_ROLE_FLAGS = {MANAGERS: "_atelier_in_managers", ARTISANS: "_atelier_in_artisans"}


def _group_names(user) -> set[str]:
    """The user's role groups. Cached on the user object: at most one query per request, however
    many checks, and none when the user was loaded with_role_groups() (the signed-in user is)."""
    if not hasattr(user, "_atelier_groups"):
        if all(hasattr(user, flag) for flag in _ROLE_FLAGS.values()):
            user._atelier_groups = {name for name, flag in _ROLE_FLAGS.items() if getattr(user, flag)}
        elif user.pk:
            user._atelier_groups = set(user.groups.filter(name__in=ROLE_GROUPS).values_list("name", flat=True))
        else:
            user._atelier_groups = set()
    return user._atelier_groups


def with_role_groups(users: models.QuerySet) -> models.QuerySet:
    """Users with their role groups read in the same query (the signed-in user is read on every request).

    Plain EXISTS subqueries: Django's Exists(OuterRef()) took longer to compile than the
    separate query it saves. They name the user table, so `users` must read it alone (no join
    back to it under another alias)."""
    user_model = users.model
    field = user_model.groups.field
    qn = connections[users.db].ops.quote_name
    group_meta = field.related_model._meta
    membership, group = qn(field.m2m_db_table()), qn(group_meta.db_table)
    sql = (
        f"EXISTS (SELECT 1 FROM {membership} INNER JOIN {group} ON {group}.{qn(group_meta.pk.column)} = {membership}."
        f"{qn(field.m2m_reverse_name())} WHERE {membership}.{qn(field.m2m_column_name())} = "
        f"{qn(user_model._meta.db_table)}.{qn(user_model._meta.pk.column)} AND {group}.{qn(group_meta.get_field('name').column)} = %s)"
    )
    return users.annotate(
        **{flag: RawSQL(sql, (name,), output_field=models.BooleanField()) for name, flag in _ROLE_FLAGS.items()}
    )


class RoleModelBackend(ModelBackend):
    """Django's ModelBackend, reading the signed-in user with their role groups in one query and
    all their permissions in one (ModelBackend reads the user's and their groups' in two). The
    answers are ModelBackend's; every request still reads them afresh, so a change of role or
    permission holds from the next request on."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = with_role_groups(user_model._default_manager.all()).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                permissions = permissions.filter(models.Q(user=user_obj) | models.Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list("content_type__app_label", "codename").order_by()
            }
        return user_obj._perm_cache


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
