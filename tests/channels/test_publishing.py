"""Publishing to Shopify, end to end: approved snapshots → ShopifyClient → the fake Shopify on loopback.

The one rule (DESIGN.md): only what a person approved reaches the channel. The
publishing service, the task, the views and the product page are exercised
against tests/fakes/shopify.py through the real ShopifyClient.
"""

import time

import pytest
from django.urls import reverse

from approvals.models import ReviewState
from approvals.selectors import review_items_for_draft
from approvals.services import review_submit
from catalog.listings.services import listing_write
from catalog.models import ListingDraft, Product, Variant
from channels.models import ChannelListing
from channels.services import (
    PublishFailed,
    payload_for,
    product_publish,
    publish_blockers,
    publish_state,
    published_hash,
)
from channels.shopify.client import ShopifyClient
from channels.tasks import publish_product
from studio.models import Job
from tests.catalog.publishable import (
    STAGED_SIZE,
    approve,
    listing_approve,
    look_add,
    make_publishable,
    pending_item,
    photo_add,
    png_bytes,
    staged_add,
)
from tests.channels.fakes.shopify import FakeShopify, Fault
from tests.factories import ProductFactory, VariantFactory

APPROVED_TITLE = "Celadon mug, approved v1"
WEBHOOK_SECRET = "whsec-never-shown-0123456789"


@pytest.fixture
def shop():
    with FakeShopify() as fake:
        yield fake


@pytest.fixture
def connected(settings, shop):
    """Shopify settings pointing at the fake: the client is built from settings, as in production."""
    settings.SHOPIFY_SHOP_DOMAIN = shop.shop_domain
    settings.SHOPIFY_ACCESS_TOKEN = shop.access_token
    settings.SHOPIFY_API_VERSION = shop.api_version
    settings.SHOPIFY_BASE_URL = shop.base_url
    settings.SHOPIFY_TIMEOUT = 5
    settings.SHOPIFY_LOCATION_GID = shop.location_gid
    settings.SHOPIFY_WEBHOOK_SECRET = WEBHOOK_SECRET
    return shop


@pytest.fixture
def fast_client(connected, monkeypatch):
    """The settings' shop, with retries that don't wait (backoff would otherwise sleep for real)."""

    def client(**options) -> ShopifyClient:
        options.setdefault("timeout", 5)
        return ShopifyClient(
            connected.shop_domain,
            connected.access_token,
            connected.api_version,
            base_url=connected.base_url,
            location_gid=connected.location_gid,
            sleep=lambda seconds: None,
            **options,
        )

    monkeypatch.setattr("channels.shopify.channel.ShopifyChannel.client", lambda channel: client())
    return client


@pytest.fixture
def mug(artisan):
    """The artisan's mug: two variants, an original photo, an approved staged image, approved copy."""
    product = ProductFactory(maker=artisan, title="Celadon mug", handle="celadon-mug")
    VariantFactory(
        product=product, sku="MUG-CEL-S", title="Small", options={"size": "small"}, stock_on_hand=4, position=0
    )
    VariantFactory(
        product=product, sku="MUG-CEL-L", title="Large", options={"size": "large"}, stock_on_hand=2, position=1
    )
    made = make_publishable(product, user=artisan, title=APPROVED_TITLE)
    product.made = made
    return product


def product_page(client, product) -> str:
    response = client.get(reverse("product-detail", args=[product.pk]))
    assert response.status_code == 200
    return response.content.decode()


def publish_from_page(client, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("product-publish", args=[product.pk]), follow=True)


def listing_of(product) -> ChannelListing:
    return ChannelListing.objects.get(product=product, channel=ChannelListing.Channel.SHOPIFY)


# --- The one rule -----------------------------------------------------------------------------


