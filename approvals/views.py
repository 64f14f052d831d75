"""The review queue pages. Views parse, check access, call one service, render.

Every decision form works as a plain POST (redirect after post); review.js sends
the same forms with fetch() and asks for JSON, so a phone gets no page reloads.
"""

from __future__ import annotations

import unicodedata
from html import escape as html_escape
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import Context, engines
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime
from django.views.decorators.http import require_POST

from approvals import registry
from approvals.cache import cached, pending_count
from approvals.diff import snapshot_diff
from approvals.forms import APPROVE, EDIT, REJECT, BulkDecisionForm, DecisionForm
from approvals.models import ReviewItem, ReviewState
from approvals.selectors import approved_item, newer_version_for, queue_neighbours, review_items_for, review_queue_for
from approvals.services import ConcernsUnconfirmed, DraftChanged, ReviewError, review_decide, review_decide_many
from approvals.templatetags.approvals_tags import (
    check_counts,
    check_flags,
    kind_confirmation,
    kind_label,
    kind_summary,
    kind_thumbnail,
)
from studio.parsing import ascii_int
from studio.permissions import DECIDE, can, get_for_user, makers_for
from studio.templatetags.atelier import icon

STATE_LABELS = dict(ReviewState.choices)
# What a queue row shows (_queue_row); the rest of an item and of its owner (the approved snapshot,
# the decision, the owner's password hash and dates) is neither read from the database nor converted.
QUEUE_ROW_FIELDS = (
    "kind",
    "version",
    "state",
    "subject",
    "snapshot",
    "snapshot_hash",
    "submitted_at",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
)
QUEUE_PARAMS = ("kind", "product", "maker", "sort", "state")


def _queue_filters(request: HttpRequest) -> dict:
    params = request.GET if request.method == "GET" else request.POST
    product = params.get("product", "")
    maker = params.get("maker", "")
    state = params.get("state", ReviewState.PENDING)
    return {
        "kind": params.get("kind", "")[:40],
        "product": str(ascii_int(product)) if ascii_int(product) is not None else "",
        "maker": str(ascii_int(maker)) if ascii_int(maker) is not None else "",
        "sort": params.get("sort") if params.get("sort") in ("newest", "oldest") else "newest",
        "state": state if state in ReviewState.values else ReviewState.PENDING,
    }


def _queue(request: HttpRequest, filters: dict):
    return review_queue_for(
        request.user,
        state=filters["state"],
        kind=filters["kind"],
        subject_key=f"product:{filters['product']}" if filters["product"] else "",
        owner_id=int(filters["maker"]) if filters["maker"] else None,
        sort=filters["sort"],
    )


def _querystring(filters: dict) -> str:
    return urlencode(
        {
            key: value
            for key, value in filters.items()
            if value and not (key == "state" and value == "pending") and not (key == "sort" and value == "newest")
        }
    )


QUEUE_PAGE_SIZE = 25
_CSRF_SLOT = "csrf-slot"  # what {% csrf_token %} renders into a cached queue page, filled per response
_CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    filters = _queue_filters(request)
    everything_pending = filters["state"] == ReviewState.PENDING and not (
        filters["kind"] or filters["product"] or filters["maker"]
    )
    key = tuple(filters.values())
    # The count and the page's content are cached under the queue's generation (approvals/cache.py):
    # a reload with nothing changed reads and renders neither again.
    if everything_pending:  # all the user's pending drafts: the navigation's count too, one key for both
        count = pending_count(request)
    else:
        count = cached(request, "queue-count", key, lambda: _queue(request, filters).count())
    # The queryset is only sliced here; it is read when the content is rendered, on a cache miss.
    paginator = _CountedPaginator(_queue(request, filters).only(*QUEUE_ROW_FIELDS), QUEUE_PAGE_SIZE, count)
    page = paginator.get_page(request.GET.get("page"))
    # The pager's links keep every parameter of this request ({% querystring %}), so it is part of the key.
    parts = cached(
        request,
        "queue-page",
        (*key, page.number, request.GET.urlencode()),
        lambda: _queue_content(request, filters, page),
        per_minute=True,  # the rows say "3 minutes ago"
    )
    csrf_token = get_token(request)  # masked once a response; the header's forms take the same one
    content = _CSRF_INPUT.format(html_escape(csrf_token)).join(parts)
    return render(
        request,
        "approvals/review_list.html",
        # content: rendered by approvals/_queue.html, every value escaped there
        {"content": mark_safe(content), "csrf_token": csrf_token},  # noqa: S308
    )


