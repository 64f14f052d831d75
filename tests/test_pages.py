"""Server-rendered pages through Django's test client: what each role would see."""

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from approvals.models import ReviewEvent, ReviewItem
from catalog.models import Product
from studio.models import Job, StudioProfile
from studio.services import job_advance, job_create, job_finish, job_start
from tests.factories import ProductFactory, SaleFactory, VariantFactory


@pytest.fixture
def studio(db):
    profile, _ = StudioProfile.objects.get_or_create(pk=1)
    profile.name = "Kiln & Loom"
    profile.currency = "GBP"
    profile.save()
    return profile


def review_item(*, product, owner, version=1, snapshot=None, state="pending", kind="listing_copy"):
    snapshot = snapshot if snapshot is not None else {"title": product.title, "tags": ["stoneware", "mug"]}
    encoded = json.dumps(snapshot, sort_keys=True).encode()
    return ReviewItem.objects.create(
        kind=kind,
        draft_type=ContentType.objects.get_for_model(Product),
        draft_id=product.pk,
        version=version,
        state=state,
        owner=owner,
        subject=product.title,
        subject_key=f"product:{product.pk}",
        snapshot=snapshot,
        snapshot_hash=hashlib.sha256(encoded).hexdigest(),
    )


def html(response) -> str:
    return response.content.decode()


