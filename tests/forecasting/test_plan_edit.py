"""A maker changes a production plan's quantities and weeks before approving it (issue 15).

The edit form posts pieces and a week per line; the server recomputes every line's minutes and
each week's hours from the planner's own minutes per piece and refuses a week over the maker's hours.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from approvals.models import ReviewItem, ReviewState
from forecasting.demand import production_plans_build
from tests.forecasting.test_plans import TODAY, busy_maker  # noqa: F401  (a fixture)


def _decide(client, item, data: dict, *, decision: str = "edit"):
    return client.post(
        reverse("review-decide", args=[item.pk]),
        {"decision": decision, "seen_hash": item.snapshot_hash, **data},
        HTTP_ACCEPT="application/json",
    )


def _lines(snapshot):
    weeks = snapshot["plan"]["makers"][0]["weeks"]
    return [(w, n, line) for w, week in enumerate(weeks) for n, line in enumerate(week["lines"])]


@pytest.fixture
def plan(busy_maker):  # noqa: F811
    production_plans_build(today=TODAY)
    return ReviewItem.objects.get(kind="production_plan")


def test_the_edit_form_offers_pieces_and_weeks_per_line(plan, artisan_client):
    html = artisan_client.get(reverse("review-detail", args=[plan.pk])).content.decode()
    for w, n, _line in _lines(plan.snapshot):
        assert f'name="plan-0-{w}-{n}-quantity"' in html
        assert f'name="plan-0-{w}-{n}-week"' in html
    assert "Mug 0" in html  # product names, not only SKUs
    assert 'name="edit_plan"' not in html  # no raw JSON box


def test_fewer_pieces_recompute_the_hours_and_are_approved(plan, artisan_client):
    w, n, line = _lines(plan.snapshot)[0]
    per_piece = line["minutes"] / line["quantity"]
    fewer = line["quantity"] - 1

    answer = _decide(artisan_client, plan, {f"plan-0-{w}-{n}-quantity": str(fewer)})

    assert answer.status_code == 200, answer.content
    plan.refresh_from_db()
    assert plan.state == ReviewState.APPROVED
    week = plan.approved_snapshot["plan"]["makers"][0]["weeks"][w]
    edited = next(entry for entry in week["lines"] if entry["variant_id"] == line["variant_id"])
    assert edited["quantity"] == fewer
    assert edited["minutes"] == round(fewer * per_piece)
    assert week["minutes_used"] == sum(entry["minutes"] for entry in week["lines"])
    assert edited["edited"].startswith(f"Changed from {line['quantity']} in the week of ")
    html = artisan_client.get(reverse("review-detail", args=[plan.pk])).content.decode()
    assert edited["edited"] in html


def test_a_batch_moved_to_another_week_counts_there(plan, artisan_client):
    lines = _lines(plan.snapshot)
    weeks = plan.snapshot["plan"]["makers"][0]["weeks"]
    w, n, line = lines[0]
    target = next(k for k, week in enumerate(weeks) if k != w)
    room = weeks[target]["minutes_available"] - weeks[target]["minutes_used"]
    pieces = max(1, int(room // (line["minutes"] / line["quantity"])))

    answer = _decide(
        artisan_client,
        plan,
        {f"plan-0-{w}-{n}-quantity": str(pieces), f"plan-0-{w}-{n}-week": weeks[target]["week_start"]},
    )

    assert answer.status_code == 200, answer.content
    plan.refresh_from_db()
    approved = plan.approved_snapshot["plan"]["makers"][0]["weeks"]
    assert line["variant_id"] not in [entry["variant_id"] for entry in approved[w]["lines"]]
    moved = [entry for entry in approved[target]["lines"] if entry["variant_id"] == line["variant_id"]]
    assert len(moved) == 1  # joined the same variant's line there, if it had one
    for week in approved:
        assert week["minutes_used"] == sum(entry["minutes"] for entry in week["lines"]) <= week["minutes_available"]


def test_more_pieces_than_the_week_has_hours_for_are_refused_and_nothing_is_approved(plan, artisan_client):
    w, n, line = _lines(plan.snapshot)[0]

    answer = _decide(artisan_client, plan, {f"plan-0-{w}-{n}-quantity": "400"})

    assert answer.status_code == 400
    errors = " ".join(json.loads(answer.content)["errors"])
    assert "h planned, only 5.0 h available" in errors
    plan.refresh_from_db()
    assert plan.state == ReviewState.PENDING


@pytest.mark.parametrize("bad", ["-1", "2.5", "lots", "10001", "٣"])
def test_a_quantity_that_is_not_a_whole_number_is_explained(plan, artisan_client, bad):
    w, n, _ = _lines(plan.snapshot)[0]

    answer = _decide(artisan_client, plan, {f"plan-0-{w}-{n}-quantity": bad})

    assert answer.status_code == 400
    assert "must be a whole number from 0 to 10,000" in " ".join(json.loads(answer.content)["errors"])
    plan.refresh_from_db()
    assert plan.state == ReviewState.PENDING


def test_a_week_outside_the_plan_is_refused(plan, artisan_client):
    w, n, _ = _lines(plan.snapshot)[0]

    answer = _decide(artisan_client, plan, {f"plan-0-{w}-{n}-week": "1999-01-04"})

    assert answer.status_code == 400
    assert "can only move to one of the plan's weeks" in " ".join(json.loads(answer.content)["errors"])


def test_zero_pieces_drop_the_line(plan, artisan_client):
    w, n, line = _lines(plan.snapshot)[0]

    assert _decide(artisan_client, plan, {f"plan-0-{w}-{n}-quantity": "0"}).status_code == 200

    plan.refresh_from_db()
    week = plan.approved_snapshot["plan"]["makers"][0]["weeks"][w]
    assert line["variant_id"] not in [entry["variant_id"] for entry in week["lines"]]


def test_approving_unchanged_numbers_keeps_the_plan_as_written(plan, artisan_client):
    data = {f"plan-0-{w}-{n}-quantity": str(line["quantity"]) for w, n, line in _lines(plan.snapshot)}

    assert _decide(artisan_client, plan, data).status_code == 200

    plan.refresh_from_db()
    assert plan.approved_snapshot["plan"] == plan.snapshot["plan"]