def test_an_unapproved_edit_never_reaches_shopify(connected, mug):
    draft = ListingDraft.objects.get(product=mug)
    # A new version waits in the queue…
    draft.title = "Pending v2 title nobody approved"
    draft.save()
    pending = review_submit(draft=draft)
    assert pending.state == ReviewState.PENDING and pending.version == 2
    # …and the live row is edited again without even being submitted.
    ListingDraft.objects.filter(pk=draft.pk).update(title="Live row edit", description="<p>Unreviewed claims.</p>")
    # A staged image of another photo that nobody approved yet.
    second_photo = photo_add(mug, seed=7, position=1)
    unapproved = staged_add(mug, photo=second_photo, seed=77)
    review_submit(draft=unapproved)

    listing = product_publish(product_id=mug.pk)

    remote = connected.product("celadon-mug")
    assert listing.status == ChannelListing.Status.PUBLISHED
    assert remote["title"] == APPROVED_TITLE
    assert "Unreviewed claims" not in remote["descriptionHtml"]
    # Exactly the approved gallery: the maker's photo first, then the approved staged image; the photo
    # added since and the staged image nobody approved stay home.
    staged = mug.made["staged"]
    assert [m["sha256"] for m in remote["media"]] == [mug.made["photo"].sha256, staged.sha256]
    assert {unapproved.sha256, second_photo.sha256}.isdisjoint(m["sha256"] for m in remote["media"])


