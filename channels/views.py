"""Channel pages and endpoints: publish from the product page, file exports, webhooks per channel and topic."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog.models import Product
from channels.base import WebhookRejected
from channels.orders import orders_record
from channels.registry import UnknownChannel, channels
from channels.services import export_payloads, export_skipped, publish_blockers, publish_start
from channels.stock import stock_channels, stock_push_start
from studio.parsing import ascii_ids, declared_size
from studio.permissions import CHANGE, VIEW, get_for_user
from studio.sales_channels import SalesChannel

logger = logging.getLogger(__name__)
WEBHOOK_MAX_BYTES = 2 * 1024 * 1024  # an order with hundreds of lines is well under this


def _channel_or_404(name: str):
    try:
        return channels.get(name)
    except UnknownChannel:
        raise Http404(f"No channel named {name!r} is configured.") from None


@login_required
@require_POST
def product_publish(request: HttpRequest, product_id: int) -> HttpResponse:
    """Publish the approved listing and images to a channel (a background job)."""
    product = get_for_user(Product.objects.all(), request.user, CHANGE, pk=product_id)
    channel = _channel_or_404(request.POST.get("channel") or SalesChannel.SHOPIFY)
    back = f"{reverse('product-detail', args=[product.pk])}#publishing"
    reasons = publish_blockers(product=product)
    if reasons:
        messages.error(request, "Not ready to publish: " + " ".join(reasons))
        return redirect(back)
    job = publish_start(products=[product], requested_by=request.user, channel=channel.name)
    if job.status == job.Status.FAILED:
        messages.error(request, job.message)
        return redirect(back)
    messages.success(request, f"Publishing “{product.title}” to {channel.label}.")
    return redirect("job-detail", job_id=job.pk)


EXPORT_DRAFT, EXPORT_ACTIVE = "draft", "active"


@login_required
@require_POST
def product_push_stock(request: HttpRequest, product_id: int) -> HttpResponse:
    """A manager's "push stock now": Atelier's figures of this product to every channel it is on (a job)."""
    if not request.user.has_perm("channels.change_channelstock"):
        raise PermissionDenied("Only shop managers push stock figures to the channels.")
    product = get_for_user(Product.objects.all(), request.user, CHANGE, pk=product_id)
    if not stock_channels():
        messages.error(request, "No connected channel takes stock figures.")
        return redirect(f"{reverse('product-detail', args=[product.pk])}#channel-stock")
    job = stock_push_start(products=[product], requested_by=request.user)
    messages.success(request, f"Sending the stock of “{product.title}” to the channels.")
    return redirect("job-detail", job_id=job.pk)


EXPORT_SUMMARY_SHOWN = 50  # products named on the summary page; the rest are counted


@dataclass(frozen=True)
class _ExportRequest:
    """What an export request asked for, once its query string is checked."""

    backend: Any
    status: str
    with_images: bool
    products: Any  # the user's products in scope, a queryset


def _export_request(request: HttpRequest, channel: str) -> _ExportRequest | HttpResponse:
    """The checked export request, or the page that explains why it can't run."""
    backend = _channel_or_404(channel)
    if not backend.exports:
        raise Http404(f"{backend.label} has no file export.")
    status = request.GET.get("status", EXPORT_DRAFT)
    if status not in (EXPORT_DRAFT, EXPORT_ACTIVE):
        return render(request, "channels/export_refused.html", {"reason": "status", "channel": backend}, status=400)
    with_images = request.GET.get("images") != "none"
    if with_images and not settings.ATELIER_PUBLIC_URL:
        # The channel's importer fetches every image from its URL: 127.0.0.1 or a LAN address can't work.
        query = request.GET.copy()
        query["images"] = "none"
        return render(
            request,
            "channels/export_refused.html",
            {"reason": "public_url", "channel": backend, "without_images": query.urlencode()},
            status=409,
        )
    products = Product.objects.restrict(request.user, VIEW).select_related("category").order_by("title", "id")
    if request.GET.get("ids"):
        products = products.filter(pk__in=ascii_ids(request.GET["ids"].split(",")))
    return _ExportRequest(backend, status, with_images, products)