# --- Anonymous visitors ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name, kwargs",
    [
        ("dashboard", {}),
        ("product-list", {}),
        ("product-detail", {"product_id": 1}),
        ("sale-list", {}),
        ("review-list", {}),
        ("review-detail", {"item_id": 1}),
        ("job-list", {}),
        ("job-detail", {"job_id": 1}),
        ("job-progress", {"job_id": 1}),
        ("password_change", {}),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url_name, kwargs):
    url = reverse(url_name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_login_page_renders_a_form_and_signing_in_lands_on_the_dashboard(client, artisan):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    body = html(page)
    assert "Welcome back" in body
    assert 'name="username"' in body and 'name="password"' in body
    assert 'lang="en-GB"' in body

    response = client.post(reverse("login"), {"username": "ines", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert "Inès" in html(client.get(reverse("dashboard")))


def test_a_wrong_password_shows_a_clear_error_on_the_login_page(client, artisan):
    response = client.post(reverse("login"), {"username": "ines", "password": "not-it"})
    assert response.status_code == 200
    body = html(response)
    assert 'role="alert"' in body
    assert "Please enter a correct username and password" in body


# --- Layout and navigation ----------------------------------------------------------------


def test_dashboard_shows_studio_name_greeting_and_waiting_drafts(artisan_client, artisan, own_product, studio):
    review_item(product=own_product, owner=artisan)
    review_item(product=own_product, owner=artisan, version=2)
    response = artisan_client.get(reverse("dashboard"))
    assert response.status_code == 200
    body = html(response)
    assert "Kiln &amp; Loom" in body
    assert "Inès" in body
    assert "2 drafts waiting" in body  # the nav badge's accessible label
    assert reverse("review-detail", args=[ReviewItem.objects.first().pk]) in body
    assert own_product.title.replace("'", "&#x27;") in body


def test_navigation_has_every_section_and_logout_is_a_post_form(manager_client, studio):
    body = html(manager_client.get(reverse("dashboard")))
    for url in ["dashboard", "product-list", "review-list", "sale-list", "job-list", "api-docs", "password_change"]:
        assert f'href="{reverse(url)}"' in body
    assert 'href="/admin/"' in body  # managers are staff
    assert f'<form method="post" action="{reverse("logout")}">' in body
    assert "csrfmiddlewaretoken" in body
    assert 'class="skip-link" href="#main"' in body and 'id="main"' in body


def test_a_makers_navigation_leaves_out_the_admin_and_the_api_docs(artisan, artisan_client, manager_client, studio):
    artisan.is_staff = True  # the demo's makers are staff; the admin link still isn't theirs
    artisan.save(update_fields=["is_staff"])
    body = html(artisan_client.get(reverse("dashboard")))
    assert 'href="/admin/"' not in body and f'href="{reverse("api-docs")}"' not in body
    assert f'href="{reverse("product-list")}"' in body  # the navigation itself is there
    profile = html(artisan_client.get(reverse("profile")))
    assert f'href="{reverse("api-docs")}"' in profile  # beside their tokens, whether or not they have one yet
    manager_body = html(manager_client.get(reverse("dashboard")))
    assert 'href="/admin/"' in manager_body and f'href="{reverse("api-docs")}"' in manager_body


def test_admin_link_is_only_for_staff(outsider_client, studio):
    response = outsider_client.get(reverse("dashboard"))
    assert response.status_code == 200
    body = html(response)
    assert 'href="/admin/"' not in body
    assert "have a role yet" in body


def test_dashboard_shows_sales_revenue_in_the_studio_currency_and_low_stock(manager_client, own_product, studio):
    variant = own_product.variants.get()
    variant.stock_on_hand = 1
    variant.save()
    SaleFactory(variant=variant, date=timezone.localdate(), quantity=3, unit_price=Decimal("1200.00"))
    body = html(manager_client.get(reverse("dashboard")))
    assert "£3,600" in body  # whole pounds on the dashboard card
    assert "1 left" in body
    assert reverse("product-detail", args=[own_product.pk]) in body


def test_dashboard_shows_recent_jobs_with_a_progress_bar(manager_client, manager, studio):
    job = job_create(kind="staging", label="Staging 12 photos", total=4, created_by=manager)
    job_advance(job_id=job.pk, done=1)
    body = html(manager_client.get(reverse("dashboard")))
    assert "Staging 12 photos" in body
    assert '<progress class="progress-bar" max="100" value="25"' in body
    assert f'data-progress-url="{reverse("job-progress", args=[job.pk])}"' in body


def test_logout_via_post_signs_out(artisan_client):
    assert artisan_client.get(reverse("dashboard")).status_code == 200
    response = artisan_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert artisan_client.get(reverse("dashboard")).status_code == 302


def test_password_change_pages_render(artisan_client):
    form = artisan_client.get(reverse("password_change"))
    assert form.status_code == 200
    assert 'name="old_password"' in html(form)
    bad = artisan_client.post(
        reverse("password_change"), {"old_password": "nope", "new_password1": "x", "new_password2": "y"}
    )
    assert bad.status_code == 200
    assert 'role="alert"' in html(bad)
    done = artisan_client.get(reverse("password_change_done"))
    assert done.status_code == 200 and "Password changed" in html(done)


# --- Catalogue ------------------------------------------------------------------------


def test_artisan_sees_only_their_own_products(artisan_client, own_product, others_product):
    response = artisan_client.get(reverse("product-list"))
    assert response.status_code == 200
    body = html(response)
    assert "Ines&#x27;s celadon mug" in body
    assert "Tomas&#x27;s linen runner" not in body
    assert 'name="maker"' not in body  # no maker filter for artisans


def test_manager_sees_every_product_and_can_filter_by_maker(manager_client, own_product, others_product, other_artisan):
    body = html(manager_client.get(reverse("product-list")))
    assert "Ines&#x27;s celadon mug" in body and "Tomas&#x27;s linen runner" in body
    assert 'name="maker"' in body
    response = manager_client.get(reverse("product-list"), {"maker": other_artisan.pk})
    assert response.status_code == 200
    filtered = html(response)
    assert "Tomas&#x27;s linen runner" in filtered
    assert "Ines&#x27;s celadon mug" not in filtered
    assert f'<option value="{other_artisan.pk}" selected>' in filtered


def test_catalogue_search_category_and_pagination_keep_the_filters(manager_client, artisan):
    for n in range(30):
        ProductFactory(maker=artisan, title=f"Speckled bowl {n:02d}", handle=f"speckled-bowl-{n}")
    ProductFactory(maker=artisan, title="Beeswax taper", handle="beeswax-taper")
    response = manager_client.get(reverse("product-list"), {"q": "speckled", "category": "ceramics"})
    assert response.status_code == 200
    body = html(response)
    assert "30 products" in body
    assert "Beeswax taper" not in body
    assert "Page 1 of 2" in body
    assert "?q=speckled&amp;category=ceramics&amp;page=2" in body
    page_two = html(manager_client.get(reverse("product-list"), {"q": "speckled", "category": "ceramics", "page": 2}))
    assert "Speckled bowl 29" in page_two


def test_product_cards_show_photo_price_stock_and_made_to_order(artisan_client, artisan):
    from io import BytesIO

    from PIL import Image

    from catalog.services import photo_add

    product = ProductFactory(maker=artisan, title="Ash-glazed vase", price=Decimal("64.00"))
    VariantFactory(product=product, stock_on_hand=7)
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (180, 90, 60)).save(buffer, "JPEG")
    photo_add(product=product, content=buffer.getvalue(), filename="vase.jpg", uploaded_by=artisan)
    ProductFactory(maker=artisan, title="Commissioned platter", made_to_order=True, lead_time_days=21)
    body = html(artisan_client.get(reverse("product-list")))
    assert "£64.00" in body
    assert "7 in stock" in body
    assert 'width="40" height="30" loading="lazy"' in body
    assert "Made to order" in body and "21 days to make" in body


def test_product_detail_shows_facts_variants_sales_and_drafts(artisan_client, artisan, own_product):
    own_product.story = "Thrown on a kick wheel.\n<b>Fired twice.</b>"
    own_product.care = "Hand wash."
    own_product.save()
    variant = own_product.variants.get()
    today = timezone.localdate()
    SaleFactory(variant=variant, date=today, quantity=4)
    SaleFactory(variant=variant, date=today - dt.timedelta(weeks=3), quantity=2)
    SaleFactory(variant=variant, date=today - dt.timedelta(weeks=40), quantity=9)  # outside the window
    item = review_item(product=own_product, owner=artisan)

    response = artisan_client.get(reverse("product-detail", args=[own_product.pk]))
    assert response.status_code == 200
    body = html(response)
    assert "stoneware clay" in body and "wheel-thrown" in body
    assert "INES-MUG-CEL" in body
    assert "&lt;b&gt;Fired twice.&lt;/b&gt;" in body and "<b>Fired twice" not in body
    assert "6 sold in 26 weeks" in body
    assert body.count('class="bar ') == 26
    assert reverse("review-detail", args=[item.pk]) in body
    # The maker edits facts on the site; the admin is the shop manager's (issue 15).
    assert reverse("product-facts-edit", args=[own_product.pk]) in body
    assert reverse("admin:catalog_product_change", args=[own_product.pk]) not in body


def test_product_detail_of_another_makers_product_is_404_for_an_artisan(artisan_client, manager_client, others_product):
    url = reverse("product-detail", args=[others_product.pk])
    assert artisan_client.get(url).status_code == 404
    assert manager_client.get(url).status_code == 200


def test_outsider_sees_an_empty_catalogue_and_no_product_pages(outsider_client, own_product):
    response = outsider_client.get(reverse("product-list"))
    assert response.status_code == 200
    assert "Ines&#x27;s celadon mug" not in html(response)
    assert "0 products" in html(response)
    assert outsider_client.get(reverse("product-detail", args=[own_product.pk])).status_code == 404


def test_the_404_page_uses_the_app_layout_and_leaks_nothing(artisan_client, others_product, studio):
    response = artisan_client.get(reverse("product-detail", args=[others_product.pk]))
    assert response.status_code == 404
    body = html(response)
    assert "We couldn't find that page" in body
    assert "Kiln &amp; Loom" in body and 'class="site-header"' in body
    assert others_product.title not in body and "Tomas" not in body
    assert "Traceback" not in body and "urlpatterns" not in body


# --- Sales, review, jobs ------------------------------------------------------------------


def test_sale_list_shows_only_the_users_sales_with_totals(artisan_client, own_product, others_product):
    SaleFactory(variant=own_product.variants.get(), quantity=2, unit_price=Decimal("28.00"), order_ref="#4001")
    SaleFactory(variant=others_product.variants.get(), quantity=1, order_ref="#4002")
    response = artisan_client.get(reverse("sale-list"))
    assert response.status_code == 200
    body = html(response)
    assert "#4001" in body and "£56.00" in body
    assert "#4002" not in body
    assert 'class="table-wrap"' in body


@pytest.mark.parametrize("client_fixture", ["manager_client", "artisan_client"])
def test_every_page_renders_for_managers_and_artisans(request, client_fixture, artisan, own_product, studio):
    client = request.getfixturevalue(client_fixture)
    item = review_item(product=own_product, owner=artisan)
    user = artisan if client_fixture == "artisan_client" else None
    job = job_create(kind="copy", label="Writing listing copy", total=2, created_by=user)
    SaleFactory(variant=own_product.variants.get())
    urls = [
        reverse("dashboard"),
        reverse("product-list"),
        reverse("product-detail", args=[own_product.pk]),
        reverse("sale-list"),
        reverse("review-list"),
        reverse("review-list") + "?state=approved&kind=listing_copy",
        reverse("review-detail", args=[item.pk]),
        reverse("job-list"),
        reverse("job-detail", args=[job.pk]),
        reverse("password_change"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Kiln &amp; Loom" in html(response), url


def test_review_list_filters_by_state_and_shows_owner_and_version(manager_client, artisan, own_product):
    review_item(product=own_product, owner=artisan, version=3)
    review_item(product=own_product, owner=artisan, version=2, state="approved")
    response = manager_client.get(reverse("review-list"))
    assert response.status_code == 200
    pending = html(response)
    assert "version 3" in pending and "version 2" not in pending
    assert "Inès" in pending
    response = manager_client.get(reverse("review-list"), {"state": "approved"})
    assert response.status_code == 200
    approved = html(response)
    assert "version 2" in approved and "version 3" not in approved
    assert '<option value="approved" selected>' in approved


def test_review_detail_escapes_the_snapshot_and_shows_the_audit_trail(artisan_client, artisan, own_product):
    item = review_item(
        product=own_product,
        owner=artisan,
        kind="no_longer_registered",
        snapshot={
            "title": "<script>alert('x')</script>Mug",
            "items": ["<img src=x onerror=alert(1)>", "glaze"],
            "seo_description": "Line one\nLine two",
            "alt_texts": [{"photo": 1, "text": "A <b>mug</b>"}],
        },
    )
    ReviewEvent.objects.create(
        item=item,
        action="submitted",
        actor=artisan,
        version=1,
        snapshot_hash=item.snapshot_hash,
        note="First <em>try</em>",
        changes={"title": ["Old", "<i>New</i>"]},
    )
    response = artisan_client.get(reverse("review-detail", args=[item.pk]))
    assert response.status_code == 200
    body = html(response)
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;Mug" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body  # a key named "items" still renders
    assert "SEO description" in body
    assert "A &lt;b&gt;mug&lt;/b&gt;" in body
    assert "Submitted" in body and "First &lt;em&gt;try&lt;/em&gt;" in body
    assert "&lt;i&gt;New&lt;/i&gt;" in body
    assert "Waiting for review" in body


def test_review_detail_of_another_makers_draft_is_404(artisan_client, other_artisan, others_product):
    item = review_item(product=others_product, owner=other_artisan)
    assert artisan_client.get(reverse("review-detail", args=[item.pk])).status_code == 404


def test_job_detail_page_and_its_progress_endpoint(artisan_client, artisan):
    job = job_create(kind="staging", label="Staging photos for the spring looks", total=4, created_by=artisan)
    job_start(job_id=job.pk)
    job_advance(job_id=job.pk, done=2)
    job_advance(job_id=job.pk, failed=1, error="Photo 3 is too small <800px>")

    page = artisan_client.get(reverse("job-detail", args=[job.pk]))
    assert page.status_code == 200
    body = html(page)
    assert "Staging photos for the spring looks" in body
    assert 'value="75"' in body and "75%" in body
    assert "data-progress-live" in body
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in body
    assert "Photo 3 is too small &lt;800px&gt;" in body
    assert "js/progress.js" in body

    progress = artisan_client.get(reverse("job-progress", args=[job.pk]))
    assert progress.status_code == 200
    data = progress.json()
    assert data["percent"] == 75 and data["done"] == 2 and data["failed"] == 1 and data["total"] == 4
    assert data["finished"] is False and data["status_display"] == "Running"

    job_advance(job_id=job.pk, done=1)
    data = artisan_client.get(reverse("job-progress", args=[job.pk])).json()
    assert data["finished"] is True and data["status_display"] == "Done with errors"
    response = artisan_client.get(reverse("job-detail", args=[job.pk]))
    assert response.status_code == 200
    finished = html(response)
    assert "Staging photos for the spring looks" in finished and "Done with errors" in finished
    assert "data-progress-live" not in finished and "http-equiv" not in finished


def test_favicon_ico_leads_to_the_studio_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".svg") and "/static/img/favicon" in response["Location"]
    assert "max-age=86400" in response["Cache-Control"]


def _details(body: str) -> str:
    """The job page's details list, where started, finished and the kind of work are shown."""
    return body[body.index('id="details-heading"') :]


def test_a_finished_job_says_when_it_started_and_finished_and_its_kind_in_words(artisan_client, artisan):
    job = job_create(kind="listing_copy", label="Writing listing copy for 2 products", total=2, created_by=artisan)
    job_start(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - dt.timedelta(minutes=5))
    job_advance(job_id=job.pk, done=2)
    job.refresh_from_db()

    details = _details(html(artisan_client.get(reverse("job-detail", args=[job.pk]))))

    assert "Not yet" not in details
    assert "<dt>Kind of work</dt><dd>Listing copy</dd>" in details
    assert "Listing_copy" not in details
    started, finished = timezone.localtime(job.started_at), timezone.localtime(job.finished_at)
    assert f'<dt>Started</dt><dd><time datetime="{started.isoformat()}">{started:%-d %b %Y, %H:%M}</time>' in details
    assert f'<dt>Finished</dt><dd><time datetime="{finished.isoformat()}">{finished:%-d %b %Y, %H:%M}</time>' in details
    assert "<dt>Took</dt><dd>5 minutes</dd>" in details
    listing = html(artisan_client.get(reverse("job-list")))
    assert "<span>Listing copy</span>" in listing and "listing_copy" not in listing


@pytest.mark.parametrize("failed", [False, True])
def test_a_job_that_ends_at_once_has_a_start_time_too(artisan_client, artisan, failed):
    """Work refused at once ("Shopify isn't connected") or with nothing to do still started when it finished."""
    job = job_create(kind="publish", label="Publishing 1 product to Shopify", total=1, created_by=artisan)
    job_finish(job_id=job.pk, failed=failed, message="Nothing to do.")
    job.refresh_from_db()

    assert job.started_at == job.finished_at is not None
    details = _details(html(artisan_client.get(reverse("job-detail", args=[job.pk]))))
    assert "Not yet" not in details
    assert "<dt>Kind of work</dt><dd>Publish</dd>" in details
    assert "<dt>Took</dt><dd>under a minute</dd>" in details


def test_a_job_not_started_yet_says_so(artisan_client, artisan):
    job = job_create(kind="forecast_refit", label="Nightly forecast refit", total=3, created_by=artisan)
    details = _details(html(artisan_client.get(reverse("job-detail", args=[job.pk]))))
    assert "<dt>Started</dt><dd>Not yet</dd>" in details
    assert "<dt>Kind of work</dt><dd>Forecast refit</dd>" in details
    assert "Finished" not in details and "Took" not in details


def test_jobs_of_other_people_are_hidden_from_artisans(artisan_client, manager_client, artisan, other_artisan):
    job = job_create(kind="copy", label="Tomás's copy run", created_by=other_artisan)
    job_create(kind="copy", label="Inès's copy run", created_by=artisan)
    assert artisan_client.get(reverse("job-detail", args=[job.pk])).status_code == 404
    assert artisan_client.get(reverse("job-progress", args=[job.pk])).status_code == 404
    response = artisan_client.get(reverse("job-list"))
    assert response.status_code == 200
    assert "Inès&#x27;s copy run" in html(response)
    assert "Tomás&#x27;s copy run" not in html(response)
    assert "Tomás&#x27;s copy run" in html(manager_client.get(reverse("job-list")))
    assert manager_client.get(reverse("job-detail", args=[job.pk])).status_code == 200


# --- Error pages ---------------------------------------------------------------------------


def test_server_error_page_renders_without_a_request_context():
    from studio.views import server_error

    response = server_error(RequestFactory().get("/boom"))
    assert response.status_code == 500
    body = html(response)
    assert "Something went wrong on our side" in body
    assert "css/atelier.css" in body
    assert "Traceback" not in body and "/boom" not in body


@pytest.mark.parametrize(
    "view_name, status, text",
    [
        ("bad_request", 400, "didn't make sense"),
        ("permission_denied", 403, "don't have access"),
        ("page_not_found", 404, "couldn't find that page"),
    ],
)
def test_error_handlers_render_the_app_layout(rf, db, view_name, status, text):
    from django.contrib.auth.models import AnonymousUser

    from studio import views

    request = rf.get("/secret/path/")
    request.user = AnonymousUser()
    response = getattr(views, view_name)(request, Exception("/secret/path/ internals"))
    assert response.status_code == status
    body = html(response)
    assert text in body
    assert "/secret/path/" not in body and "internals" not in body
    assert 'href="/accounts/login/"' in body  # anonymous visitors are offered a sign-in


def test_the_csrf_failure_page_looks_like_the_app(artisan):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("login"), {"username": "ines", "password": "pw-for-tests-1"})
    assert response.status_code == 403
    assert "That form had expired" in html(response)


def test_unknown_url_is_a_friendly_404(manager_client):
    response = manager_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn't find that page" in html(response)
    assert "/no/such/page/" not in html(response)


def test_job_status_labels_cover_every_status():
    # The progress badge is styled per status; a new status needs a style too.
    css = (settings.BASE_DIR / "static" / "css" / "atelier.css").read_text()
    for status in Job.Status.values:
        assert f".badge--{status}" in css, status


def test_dashboard_catalogue_figures_count_what_the_user_may_see_in_two_queries(
    artisan, other_artisan, django_assert_max_num_queries
):
    """Products, variants, units in stock and low-stock variants: active products only, the user's own,
    made-to-order pieces never low; the same figures the low-stock list shows, from two queries."""
    from catalog.selectors import catalog_summary_for, low_stock_variants_for

    mug = ProductFactory(maker=artisan)
    VariantFactory(product=mug, stock_on_hand=1)
    VariantFactory(product=mug, stock_on_hand=7)
    VariantFactory(product=mug, stock_on_hand=0)
    commission = ProductFactory(maker=artisan, made_to_order=True)
    VariantFactory(product=commission, stock_on_hand=0)  # made to order: never low
    retired = ProductFactory(maker=artisan, is_active=False)
    VariantFactory(product=retired, stock_on_hand=0)
    ProductFactory(maker=artisan)  # no variants yet
    VariantFactory(product=ProductFactory(maker=other_artisan), stock_on_hand=0)

    catalog_summary_for(artisan)  # the user's roles are looked up once, then cached on the user
    with django_assert_max_num_queries(2):
        figures = catalog_summary_for(artisan)

    assert figures == {"product_count": 3, "variant_count": 4, "stock_units": 8, "low_stock_count": 2}
    assert figures["low_stock_count"] == low_stock_variants_for(artisan).count()
