from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from approvals import registry
from approvals.models import ReviewItem, ReviewState
from approvals.selectors import review_items_for
from studio.permissions import get_for_user


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", ReviewState.PENDING)
    if state not in ReviewState.values:
        state = ReviewState.PENDING
    items = review_items_for(request.user, state=state, kind=kind or None)
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "approvals/review_list.html",
        {"page": page, "kind": kind, "state": state, "states": ReviewState.choices, "kinds": registry.all_kinds()},
    )


@login_required
def review_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_for_user(ReviewItem.objects.select_related("owner", "decided_by"), request.user, pk=item_id)
    return render(request, "approvals/review_detail.html", {"item": item, "events": item.events.select_related("actor")})
