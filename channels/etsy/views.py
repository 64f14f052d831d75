"""The Connect Etsy page (shop managers only) and the product's Etsy facts form (its maker or a manager)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Product
from channels.etsy.forms import EtsyFactsForm
from channels.etsy.oauth import ConnectRefused, connect_finish, connect_start, disconnect
from channels.etsy.tokens import account_get
from channels.etsy.vocab import SCOPES
from channels.registry import channels
from studio.permissions import CHANGE, get_for_user, is_manager


def _managers_only(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied("Only shop managers connect Etsy.")


def _redirect_uri(request: HttpRequest, channel) -> str:
    return channel.option("redirect_uri") or request.build_absolute_uri(reverse("etsy-callback"))


@login_required
@require_GET
def etsy_connect_page(request: HttpRequest) -> HttpResponse:
    _managers_only(request)
    channel = channels.get("etsy")
    return render(
        request,
        "channels/etsy/connect.html",
        {"channel": channel, "account": account_get(), "scopes": SCOPES, "listing_state": channel.listing_state},
    )


@login_required
@require_POST
def etsy_connect_start(request: HttpRequest) -> HttpResponse:
    _managers_only(request)
    channel = channels.get("etsy")
    if not channel.enabled:
        messages.error(request, channel.not_connected_message())
        return redirect("etsy-connect")
    start = connect_start(user=request.user, channel=channel, redirect_uri=_redirect_uri(request, channel))
    return redirect(start.url)


@login_required
@require_GET
def etsy_callback(request: HttpRequest) -> HttpResponse:
    _managers_only(request)
    channel = channels.get("etsy")
    try:
        account = connect_finish(
            user=request.user,
            channel=channel,
            state=request.GET.get("state", "")[:64],
            code=request.GET.get("code", "")[:512],
            error=request.GET.get("error", "")[:100],
        )
    except ConnectRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Etsy is connected to the shop “{account.shop_name}”.")
    return redirect("etsy-connect")


@login_required
@require_POST
def etsy_disconnect(request: HttpRequest) -> HttpResponse:
    _managers_only(request)
    disconnect()
    messages.success(request, "Etsy is disconnected. Nothing on Etsy was changed.")
    return redirect("etsy-connect")


@login_required
@require_POST
def product_etsy_facts(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_for_user(Product.objects.all(), request.user, CHANGE, pk=product_id)
    form = EtsyFactsForm(request.POST, product=product)
    if form.is_valid():
        form.save()
        messages.success(request, "Etsy details saved.")
    else:
        errors = "; ".join(
            f"{form.fields[name].label if name in form.fields else name}: {' '.join(e)}"
            for name, e in form.errors.items()
        )
        messages.error(request, f"Etsy details not saved — {errors}")
    return redirect(f"{reverse('product-detail', args=[product.pk])}#etsy")
