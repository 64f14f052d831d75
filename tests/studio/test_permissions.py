"""Who sees what: restrict(), can() and get_for_user() over every owner path, and the two roles."""

import functools
import io

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.http import Http404
from PIL import Image

from approvals.models import ReviewEvent, ReviewItem
from approvals.services import review_submit
from catalog.models import Photo, Product, Variant
from catalog.services import photo_add, photo_prepare
from forecasting.models import Sale
from studio.models import Job
from studio.permissions import ARTISANS, CHANGE, DECIDE, MANAGERS, VIEW, can, get_for_user, role_of
from studio.services import job_create, roles_sync
from tests.factories import SaleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _png(colour=(200, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@functools.cache
def _prepared(colour):
    """The photo's intake, QC and cut-out, made once for the module (the cut-out model takes about a second);
    who may see the Photo row is what these tests check, and it is the same row for the same bytes."""
    return photo_prepare(content=_png(colour), filename="photo.jpg")


@pytest.fixture
def world(artisan, other_artisan, own_product, others_product, product_kind):
    """One of each owned thing for two artisans."""
    rows = {}
    for who, product in (("own", own_product), ("other", others_product)):
        maker = product.maker
        variant = product.variants.get()
        rows[who] = {
            Product: product,
            Variant: variant,
            Photo: photo_add(product=product, content=_png((len(who), 10, 10)), prepared=_prepared((len(who), 10, 10))),
            Sale: SaleFactory(variant=variant),
            ReviewItem: review_submit(draft=product, submitted_by=maker),
            Job: job_create(kind="test", label=f"{who} job", created_by=maker),
        }
        rows[who][ReviewEvent] = rows[who][ReviewItem].events.get()
    return rows


MODELS = [Product, Variant, Photo, Sale, ReviewItem, Job, ReviewEvent]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_manager_sees_and_acts_on_everything(world, manager, model):
    expected = {world["own"][model].pk, world["other"][model].pk}
    for action in (VIEW, CHANGE, DECIDE):
        assert set(model.objects.restrict(manager, action).values_list("pk", flat=True)) == expected
        assert can(manager, action, world["other"][model])
    assert get_for_user(model.objects.all(), manager, pk=world["other"][model].pk) == world["other"][model]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_artisan_sees_and_acts_on_only_their_own(world, artisan, model):
    own, other = world["own"][model], world["other"][model]
    for action in (VIEW, CHANGE, DECIDE):
        assert list(model.objects.restrict(artisan, action).values_list("pk", flat=True)) == [own.pk]
        assert can(artisan, action, own)
        assert not can(artisan, action, other)
    assert get_for_user(model.objects.all(), artisan, pk=own.pk) == own
    with pytest.raises(Http404):
        get_for_user(model.objects.all(), artisan, pk=other.pk)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_other_artisan_sees_only_theirs(world, other_artisan, model):
    assert list(model.objects.restrict(other_artisan).values_list("pk", flat=True)) == [world["other"][model].pk]
    assert not can(other_artisan, CHANGE, world["own"][model])


def _inactive_artisan():
    user = UserFactory(username="gone", role="artisan")
    user.is_active = False
    user.save()
    return user


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: UserFactory(username="nobody"), id="outsider"),
        pytest.param(lambda: AnonymousUser(), id="anonymous"),
        pytest.param(lambda: None, id="none"),
        pytest.param(_inactive_artisan, id="inactive-artisan"),
    ],
)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_nobody_else_sees_anything(world, model, make_user):
    user = make_user()
    assert not model.objects.restrict(user, VIEW).exists()
    assert not can(user, VIEW, world["own"][model])
    with pytest.raises(Http404):
        get_for_user(model.objects.all(), user, pk=world["own"][model].pk)
    assert role_of(user) == "none"


def test_an_inactive_manager_has_no_rights(world):
    user = UserFactory(username="former-manager", role="manager")
    user.is_active = False
    user.save()
    assert not Product.objects.restrict(user).exists()
    assert not can(user, VIEW, world["own"][Product])


def test_a_superuser_without_groups_sees_everything(world):
    root = UserFactory(username="root")
    root.is_superuser = True
    root.save()
    assert Product.objects.restrict(root, CHANGE).count() == 2
    assert can(root, DECIDE, world["other"][ReviewItem])
    assert role_of(root) == "manager"


def test_get_for_user_answers_404_for_a_missing_or_malformed_id(world, manager):
    with pytest.raises(Http404):
        get_for_user(Product.objects.all(), manager, pk=999_999)
    with pytest.raises(Http404):
        get_for_user(Product.objects.all(), manager, pk="not-a-number")


def test_studio_wide_rows_are_visible_to_artisans_but_not_changeable(artisan, outsider):
    from catalog.models import Category

    # Category has no owner: artisans may look, not change (the same rule as restrict()).
    category = Category.objects.create(name="Textiles", slug="textiles")
    assert can(artisan, VIEW, category)
    assert not can(artisan, CHANGE, category)
    assert not can(outsider, VIEW, category)


def test_an_unowned_review_item_is_for_managers_only(world, artisan, manager):
    item = world["own"][ReviewItem]
    ReviewItem.objects.filter(pk=item.pk).update(owner=None)
    item.refresh_from_db()
    assert not can(artisan, DECIDE, item)
    assert not ReviewItem.objects.restrict(artisan, DECIDE).filter(pk=item.pk).exists()
    assert can(manager, DECIDE, item)