def test_a_new_photo_goes_out_only_once_the_maker_approves_the_gallery_with_it(connected, mug, artisan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from approvals.services import review_decide
    from catalog.models import Gallery
    from catalog.services import photos_upload
    from tests.catalog.test_photo_upload import jpeg

    product_publish(product_id=mug.pk)
    first = [m["sha256"] for m in connected.product("celadon-mug")["media"]]
    upload = SimpleUploadedFile("new-angle.jpg", jpeg(1200), content_type="image/jpeg")  # passes quality checks
    [result] = photos_upload(product=mug, files=[upload], uploaded_by=artisan)
    assert result.ok and result.created
    proposed = review_items_for_draft(draft=Gallery.objects.get(product=mug)).first()
    assert proposed.state == ReviewState.PENDING  # the upload proposed a new gallery…
    assert [entry["sha256"] for entry in proposed.snapshot["images"]][:2] == [
        mug.made["photo"].sha256,
        result.photo.sha256,
    ]

    product_publish(product_id=mug.pk)  # …but until the maker says yes, the approved one goes out
    assert [m["sha256"] for m in connected.product("celadon-mug")["media"]] == first
    assert listing_of(mug).status == ChannelListing.Status.PUBLISHED

    review_decide(item_id=proposed.pk, user=artisan, approve=True, seen_hash=proposed.snapshot_hash)
    assert publish_state(product=mug).changed  # the page says "changed since publishing"
    product_publish(product_id=mug.pk)
    sent = [m["sha256"] for m in connected.product("celadon-mug")["media"]]
    assert sent == [mug.made["photo"].sha256, result.photo.sha256, mug.made["staged"].sha256]


def test_approving_a_staged_image_without_add_to_gallery_leaves_the_gallery_alone(connected, mug, artisan):
    from approvals.services import review_decide
    from catalog.models import Gallery

    before = review_items_for_draft(draft=Gallery.objects.get(product=mug)).count()
    another = staged_add(mug, photo=mug.made["photo"], look=look_add("Marble", position=1), seed=5)
    item = review_submit(draft=another)
    review_decide(
        item_id=item.pk, user=artisan, approve=True, seen_hash=item.snapshot_hash, options={"add_to_gallery": False}
    )
    assert review_items_for_draft(draft=Gallery.objects.get(product=mug)).count() == before
    product_publish(product_id=mug.pk)
    assert another.sha256 not in [m["sha256"] for m in connected.product("celadon-mug")["media"]]

    item2 = review_submit(draft=staged_add(mug, photo=mug.made["photo"], look=look_add("Linen", position=2), seed=6))
    review_decide(item_id=item2.pk, user=artisan, approve=True, seen_hash=item2.snapshot_hash)  # on by default
    product_publish(product_id=mug.pk)
    assert len(connected.product("celadon-mug")["media"]) == 3


def test_a_pending_rewrite_by_the_copywriter_is_not_published(connected, mug, artisan):
    approved_description = payload_for(product=mug).description_html
    Product.objects.filter(pk=mug.pk).update(story="Thrown on a kick wheel in a cold studio by the sea.")
    rewritten = listing_write(product_id=mug.pk, instructions="Mention the studio by the sea")
    pending = pending_item(rewritten)
    assert pending.version == 2 and "kick wheel" in pending.snapshot["description"]

    product_publish(product_id=mug.pk)

    remote = connected.product("celadon-mug")
    assert remote["title"] == APPROVED_TITLE and remote["descriptionHtml"] == approved_description
    assert "kick wheel" not in remote["descriptionHtml"]


@pytest.mark.parametrize(
    "missing, reason",
    [
        ("listing", "The listing copy isn't approved yet."),
        ("staged", "The gallery (which images go out, in what order) isn't approved yet."),
    ],
)
def test_a_product_without_approved_copy_or_staged_image_is_not_publishable(
    connected,
    artisan,
    artisan_client,
    missing,
    reason,
    django_capture_on_commit_callbacks,
):
    product = ProductFactory(maker=artisan, title="Linen runner", handle="linen-runner")
    VariantFactory(product=product, sku="RUN-NAT")
    photo = photo_add(product, seed=3)
    staged = staged_add(product, photo=photo, seed=33)
    if missing == "staged":
        review_submit(draft=staged)  # waiting for review is not approved
        listing_approve(product, user=artisan)
    else:
        approve(staged, user=artisan)
        listing_write(product_id=product.pk)  # written and pending, never approved

    assert publish_blockers(product=product) == [reason]
    assert publish_state(product=product).reasons == [reason]

    response = publish_from_page(artisan_client, product, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Not ready to publish: " + reason.replace("'", "&#x27;") in page
    assert not Job.objects.filter(kind="publish").exists()
    assert connected.requests == [] and connected.product_count() == 0

    with pytest.raises(PublishFailed, match="approved yet"):
        product_publish(product_id=product.pk)
    listing = listing_of(product)
    assert listing.status == ChannelListing.Status.FAILED and reason in listing.error
    assert connected.requests == []


def test_a_product_without_variants_is_not_publishable(connected, artisan):
    product = ProductFactory(maker=artisan, handle="no-variants")
    make_publishable(product, user=artisan)

    assert publish_blockers(product=product) == ["The product has no variants (SKUs) to sell."]
    result = publish_product(Job.objects.create(kind="publish", label="t", total=1).pk, product.pk)
    assert result["published"] is False and "no variants" in result["error"]
    assert listing_of(product).status == ChannelListing.Status.FAILED


def test_an_image_file_changed_after_approval_is_not_published(connected, mug):
    """The approved snapshot names a file and its hash; bytes swapped under that name don't go out."""
    staged = mug.made["staged"]
    with open(staged.image.path, "wb") as swapped:
        swapped.write(png_bytes(999, STAGED_SIZE))

    result = publish_product(Job.objects.create(kind="publish", label="t", total=1).pk, mug.pk)

    assert result["published"] is False
    listing = listing_of(mug)
    assert listing.status == ChannelListing.Status.FAILED
    assert "no longer matches its approved version" in listing.error
    assert connected.product_count() == 0 and connected.uploads() == []


# --- Publishing through the real client -------------------------------------------------------


def test_publishing_from_the_product_page_puts_the_approved_product_on_shopify(
    connected,
    mug,
    artisan_client,
    django_capture_on_commit_callbacks,
):
    response = publish_from_page(artisan_client, mug, django_capture_on_commit_callbacks)

    job = Job.objects.get(kind="publish")
    assert response.redirect_chain[-1][0] == reverse("job-detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED and job.done == 1 and job.failed == 0
    remote = connected.product("celadon-mug")
    listing = listing_of(mug)
    assert listing.status == ChannelListing.Status.PUBLISHED and listing.error == ""
    assert listing.remote_id == remote["id"] and listing.remote_handle == "celadon-mug"
    assert listing.remote_variants == {v["sku"]: v["id"] for v in remote["variants"]}
    assert set(listing.remote_variants) == {"MUG-CEL-S", "MUG-CEL-L"}
    assert listing.published_hash == published_hash(payload_for(product=mug)) and listing.published_at is not None
    assert listing.attempts == 1
    # The maker's photo first, then the approved staged image: the approved bytes, uploaded.
    photo, staged = mug.made["photo"], mug.made["staged"]
    assert [m["sha256"] for m in remote["media"]] == [photo.sha256, staged.sha256]
    assert listing.remote_media == {photo.sha256: remote["media"][0]["id"], staged.sha256: remote["media"][1]["id"]}
    assert len(connected.uploads()) == 2
    assert remote["title"] == APPROVED_TITLE and remote["status"] == "ACTIVE"
    assert [(v["sku"], v["price"], v["inventoryQuantity"]) for v in remote["variants"]] == [
        ("MUG-CEL-S", "28.00", 4),
        ("MUG-CEL-L", "28.00", 2),
    ]
    assert remote["options"] == [{"name": "Size", "values": ["small", "large"]}]

    page = product_page(artisan_client, mug)
    assert "Published" in page and remote["id"] in page and "Changed since publishing" not in page
    assert "Publish changes" in page


def test_publishing_twice_leaves_one_product_and_uploads_nothing_new(connected, mug):
    first = product_publish(product_id=mug.pk)
    second = product_publish(product_id=mug.pk)

    assert connected.product_count() == 1 and connected.product("celadon-mug")["writes"] == 2
    assert second.remote_id == first.remote_id and second.remote_variants == first.remote_variants
    assert second.remote_media == first.remote_media
    assert len(connected.uploads()) == 2  # the second publish found both images on Shopify
    assert listing_of(mug).attempts == 2


def test_a_write_applied_but_answered_500_then_a_retry_leaves_exactly_one_product(shop, fast_client, mug):
    # productSet is applied, its answer lost (500), and Shopify keeps failing for the client's own retries.
    shop.inject(
        Fault("apply_then_status", status=500, operation="AtelierProductSet"),
        *[Fault("status", status=503, operation="AtelierProductSet") for _ in range(5)],
    )

    with pytest.raises(PublishFailed, match="Publishing again is safe"):
        product_publish(product_id=mug.pk)

    listing = listing_of(mug)
    assert listing.status == ChannelListing.Status.FAILED
    assert "Shopify was unavailable" in listing.error and "Publishing again is safe" in listing.error
    assert shop.product_count() == 1  # the first write did land

    again = product_publish(product_id=mug.pk)

    assert again.status == ChannelListing.Status.PUBLISHED and again.error == ""
    assert shop.product_count() == 1
    remote = shop.product("celadon-mug")
    assert again.remote_id == remote["id"]
    assert [m["sha256"] for m in remote["media"]] == [mug.made["photo"].sha256, mug.made["staged"].sha256]


def test_a_timed_out_write_then_a_retry_leaves_exactly_one_product(shop, fast_client, mug, monkeypatch):
    monkeypatch.setattr(
        "channels.shopify.channel.ShopifyChannel.client", lambda channel: fast_client(timeout=0.3, max_retries=0)
    )
    shop.inject(Fault("delay", delay=0.8, operation="AtelierProductSet"))

    with pytest.raises(PublishFailed, match="timed out"):
        product_publish(product_id=mug.pk)
    assert listing_of(mug).status == ChannelListing.Status.FAILED
    deadline = time.monotonic() + 5
    while shop.product_count() == 0 and time.monotonic() < deadline:  # the slow write lands after the client gave up
        time.sleep(0.02)
    assert shop.product_count() == 1

    again = product_publish(product_id=mug.pk)

    assert again.status == ChannelListing.Status.PUBLISHED and shop.product_count() == 1
    assert again.remote_id == shop.product("celadon-mug")["id"]


def test_user_errors_fail_the_listing_and_show_on_the_product_page(
    connected,
    mug,
    artisan_client,
    django_capture_on_commit_callbacks,
):
    category = mug.category
    category.shopify_taxonomy_id = "gid://shopify/TaxonomyCategory/not a category"
    category.save()

    publish_from_page(artisan_client, mug, django_capture_on_commit_callbacks)

    listing = listing_of(mug)
    assert listing.status == ChannelListing.Status.FAILED and "Category does not exist" in listing.error
    assert connected.product_count() == 0
    job = Job.objects.get(kind="publish")
    assert job.failed == 1 and job.done == 0
    page = product_page(artisan_client, mug)
    assert "Publishing failed" in page and "Category does not exist" in page


def test_approving_a_new_listing_version_shows_changed_since_publishing(connected, mug, artisan, artisan_client):
    product_publish(product_id=mug.pk)
    # Stock moves with every sale: that is not a change of what was approved.
    Variant.objects.filter(product=mug).update(stock_on_hand=0)
    assert publish_state(product=mug).changed is False
    page = product_page(artisan_client, mug)
    assert "Published" in page and "Publish changes" in page
    assert "Changed since publishing" not in page

    draft = ListingDraft.objects.get(product=mug)
    draft.title = "Celadon mug, approved v2"
    draft.save()
    approve(draft, user=artisan)

    assert publish_state(product=mug).changed is True
    page = product_page(artisan_client, mug)
    assert "Changed since publishing" in page
    assert connected.product("celadon-mug")["title"] == APPROVED_TITLE  # nothing went out by itself

    product_publish(product_id=mug.pk)
    assert connected.product("celadon-mug")["title"] == "Celadon mug, approved v2"
    page = product_page(artisan_client, mug)
    assert "Published" in page
    assert "Changed since publishing" not in page


def test_option_values_come_from_each_variant(artisan):
    """Stored option keys are lowercase ("size"); Shopify shows "Size" but each variant keeps its own value."""
    sized = ProductFactory(maker=artisan, handle="sized")
    VariantFactory(product=sized, sku="S-1", options={"size": "small", "Glaze": "celadon"}, position=0)
    VariantFactory(product=sized, sku="S-2", options={"size": "large", "Glaze": "tenmoku"}, position=1)
    titled = ProductFactory(maker=artisan, handle="titled")
    VariantFactory(product=titled, sku="T-1", title="Pair", options={}, position=0)
    VariantFactory(product=titled, sku="T-2", title="Set of four", options={}, position=1)
    for seed, product in enumerate((sized, titled), start=50):
        make_publishable(product, user=artisan, seed=seed)

    sized_payload, titled_payload = payload_for(product=sized), payload_for(product=titled)

    assert sized_payload.options == ("Size", "Glaze")
    assert [v.option_values for v in sized_payload.variants] == [("small", "celadon"), ("large", "tenmoku")]
    assert titled_payload.options == ("Title",)
    assert [v.option_values for v in titled_payload.variants] == [("Pair",), ("Set of four",)]


# --- Credentials ------------------------------------------------------------------------------


def test_credentials_never_reach_the_product_page_or_the_stored_error(
    connected,
    settings,
    mug,
    artisan_client,
    manager_client,
    django_capture_on_commit_callbacks,
):
    wrong = "shpat_wrong_token_that_must_not_leak_42"
    settings.SHOPIFY_ACCESS_TOKEN = wrong

    publish_from_page(artisan_client, mug, django_capture_on_commit_callbacks)

    listing = listing_of(mug)
    assert listing.status == ChannelListing.Status.FAILED and "refused the access token" in listing.error
    job = Job.objects.get(kind="publish")
    for secret in (wrong, connected.access_token, WEBHOOK_SECRET):
        assert secret not in listing.error and secret not in str(job.errors) and secret not in job.message
    for client in (artisan_client, manager_client):
        page = product_page(client, mug)
        assert "Publishing failed" in page
        for secret in (wrong, connected.access_token, WEBHOOK_SECRET):
            assert secret not in page

    settings.SHOPIFY_ACCESS_TOKEN = connected.access_token
    publish_from_page(artisan_client, mug, django_capture_on_commit_callbacks)
    assert listing_of(mug).status == ChannelListing.Status.PUBLISHED
    page = product_page(manager_client, mug)
    assert "Published" in page
    for secret in (connected.access_token, WEBHOOK_SECRET):
        assert secret not in page


# --- Who may publish --------------------------------------------------------------------------


def test_bulk_publish_starts_one_job_for_the_ticked_products(
    connected,
    mug,
    artisan,
    other_artisan,
    manager_client,
    django_capture_on_commit_callbacks,
):
    vase = ProductFactory(maker=other_artisan, title="Tall vase", handle="tall-vase")
    VariantFactory(product=vase, sku="VASE-1", options={})
    make_publishable(vase, user=other_artisan, seed=20)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("products-bulk"),
            {"action": "publish_shopify", "products": [mug.pk, vase.pk]},
            follow=True,
        )

    job = Job.objects.get(kind="publish")
    assert response.redirect_chain[-1][0] == reverse("job-detail", args=[job.pk])
    assert job.total == 2 and job.done == 2 and job.status == Job.Status.SUCCEEDED
    assert connected.product_count() == 2
    assert {listing.product_id: listing.status for listing in ChannelListing.objects.all()} == {
        mug.pk: ChannelListing.Status.PUBLISHED,
        vase.pk: ChannelListing.Status.PUBLISHED,
    }
    assert connected.product("tall-vase")["options"] == [{"name": "Title", "values": ["Default Title"]}]


def test_an_artisan_publishes_only_their_own_products(
    connected,
    mug,
    artisan_client,
    others_product,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        assert artisan_client.post(reverse("product-publish", args=[others_product.pk])).status_code == 404
        artisan_client.post(
            reverse("products-bulk"), {"action": "publish_shopify", "products": [mug.pk, others_product.pk]}
        )

    job = Job.objects.get(kind="publish")
    assert job.total == 1
    assert list(ChannelListing.objects.values_list("product_id", flat=True)) == [mug.pk]
    assert connected.product_count() == 1 and connected.product("celadon-mug") is not None


def test_an_outsider_can_publish_nothing(connected, mug, outsider_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert outsider_client.post(reverse("product-publish", args=[mug.pk])).status_code == 404
        response = outsider_client.post(reverse("products-bulk"), {"action": "publish_shopify", "products": [mug.pk]})

    assert response.status_code == 302
    assert not Job.objects.exists() and not ChannelListing.objects.exists()
    assert connected.requests == []


def _catalogue(client) -> str:
    response = client.get(reverse("product-list"))
    assert response.status_code == 200
    return response.content.decode()


def _not_connected(settings) -> None:
    settings.SHOPIFY_SHOP_DOMAIN = ""
    settings.SHOPIFY_ACCESS_TOKEN = ""


def test_the_catalogue_offers_publishing_only_for_a_connected_channel(connected, own_product, manager_client):
    page = _catalogue(manager_client)

    assert '<option value="publish_shopify">Publish to Shopify</option>' in page
    assert "No sales channel is connected yet" not in page


def test_without_shopify_the_catalogue_offers_no_publishing_and_tells_a_manager_how_to_connect_it(
    settings, own_product, manager_client, artisan_client
):
    _not_connected(settings)

    page = _catalogue(manager_client)
    assert "publish_shopify" not in page and "Publish to Shopify" not in page.split("connect-channel")[0]
    assert '<option value="write_listing">Write listing copy</option>' in page  # the other actions stay
    assert "No sales channel is connected yet" in page
    assert "To connect Shopify, set <code>SHOPIFY_SHOP_DOMAIN</code> and <code>SHOPIFY_ACCESS_TOKEN</code>" in page
    assert "Configuration → Sales channels" in page

    artisan_page = _catalogue(artisan_client)  # connecting a channel is a manager's job
    assert "publish_shopify" not in artisan_page and "No sales channel is connected yet" not in artisan_page


def test_a_bulk_publish_posted_while_shopify_is_not_connected_is_refused_before_any_job(
    settings, own_product, manager_client, django_capture_on_commit_callbacks
):
    _not_connected(settings)

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("products-bulk"), {"action": "publish_shopify", "products": [own_product.pk]}, follow=True
        )

    assert response.redirect_chain[-1][0] == reverse("product-list")
    assert (
        "Shopify isn&#x27;t connected: set SHOPIFY_SHOP_DOMAIN and SHOPIFY_ACCESS_TOKEN." in response.content.decode()
    )
    assert not Job.objects.exists() and not ChannelListing.objects.exists()


def test_without_shopify_settings_the_page_says_so_and_nothing_is_sent(
    settings,
    mug,
    artisan_client,
    django_capture_on_commit_callbacks,
):
    settings.SHOPIFY_SHOP_DOMAIN = ""
    settings.SHOPIFY_ACCESS_TOKEN = ""

    page = product_page(artisan_client, mug)
    assert "Shopify isn't connected yet: a shop manager can connect it." in page
    assert "SHOPIFY_SHOP_DOMAIN" not in page  # no setting names on an artisan's screen (issue 15)
    assert reverse("product-publish", args=[mug.pk]) not in page
    response = publish_from_page(artisan_client, mug, django_capture_on_commit_callbacks)

    assert "Shopify isn&#x27;t connected: set SHOPIFY_SHOP_DOMAIN" in response.content.decode()
    assert Job.objects.get(kind="publish").status == Job.Status.FAILED
    assert not ChannelListing.objects.exists()


# --- Domain events ------------------------------------------------------------------------


def test_subscribers_hear_draft_approved_product_published_and_order_recorded(
    connected,
    fast_client,
    artisan,
    client,
    settings,
    django_capture_on_commit_callbacks,
):
    from studio import events
    from tests.channels.test_shopify_webhook_view import SECRET, deliver

    heard: list = []
    kinds = (events.DraftApproved, events.ProductPublished, events.OrderRecorded)
    for kind in kinds:
        events.subscribe(kind, heard.append, dispatch_uid=f"test.{kind.type}")
    try:
        product = ProductFactory(maker=artisan, title="Event mug", handle="event-mug")
        VariantFactory(product=product, sku="EVT-MUG", stock_on_hand=3)
        with django_capture_on_commit_callbacks(execute=True):
            made = make_publishable(product, user=artisan)
        with django_capture_on_commit_callbacks(execute=True):
            product_publish(product_id=product.pk)
        settings.SHOPIFY_WEBHOOK_SECRET = SECRET
        order = shop_order_webhook("EVT-MUG")
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, order, topic="orders/create").status_code == 200
    finally:
        for kind in kinds:
            events.unsubscribe(kind, dispatch_uid=f"test.{kind.type}")

    approved = [event for event in heard if isinstance(event, events.DraftApproved)]
    assert {event.kind for event in approved} == {"staged_image", "gallery", "listing_copy"}
    listing_event = next(event for event in approved if event.kind == "listing_copy")
    assert listing_event.draft == made["listing"] and listing_event.owner_id == artisan.pk
    assert listing_event.snapshot["title"] == made["listing"].title
    published = [event for event in heard if isinstance(event, events.ProductPublished)]
    assert len(published) == 1 and published[0].product == product and published[0].channel == "shopify"
    assert published[0].remote_id == listing_of(product).remote_id
    recorded = [event for event in heard if isinstance(event, events.OrderRecorded)]
    assert [(event.channel, event.order_ref, event.lines) for event in recorded] == [("shopify", order["name"], 1)]


def shop_order_webhook(sku: str) -> dict:
    from tests.channels.test_shopify_webhook_view import recent

    orders = FakeShopify()
    placed = orders.add_order(lines=[(sku, 1, "28.00")], updated_at=recent())
    return orders.order_webhook(placed["id"])


def test_the_product_page_shows_the_approved_gallery_and_a_waiting_version(mug, artisan, artisan_client):
    from catalog.galleries.services import gallery_propose

    page = product_page(artisan_client, mug)
    assert "Gallery channels receive" in page and "Approved version 1: 2 images, in this order." in page
    photo_add(mug, seed=8, position=1)
    waiting = gallery_propose(product=mug, submitted_by=artisan)
    page = product_page(artisan_client, mug)
    assert f"Version {waiting.version} waits for review; until it is approved, channels receive these." in page
    assert reverse("review-detail", args=[waiting.pk]) in page


def test_a_manager_is_told_how_to_connect_a_channel_in_words(settings, mug, manager_client):
    settings.SHOPIFY_SHOP_DOMAIN = ""
    settings.SHOPIFY_ACCESS_TOKEN = ""
    page = product_page(manager_client, mug)
    assert "Shopify isn't connected yet. The README's “Sales channels” section says how to connect it." in page
    assert "<summary>Settings it needs</summary><code>SHOPIFY_SHOP_DOMAIN, SHOPIFY_ACCESS_TOKEN</code>" in page
