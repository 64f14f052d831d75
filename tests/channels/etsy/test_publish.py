"""Publishing to Etsy end to end: approved snapshots → EtsyChannel → the real client → the fake Etsy on loopback."""

import dataclasses

import pytest
from django.urls import reverse

from catalog.listings.checks import listing_checks
from channels.etsy.listing import context_for, listing_problems
from channels.etsy.models import EtsyFacts
from channels.models import ChannelListing
from channels.registry import channels
from channels.services import PublishFailed, payload_for, product_publish, publish_start, publish_state
from studio.models import Job
from tests.catalog.publishable import make_publishable
from tests.channels.etsy.conftest import APPROVED_TITLE
from tests.channels.fakes.etsy import Fault, _Refused
from tests.factories import ProductFactory, VariantFactory

ETSY = "etsy"


def listing_of(product) -> ChannelListing:
    return ChannelListing.objects.get(product=product, channel=ETSY)


def test_publish_makes_a_draft_with_the_approved_gallery_variants_and_readiness(connected, mug):
    listing = product_publish(product_id=mug.pk, channel=ETSY)
    etsy = connected
    assert len(etsy.listings) == 1
    remote = etsy.listings[int(listing.remote_id)]
    assert remote["title"] == APPROVED_TITLE
    assert remote["state"] == "draft"
    assert remote["who_made"] == "i_did" and remote["when_made"] == "made_to_order" and remote["taxonomy_id"] == 1062
    assert remote["materials"] == ["stoneware", "celadon glaze"]
    # Made to order with a 5-day lead time: the shop's 3–10 day made-to-order profile.
    assert remote["readiness_state_id"] == 1202
    images = etsy.images[remote["listing_id"]]
    assert [image["rank"] for image in images] == list(range(1, len(images) + 1))
    assert set(listing.remote_media) == {image["sha256"] for image in images}
    inventory = etsy.inventory[remote["listing_id"]]
    assert [p["sku"] for p in inventory["products"]] == ["MUG-CEL-S", "MUG-CEL-L"]
    assert [p["offerings"][0]["quantity"] for p in inventory["products"]] == [4, 1]
    assert [p["offerings"][0]["price"]["amount"] for p in inventory["products"]] == [2400, 2800]
    assert inventory["price_on_property"] == [513]
    assert set(listing.remote_variants) == {"MUG-CEL-S", "MUG-CEL-L"}


def test_publishing_twice_is_one_listing_and_uploads_nothing_again(connected, mug):
    first = product_publish(product_id=mug.pk, channel=ETSY)
    uploads = len(connected.calls("uploadListingImage"))
    second = product_publish(product_id=mug.pk, channel=ETSY)
    assert first.remote_id == second.remote_id
    assert len(connected.listings) == 1
    assert len(connected.calls("createDraftListing")) == 1
    assert len(connected.calls("uploadListingImage")) == uploads  # unchanged images are not sent again
    assert len(connected.calls("updateListing")) == 1


def test_a_create_whose_answer_was_lost_is_found_not_duplicated(connected, mug):
    connected.inject(Fault("apply_then_drop", operation="createDraftListing"))
    listing = product_publish(product_id=mug.pk, channel=ETSY)
    assert len(connected.listings) == 1
    assert listing.remote_id == str(next(iter(connected.listings)))
    assert listing.status == ChannelListing.Status.PUBLISHED


def test_a_retry_after_a_crash_updates_the_same_listing(connected, mug):
    # The listing is made, then Etsy fails for the rest of the run: the id is stored before anything else.
    connected.inject(*[Fault("status", status=503, operation="updateListingInventory")] * 5)
    with pytest.raises(PublishFailed, match="Publishing again is safe"):
        product_publish(product_id=mug.pk, channel=ETSY)
    failed = listing_of(mug)
    assert failed.status == ChannelListing.Status.FAILED and failed.remote_id
    listing = product_publish(product_id=mug.pk, channel=ETSY)
    assert listing.remote_id == failed.remote_id
    assert len(connected.listings) == 1
    assert connected.listing_skus(int(listing.remote_id)) == ["MUG-CEL-S", "MUG-CEL-L"]


def test_a_crash_before_the_id_was_stored_is_found_among_the_drafts(connected, mug):
    # The answer to the create is lost and the shop's drafts can't be read at that moment either.
    connected.inject(
        Fault("apply_then_drop", operation="createDraftListing"),
        *[Fault("status", status=500, operation="getListingsByShop")] * 5,
    )
    with pytest.raises(PublishFailed):
        product_publish(product_id=mug.pk, channel=ETSY)
    assert listing_of(mug).remote_id == ""
    listing = product_publish(product_id=mug.pk, channel=ETSY)
    assert len(connected.listings) == 1
    assert listing.remote_id == str(next(iter(connected.listings)))