def _queue_content(request: HttpRequest, filters: dict, page: Page) -> list[str]:
    """The queue page's content as HTML, split where the CSRF token goes (each response has its own)."""
    querystring = _querystring(filters)
    selectable = filters["state"] == ReviewState.PENDING
    urls = {name: _url_per_id(name) for name in ("review-detail", "review-decide")}
    context = Context(
        {
            "page": page,
            "rows": [
                _queue_row(item, querystring=querystring, selectable=selectable, urls=urls) for item in page.object_list
            ],
            "filters": filters,
            "querystring": querystring,
            "states": ReviewState.choices,
            "kinds": registry.all_kinds(),
            "makers": makers_for(request.user),
            "csrf_token": _CSRF_SLOT,
        },
        autoescape=True,
    )
    context.request = request  # for {% querystring %}: the pager's links keep this request's parameters
    html = engines["django"].engine.get_template("approvals/_queue.html").render(context)
    # Only the template writes a raw "<input": every value from the database or the request is escaped.
    return html.split(_CSRF_INPUT.format(_CSRF_SLOT))


class _CountedPaginator(Paginator):
    """A Paginator whose count is already known (cached), so it never counts the rows itself."""

    def __init__(self, object_list, per_page: int, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


_ID_SLOT = 918273645546372819  # stands for the id in a URL reversed once per page


def _url_per_id(name: str):
    """reverse(name, args=[id]) for many ids, reversed once: each URL is the same around the id."""
    head, tail = reverse(name, args=[_ID_SLOT]).split(str(_ID_SLOT))
    return lambda pk: f"{head}{int(pk)}{tail}"


def _e(value) -> str:
    """conditional_escape for the rows: markup already marked safe stays, anything else is
    escaped exactly as django.utils.html.escape does, without format_html's lazy-string
    wrappers around each of a row's ~25 values (most of what the rows cost)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


def _truncated(text: str, length: int) -> str:
    """Truncator(text).chars(length): summaries are mostly shorter than the limit, and then
    Truncator's walk through every character only gives back the NFC-normalised text."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= length else Truncator(text).chars(length)


def _queue_row(item: ReviewItem, *, querystring: str, selectable: bool, urls: dict) -> SafeString:
    """One row of the queue page, as HTML.

    The rows are the page's hot loop (25 a page, each with three links, a relative
    time, check counts and flags). Built here, as the admin builds its changelist
    rows, a row costs a fraction of the same markup through template tags, filters
    and includes; that was most of the page's CPU time under load. Every value goes
    through _e (escaped unless already safe markup); the markup is the one review.js
    and the browser tests read.
    """
    counts = check_counts(item.snapshot)
    detail_url = urls["review-detail"](item.pk)
    url = _e(f"{detail_url}?{querystring}" if querystring else detail_url)
    confirm = kind_confirmation(item.kind)
    thumb = kind_thumbnail(item)
    summary = kind_summary(item)
    owner = item.owner
    subject = _e(item.subject)
    if counts["fail"]:
        badge = f'<span class="badge badge--danger">{_e(counts["fail"])} to fix</span>'
    elif counts["warn"]:
        badge = f'<span class="badge badge--ochre">{_e(counts["warn"])} to look at</span>'
    else:
        badge = ""
    if badge:
        checks = "".join(
            f'<span class="row-check row-check--{_e(level)}">{_e(label)}</span>' for level, label in check_flags(item)
        )
        flags = f'<span class="row-flags">{badge}</span> <span class="row-checks">{checks}</span> '
    else:
        flags = ""
    if selectable:
        select = (
            f'<label class="queue-select"><input type="checkbox" name="selected" value="{_e(item.pk)}:'
            f'{_e(item.snapshot_hash)}"><span class="visually-hidden">Select {subject}</span></label> '
        )
    else:
        select = ""
    if thumb:
        thumb_html = (
            f'<span class="row-thumb row-thumb--picture"><img src="{_e(thumb)}" alt="" width="64" height="64"'
            ' loading="lazy" decoding="async"></span>'
        )
    else:
        thumb_html = f'<span class="row-thumb">{_e(icon("sparkle"))}</span>'
    summary_html = f'<span class="row-preview">{_e(_truncated(summary, 110))}</span> ' if summary else ""
    confirm_attr = f' data-confirm-approve="{_e(confirm)}"' if confirm else ""
    owner_name = (owner.get_full_name() or owner.get_username()) if owner else "Shop managers"
    return mark_safe(  # noqa: S308 - every value above went through _e
        # The spaces stand where the template's line breaks stood: inline elements keep their gaps.
        f'<li class="queue-row" data-queue-item data-id="{_e(item.pk)}" data-hash="{_e(item.snapshot_hash)}"'
        f' data-url="{url}" data-decide-url="{_e(urls["review-decide"](item.pk))}"'
        f"{confirm_attr}>"
        f' {select}<a class="row" href="{url}"> {thumb_html} <span class="row-main">'
        f' <span class="row-title">{subject}</span> {summary_html}<span class="row-meta">'
        f" <span>{_e(kind_label(item.kind))}</span> <span>version {_e(item.version)}</span> <span>{_e(owner_name)}</span>"
        f' <span><time datetime="{_e(template_localtime(item.submitted_at).isoformat())}">'  # the date filter's "c"
        f"{_e(naturaltime(item.submitted_at))}</time></span> </span> {flags}</span>"
        f' <span class="row-end"> <span class="hide-phone">{badge}</span>'
        f' <span class="badge badge--{_e(item.state)} hide-phone">{_e(STATE_LABELS.get(item.state, item.state))}</span>'
        f" {_e(icon('chevron-right'))} </span> </a> </li>"
    )


GRID_PAGE = 48


@login_required
def review_grid(request: HttpRequest) -> HttpResponse:
    """Pending drafts that have a picture (staged images, galleries) as a grid, to approve or reject by eye."""
    filters = _queue_filters(request)
    pictured = [kind for kind in registry.all_kinds() if kind.pictured]
    if filters["kind"] not in {kind.name for kind in pictured}:
        filters["kind"] = ""
    queue = _queue(request, {**filters, "state": ReviewState.PENDING}).filter(
        kind__in=[filters["kind"]] if filters["kind"] else [kind.name for kind in pictured]
    )
    page = Paginator(queue, GRID_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "approvals/review_grid.html",
        {
            "page": page,
            "filters": filters,
            "querystring": _querystring(filters),
            "kinds": pictured,
            "makers": makers_for(request.user),
        },
    )


def _detail_context(request: HttpRequest, item: ReviewItem, filters: dict, form: DecisionForm | None = None) -> dict:
    kind = registry.find(item.kind)
    approved = approved_item_for_display(item)
    previous_id = next_id = None
    if item.state == ReviewState.PENDING:
        previous_id, next_id = queue_neighbours(
            _queue(request, {**filters, "state": ReviewState.PENDING}), item, sort=filters["sort"]
        )
    decidable = kind is not None and item.state == ReviewState.PENDING and can(request.user, DECIDE, item)
    return {
        "item": item,
        "kind": kind,
        "events": item.events.select_related("actor"),
        "approved": approved,
        "diff": snapshot_diff(
            approved.approved_snapshot if approved else None,
            item.snapshot,
            ignore=kind.diff_ignored if kind is not None else frozenset(),
        ),
        "form": form
        or (
            DecisionForm(kind=kind, snapshot=item.snapshot, initial={"seen_hash": item.snapshot_hash})
            if decidable
            else None
        ),
        "decidable": decidable,
        "concerns": kind.concerns(item.snapshot) if kind is not None and decidable else [],
        # Not `kind.retry` in the template: it would call the hook instead of testing for it.
        "can_retry": kind is not None and kind.retry is not None,
        "retry_help": kind.retry_help() if kind is not None and kind.retry_help is not None else "",
        "reads_notes": kind is not None and kind.retry_reading is not None,
        "previous_id": previous_id,
        "next_id": next_id,
        # Someone (or a retry) moved on from this version: show the way to the current one.
        "newer": newer_version_for(request.user, item=item) if item.state != ReviewState.PENDING else None,
        "querystring": _querystring(filters),
        "filters_for_post": [(k, v) for k, v in filters.items() if v and k != "state"],
    }


def approved_item_for_display(item: ReviewItem) -> ReviewItem | None:
    """The version customers see now, when it isn't this one."""
    if item.state == ReviewState.APPROVED:
        return None
    draft = item.draft
    if draft is None:
        return None
    current = approved_item(draft=draft)
    return current if current is not None and current.pk != item.pk else None


@login_required
def review_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_for_user(ReviewItem.objects.select_related("owner", "decided_by"), request.user, pk=item_id)
    return render(request, "approvals/review_detail.html", _detail_context(request, item, _queue_filters(request)))


@login_required
def review_note_reading(request: HttpRequest, item_id: int) -> JsonResponse:
    """A reject note as the kind's retry will take it, asked for while the reviewer types."""
    item = get_for_user(ReviewItem.objects.all(), request.user, pk=item_id)
    kind = registry.find(item.kind)
    note = request.GET.get("note", "")[:2000]  # the note field's own limit
    if kind is None or kind.retry_reading is None or not note.strip():
        return JsonResponse({"sentences": []})
    return JsonResponse({"sentences": kind.retry_reading(note)})


def _after_decision_url(request: HttpRequest, filters: dict, next_id: int | None) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    query = _querystring(filters)
    if next_id:
        return reverse("review-detail", args=[next_id]) + (f"?{query}" if query else "")
    return reverse("review-list") + (f"?{query}" if query else "")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def review_decide_view(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_for_user(ReviewItem.objects.select_related("owner"), request.user, pk=item_id)
    filters = _queue_filters(request)
    kind = registry.find(item.kind)
    if kind is None:
        return JsonResponse({"ok": False, "errors": ["This kind of draft can't be decided any more."]}, status=400)
    form = DecisionForm(request.POST, kind=kind, snapshot=item.snapshot)
    # Where to go next is decided before the decision moves this item out of the queue.
    _, next_id = queue_neighbours(
        _queue(request, {**filters, "state": ReviewState.PENDING}), item, sort=filters["sort"]
    )
    status = 400
    concerns: list[str] = []
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            decided = review_decide(
                item_id=item.pk,
                user=request.user,
                approve=decision in (APPROVE, EDIT),
                seen_hash=form.cleaned_data["seen_hash"],
                note=form.cleaned_data["note"],
                edits=form.edits(item.snapshot) if decision == EDIT else None,
                retry=decision == REJECT and form.cleaned_data["retry"],
                options=form.approve_options() if decision in (APPROVE, EDIT) else None,
                anyway=form.cleaned_data["anyway"],
            )
        except ReviewItem.DoesNotExist:
            return render(request, "errors/404.html", status=404)
        except DraftChanged as exc:
            form.add_error(None, str(exc))
            status = 409
        except ConcernsUnconfirmed as exc:
            form.add_error(None, str(exc))
            concerns = exc.concerns
        except ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            message = _decision_message(decided, retry=decision == REJECT and form.cleaned_data["retry"])
            url = _after_decision_url(request, filters, next_id)
            if _wants_json(request):
                return JsonResponse(
                    {"ok": True, "state": decided.state, "message": message, "next_url": url, "item": decided.pk}
                )
            messages.success(request, message)
            return redirect(url)
    if _wants_json(request):
        errors = [str(error) for error in form.non_field_errors()] or [
            f"{form[name].label}: {' '.join(errs)}" for name, errs in form.errors.items() if name != "__all__"
        ]
        payload = {"ok": False, "errors": errors, "changed": status == 409}
        if concerns:
            payload["concerns"] = concerns  # approving takes "approve anyway": review.js opens that panel
        if status == 409:
            current = newer_version_for(request.user, item=item) or item
            payload["current_url"] = reverse("review-detail", args=[current.pk])
        return JsonResponse(payload, status=status)
    item.refresh_from_db()
    # The reviewer's note and edits stay in the form: nothing they typed is lost.
    context = _detail_context(request, item, filters, form=form if item.state == ReviewState.PENDING else None)
    context["stale_form"] = form if item.state != ReviewState.PENDING or status == 409 else None
    return render(request, "approvals/review_detail.html", context, status=status)


def _decision_message(item: ReviewItem, *, retry: bool) -> str:
    if item.state == ReviewState.APPROVED:
        return f"Approved “{item.subject}” (version {item.version})."
    if retry:
        return f"Rejected “{item.subject}”; a new version that follows your note is on its way."
    return f"Rejected “{item.subject}” (version {item.version})."


@login_required
@require_POST
def review_bulk(request: HttpRequest) -> HttpResponse:
    filters = _queue_filters(request)
    form = BulkDecisionForm(request.POST)
    back = reverse("review-list") + (f"?{_querystring(filters)}" if _querystring(filters) else "")
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        for error in errors:
            messages.error(request, error)
        return redirect(back)
    approve = form.cleaned_data["decision"] == APPROVE
    if not approve and not form.cleaned_data["note"].strip():
        error = "Say why you are rejecting these drafts, so the next versions can be better."
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": [error]}, status=400)
        messages.error(request, error)
        return redirect(back)
    results = review_decide_many(
        user=request.user, decisions=form.cleaned_data["selected"], approve=approve, note=form.cleaned_data["note"]
    )
    _name_failures(request.user, results)
    done = [r for r in results if r.ok]
    failed = [r for r in results if not r.ok]
    verb = "Approved" if approve else "Rejected"
    summary = f"{verb} {len(done)} draft{'s' if len(done) != 1 else ''}."
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": not failed,
                "message": summary,
                "results": [{"id": r.item_id, "ok": r.ok, "message": r.message} for r in results],
            }
        )
    if done:
        messages.success(request, summary)
    for result in failed:
        messages.error(request, result.message)
    return redirect(back)


def _name_failures(user, results: list) -> None:
    """Prefix each failure's message with the draft it is about, as the reviewer knows it."""
    failed = [result for result in results if not result.ok]
    names = {
        pk: f"“{subject}” (version {version})"
        for pk, subject, version in review_items_for(user, state=None)
        .filter(pk__in=[result.item_id for result in failed])
        .values_list("pk", "subject", "version")
    }
    for result in failed:
        result.message = f"{names.get(result.item_id, f'Draft #{result.item_id}')}: {result.message}"