@login_required
def products_export_summary(request: HttpRequest, channel: str) -> HttpResponse:
    """Before the download: how many products the file will hold, and which are left out and why."""
    asked = _export_request(request, channel)
    if isinstance(asked, HttpResponse):
        return asked
    total = asked.products.count()
    skipped = export_skipped(products=asked.products.iterator(chunk_size=200), channel=asked.backend.name)
    query = request.GET.copy()
    query["shown"] = "1"  # the download after this page doesn't repeat the list
    return render(
        request,
        "channels/export_summary.html",
        {
            "channel": asked.backend,
            "exported": total - len(skipped),
            "skipped": skipped[:EXPORT_SUMMARY_SHOWN],
            "skipped_count": len(skipped),
            "skipped_more": max(0, len(skipped) - EXPORT_SUMMARY_SHOWN),
            "live": asked.status == EXPORT_ACTIVE,
            "with_images": asked.with_images,
            "download": f"{reverse('products-export', args=[asked.backend.name])}?{query.urlencode()}",
        },
    )


@login_required
def products_export(request: HttpRequest, channel: str = SalesChannel.SHOPIFY) -> StreamingHttpResponse:
    """The approved products the user may see, in the channel's import file format, streamed row by row."""
    asked = _export_request(request, channel)
    if isinstance(asked, HttpResponse):
        return asked
    backend, products, public = asked.backend, asked.products, settings.ATELIER_PUBLIC_URL

    def image_url(image) -> str:
        url = image.content.url()
        return url if url.startswith(("https://", "http://")) else public + "/" + url.lstrip("/")

    def chosen(payloads):
        for payload in payloads:
            # "Active" puts a product live at once on import: only when the manager chose it, and never
            # for a product the catalogue has switched off.
            yield replace(
                payload,
                status=payload.status if asked.status == EXPORT_ACTIVE else "DRAFT",
                images=payload.images if asked.with_images else (),
            )

    skipped = export_skipped(products=products.iterator(chunk_size=200), channel=backend.name)
    exported = backend.export(
        chosen(export_payloads(products=products.iterator(chunk_size=200), channel=backend.name)), image_url=image_url
    )
    response = StreamingHttpResponse(exported.lines, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    response["X-Atelier-Export-Skipped"] = str(len(skipped))
    if skipped:
        shown = "; ".join(f"“{product.title}” ({reason})" for product, reason in skipped[:10])
        logger.warning("Export to %s left out %s products: %s", backend.name, len(skipped), shown)
        if request.GET.get("shown") != "1":  # a download that skipped the summary page: the next page says it
            more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
            messages.warning(
                request,
                f"{len(skipped)} product{'s' if len(skipped) != 1 else ''} left out of the {backend.label} export: "
                f"{shown}{more}.",
            )
    return response


@csrf_exempt  # channels can't send a CSRF token: each channel's signature check authenticates the request
@require_POST
def channel_webhook(request: HttpRequest, channel: str, topic: str) -> JsonResponse:
    """One route per channel and topic; the channel verifies the delivery, orders in it are recorded once.

    Unsigned or wrongly signed → 401, unreadable → 400, too large → 413, a
    channel or topic that takes no webhooks → 404.
    """
    try:
        backend = channels.get(channel)
    except UnknownChannel:
        return JsonResponse({"error": f"No channel named {channel!r} takes webhooks here."}, status=404)
    if topic not in backend.webhook_topics:
        return JsonResponse({"error": f"{backend.label} has no {topic!r} webhooks here."}, status=404)
    if declared_size(request) > WEBHOOK_MAX_BYTES:
        return JsonResponse({"error": "The webhook body is too large."}, status=413)
    try:
        result = backend.webhook(topic=topic, body=request.body, headers=request.headers)
    except WebhookRejected as rejected:
        return JsonResponse({"error": str(rejected)}, status=rejected.status)
    if result.ignored:
        return JsonResponse({"ignored": result.ignored})
    outcome = orders_record(orders=result.orders, channel=backend.name)
    body = {"lines": outcome.lines, "recorded": outcome.created, "unmatched_skus": outcome.unmatched_skus}
    if len(result.orders) == 1:
        body = {"order": result.orders[0].name, **body}
    return JsonResponse(body)
