"""The webhooks pages: shop managers only (everyone else gets the same 404 as for a missing page)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from automation import services
from automation.forms import DisableForm, EndpointForm
from automation.models import Delivery, Endpoint
from automation.payloads import EVENT_TYPES, sample
from automation.selectors import deliveries_for, endpoints_list
from studio.permissions import is_manager


def _manager_only(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise Http404


def _form_errors(form: EndpointForm, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@never_cache  # its answer may carry the new secret
@login_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    _manager_only(request)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            # The secret is shown on this answer only; a reload does not bring it back.
            return render(request, "automation/secret_shown.html", {"endpoint": endpoint, "secret": endpoint.secret})
    return render(
        request,
        "automation/endpoint_list.html",
        {"endpoints": endpoints_list(), "form": form, "event_types": EVENT_TYPES.values()},
    )


@login_required
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    _manager_only(request)
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "header_name": endpoint.header_name,
        "allow_lan": endpoint.allow_lan,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhook-endpoint", endpoint.pk)
    return render(
        request,
        "automation/endpoint_detail.html",
        {"endpoint": endpoint, "form": form, "deliveries": deliveries_for(endpoint=endpoint)},
    )


@never_cache
@login_required
@require_POST
def endpoint_rotate(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    _manager_only(request)
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    secret = services.endpoint_rotate_secret(endpoint=endpoint)
    endpoint.refresh_from_db()
    return render(request, "automation/secret_shown.html", {"endpoint": endpoint, "secret": secret, "rotated": True})


@login_required
@require_POST
def endpoint_toggle(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    _manager_only(request)
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    if endpoint.enabled:
        form = DisableForm(request.POST)
        reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
        by = request.user.get_full_name() or request.user.get_username()
        services.endpoint_disable(endpoint=endpoint, reason=reason or f"Switched off by {by}.")
        messages.success(request, "Endpoint switched off; nothing more is sent to it.")
    else:
        services.endpoint_enable(endpoint=endpoint)
        messages.success(request, "Endpoint switched on.")
    return redirect("webhook-endpoint", endpoint.pk)


@login_required
@require_POST
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    _manager_only(request)
    get_object_or_404(Endpoint, pk=endpoint_id).delete()
    messages.success(request, "Endpoint deleted.")
    return redirect("webhook-endpoints")


@login_required
@require_POST
def delivery_send_again(request: HttpRequest, delivery_id: int) -> HttpResponse:
    _manager_only(request)
    delivery = get_object_or_404(Delivery, pk=delivery_id)
    services.delivery_send_again(delivery=delivery)
    messages.success(request, f"{delivery.event_type} queued to be sent again (same webhook-id).")
    return redirect("webhook-endpoint", delivery.endpoint_id)


@login_required
def event_types(request: HttpRequest) -> HttpResponse:
    _manager_only(request)
    examples = [(event_type, json.dumps(sample(event_type.name), indent=2)) for event_type in EVENT_TYPES.values()]
    return render(request, "automation/event_types.html", {"examples": examples})