def test_changed_gallery_moves_and_deletes_without_reuploading(connected, mug, artisan):
    first = product_publish(product_id=mug.pk, channel=ETSY)
    listing_id = int(first.remote_id)
    before = [image["listing_image_id"] for image in connected.images[listing_id]]
    make_publishable(mug, user=artisan, seed=7, title=APPROVED_TITLE)  # a new photo and staged image approved
    uploads = len(connected.calls("uploadListingImage"))
    second = product_publish(product_id=mug.pk, channel=ETSY)
    after = [image["listing_image_id"] for image in connected.images[listing_id]]
    new = [image_id for image_id in after if image_id not in before]
    assert set(before) <= set(after)
    assert len(connected.calls("uploadListingImage")) - uploads >= len(new)
    assert set(second.remote_media.values()) == {str(i) for i in after}


def test_active_when_the_studio_chose_active(connected, mug, settings):
    settings.ETSY_LISTING_STATE = "active"
    listing = product_publish(product_id=mug.pk, channel=ETSY)
    assert connected.listings[int(listing.remote_id)]["state"] == "active"


def test_missing_etsy_facts_make_it_unpublishable_and_say_which(connected, mug):
    EtsyFacts.objects.filter(category=mug.category).update(taxonomy_id=None, who_made="")
    state = publish_state(product=mug, channel=ETSY)
    text = " ".join(state.reasons)
    assert "Etsy category (taxonomy id)" in text and "who made it" in text
    with pytest.raises(PublishFailed):
        product_publish(product_id=mug.pk, channel=ETSY)
    assert connected.calls("createDraftListing") == []


def test_materials_are_checked_before_calling_etsy(connected, mug):
    mug.materials = ["stoneware!"]
    mug.save()
    state = publish_state(product=mug, channel=ETSY)
    assert any(reason.startswith("Materials:") for reason in state.reasons)
    with pytest.raises(PublishFailed, match="Materials"):
        product_publish(product_id=mug.pk, channel=ETSY)
    assert connected.calls("createDraftListing") == []


def test_title_and_tags_are_checked_per_field_with_the_review_queues_rules(connected, mug):
    payload = payload_for(product=mug)
    context = context_for(handle=mug.handle)
    bad = dataclasses.replace(
        payload, title="Mugs & jugs & more: 50% off", tags=("mug", "celadon!", "x" * 21, "MUG", *map(str, range(10)))
    )
    problems = listing_problems(bad, context)
    assert set(problems) == {"title", "tags"}
    assert "Etsy allows each of & only once in a title." in problems["title"]
    review_queue = {check.code: check for check in listing_checks({"title": bad.title, "tags": list(bad.tags)}, {})}
    assert review_queue["title_characters"].level == "fail"
    assert review_queue["tag_characters"].level == "fail" and review_queue["tag_count"].level == "fail"


def test_etsy_field_errors_are_shown_per_field_on_the_product(connected, mug, artisan_client):
    def refuse(params, data):  # what our checks can't know: Etsy's own judgement
        raise _Refused(400, "title: reads as a search-term list\ntags: 'celadon' is used by a trademark")

    connected.op_createDraftListing = refuse
    with pytest.raises(PublishFailed):
        product_publish(product_id=mug.pk, channel=ETSY)
    error = listing_of(mug).error
    assert error.splitlines()[1:] == ["title: reads as a search-term list", "tags: 'celadon' is used by a trademark"]
    page = artisan_client.get(reverse("product-detail", args=[mug.pk])).content.decode()
    assert "Etsy refused the last publish" in page
    assert '<span class="check-level">Title</span> reads as a search-term list' in page
    assert '<span class="check-level">Tags</span> &#x27;celadon&#x27; is used by a trademark' in page


def test_personalisation_question_goes_through_its_endpoint(connected, mug):
    EtsyFacts.objects.filter(product=mug).update(
        personalisation_question="Name to engrave", personalisation_max_chars=20, personalisation_required=True
    )
    listing = product_publish(product_id=mug.pk, channel=ETSY)
    questions = connected.personalization[int(listing.remote_id)]
    assert questions[0]["question_text"] == "Name to engrave"
    assert questions[0]["question_type"] == "text_input" and questions[0]["max_allowed_characters"] == 20
    create = connected.calls("createDraftListing")[0]
    assert create.status == 201  # no legacy personalisation fields (the fake refuses them)