# --- Roles ----------------------------------------------------------------------------


def _perms(group_name: str) -> set[str]:
    return {
        f"{app}.{code}"
        for app, code in Group.objects.get(name=group_name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_migrate_creates_both_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {MANAGERS, ARTISANS}


def test_artisans_may_edit_their_work_but_not_add_delete_products_or_change_sales(artisan):
    perms = _perms(ARTISANS)
    assert {
        "catalog.view_product",
        "catalog.change_product",
        "catalog.change_variant",
        "catalog.add_photo",
        "forecasting.view_sale",
        "approvals.decide_reviewitem",
        "studio.view_job",
    } <= perms
    assert not perms & {
        "catalog.add_product",
        "catalog.delete_product",
        "catalog.add_variant",
        "catalog.delete_variant",
        "forecasting.change_sale",
        "forecasting.add_sale",
        "forecasting.delete_sale",
        "studio.change_studioprofile",
        "approvals.change_reviewevent",
        "approvals.delete_reviewevent",
    }
    # What the admin and the API actually ask.
    assert artisan.has_perm("catalog.change_product")
    assert not artisan.has_perm("catalog.add_product")
    assert not artisan.has_perm("forecasting.change_sale")


def test_managers_run_the_catalogue_and_decide_reviews(manager):
    perms = _perms(MANAGERS)
    assert {
        "catalog.add_product",
        "catalog.delete_product",
        "catalog.change_product",
        "forecasting.add_sale",
        "forecasting.change_sale",
        "approvals.decide_reviewitem",
        "studio.change_studioprofile",
    } <= perms
    # Nobody may rewrite the audit trail, not even through permissions.
    assert not perms & {"approvals.change_reviewevent", "approvals.delete_reviewevent", "approvals.add_reviewevent"}
    assert manager.has_perm("catalog.add_product")
    assert manager.has_perm("approvals.decide_reviewitem")


def test_roles_sync_is_idempotent_and_restores_exactly_the_intended_permissions():
    before = {name: _perms(name) for name in (MANAGERS, ARTISANS)}
    roles_sync()
    roles_sync()
    assert {name: _perms(name) for name in (MANAGERS, ARTISANS)} == before
    assert Group.objects.filter(name__in=[MANAGERS, ARTISANS]).count() == 2

    # A permission granted by hand is taken away again; a removed one comes back.
    artisans = Group.objects.get(name=ARTISANS)
    artisans.permissions.add(Permission.objects.get(codename="delete_product"))
    artisans.permissions.remove(Permission.objects.get(codename="decide_reviewitem"))
    roles_sync()
    assert _perms(ARTISANS) == before[ARTISANS]


def test_roles_sync_recreates_a_deleted_group():
    Group.objects.filter(name=ARTISANS).delete()
    roles_sync()
    assert "catalog.change_product" in _perms(ARTISANS)


# --- The signed-in user's roles and permissions, read by studio.permissions.RoleModelBackend ----------


def _signed_in(user):
    from studio.permissions import RoleModelBackend

    return RoleModelBackend().get_user(user.pk)


def test_the_signed_in_user_comes_with_their_roles_in_one_query(manager, artisan, django_assert_num_queries):
    with django_assert_num_queries(2):  # one each: the user row and their role groups together
        roles = [role_of(_signed_in(manager)), role_of(_signed_in(artisan))]
    assert roles == ["manager", "artisan"]


def test_a_role_change_holds_from_the_next_request(artisan):
    from django.contrib.auth import get_user_model

    assert role_of(_signed_in(artisan)) == "artisan"
    artisan.groups.set([Group.objects.get(name=MANAGERS)])
    assert role_of(_signed_in(artisan)) == "manager"
    artisan.groups.clear()
    assert role_of(_signed_in(artisan)) == "none"
    artisan.groups.add(Group.objects.get_or_create(name="Visitors")[0])  # any other group gives no role
    assert role_of(_signed_in(artisan)) == "none"
    get_user_model().objects.filter(pk=artisan.pk).update(is_active=False)
    assert _signed_in(artisan) is None  # as Django's ModelBackend: an inactive user is signed out


def test_permissions_are_django_model_backends_in_one_query(manager, artisan, django_assert_num_queries):
    from django.contrib.auth.backends import ModelBackend

    from studio.permissions import RoleModelBackend

    artisan.user_permissions.add(Permission.objects.get(codename="view_sale"))  # one of their own beside the group's
    superuser = UserFactory(is_superuser=True)
    inactive = UserFactory(is_active=False)
    inactive.groups.add(Group.objects.get(name=MANAGERS))
    for user in (manager, artisan, superuser, inactive, AnonymousUser()):
        expected = ModelBackend().get_all_permissions(type(user).objects.get(pk=user.pk) if user.pk else user)
        fresh = type(user).objects.get(pk=user.pk) if user.pk else user
        with django_assert_num_queries(1 if user.pk and user.is_active else 0):
            assert RoleModelBackend().get_all_permissions(fresh) == expected
            assert RoleModelBackend().get_all_permissions(fresh) == expected  # cached on the user object
    assert f"{Sale._meta.app_label}.view_sale" in RoleModelBackend().get_all_permissions(_signed_in(artisan))