def test_set_stock_zeroes_a_one_of_a_kind_piece_and_keeps_prices(connected, mug):
    listing = product_publish(product_id=mug.pk, channel=ETSY)
    reported = channels.get(ETSY).set_stock({"MUG-CEL-L": 0})
    assert reported == {"MUG-CEL-L": 0}
    products = connected.inventory[int(listing.remote_id)]["products"]
    assert [(p["sku"], p["offerings"][0]["quantity"], p["offerings"][0]["price"]["amount"]) for p in products] == [
        ("MUG-CEL-S", 4, 2400),
        ("MUG-CEL-L", 0, 2800),
    ]
    assert [pv["values"] for pv in products[1]["property_values"]] == [["large"]]


def test_set_stock_on_a_single_piece_sells_out_the_active_listing(connected, artisan, mugs_category, settings):
    settings.ETSY_LISTING_STATE = "active"
    vase = ProductFactory(maker=artisan, handle="moon-vase", category=mugs_category, materials=["porcelain"])
    VariantFactory(product=vase, sku="VASE-ONE", options={}, title="", stock_on_hand=1)
    make_publishable(vase, user=artisan, title="Moon vase")
    EtsyFacts.objects.create(product=vase, shipping_profile_id=7001)
    listing = product_publish(product_id=vase.pk, channel=ETSY)
    assert channels.get(ETSY).set_stock({"VASE-ONE": 0}) == {"VASE-ONE": 0}
    assert connected.listings[int(listing.remote_id)]["state"] == "sold_out"


def test_bulk_publish_over_the_daily_budget_says_how_many_now_and_when_the_rest(
    connected, mug, artisan, mugs_category, django_capture_on_commit_callbacks
):
    products = [mug]
    for n in range(3):
        product = ProductFactory(maker=artisan, handle=f"bowl-{n}", category=mugs_category, materials=["stoneware"])
        VariantFactory(product=product, sku=f"BOWL-{n}", options={}, title="", stock_on_hand=2)
        make_publishable(product, user=artisan, title=f"Stoneware bowl {n}")
        EtsyFacts.objects.create(product=product, shipping_profile_id=7001)
        products.append(product)
    connected.per_day = connected.used_today + 50 + 1 + 2 * 6  # the reserve, the ping, and two products of 6 calls
    with django_capture_on_commit_callbacks(execute=True):
        job = publish_start(products=products, channel=ETSY)
    job.refresh_from_db()
    assert job.total == 2
    assert job.label == f"Publish Celadon mug and {products[1].title} to Etsy (2 more later)"
    assert "room for 2 products now" in job.message and "the other 2 will be published after" in job.message
    from django_q.models import Schedule

    later = Schedule.objects.get(func="channels.tasks.publish_later")
    assert later.next_run > job.created_at
    assert len(connected.listings) == 2
    assert Job.objects.filter(pk=job.pk, failed=0).exists()


def test_product_page_shows_etsy_reasons(connected, mug, artisan_client):
    EtsyFacts.objects.filter(product=mug).update(shipping_profile_id=None)
    page = artisan_client.get(reverse("product-detail", args=[mug.pk])).content.decode()
    assert "Etsy shipping profile" in page


def test_the_maker_sets_etsy_details_on_the_product_page(connected, mug, artisan_client, other_artisan):
    EtsyFacts.objects.filter(product=mug).delete()
    url = reverse("product-etsy-facts", args=[mug.pk])
    page = artisan_client.get(reverse("product-detail", args=[mug.pk])).content.decode()
    assert "Etsy shipping profile" in page and "Not set" in page
    response = artisan_client.post(
        url,
        {
            "who_made": "collective",
            "when_made": "2020_2026",
            "is_supply": "",
            "shipping_profile_id": "7002",
            "personalisation_question": "Initials",
            "personalisation_max_chars": "3",
        },
        follow=True,
    )
    assert "Etsy details saved." in response.content.decode()
    facts = EtsyFacts.objects.get(product=mug)
    assert (facts.who_made, facts.when_made, facts.shipping_profile_id, facts.is_supply) == (
        "collective",
        "2020_2026",
        7002,
        None,  # still the category's
    )
    assert publish_state(product=mug, channel=ETSY).reasons == []
    refused = artisan_client.post(url, {"when_made": "2020_2025"}, follow=True).content.decode()
    assert "Etsy details not saved" in refused


def test_another_artisan_cannot_set_etsy_details(connected, mug, other_artisan):
    from django.test import Client

    client = Client()
    client.force_login(other_artisan)
    response = client.post(reverse("product-etsy-facts", args=[mug.pk]), {"who_made": "someone_else"})
    assert response.status_code in (403, 404)
    assert not EtsyFacts.objects.filter(product=mug, who_made="someone_else").exists()


def test_a_manager_sets_category_defaults_in_the_admin(connected, mug, manager_client):
    response = manager_client.get(reverse("admin:channels_etsyfacts_changelist"))
    assert response.status_code == 200
    assert "Etsy facts of Mugs" in response.content.decode()
