"""Reads of outgoing webhooks."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from automation.models import Delivery, Endpoint


def endpoints_list() -> QuerySet[Endpoint]:
    return Endpoint.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
    ).order_by("-created_at", "-id")


def deliveries_for(*, endpoint: Endpoint, limit: int = 50) -> list[Delivery]:
    return list(endpoint.deliveries.prefetch_related("attempts").order_by("-created_at", "-id")[:limit])


def endpoints_switched_off() -> QuerySet[Endpoint]:
    """Endpoints Atelier switched off by itself (410, failing for days): the studio must hear of them."""
    return Endpoint.objects.filter(enabled=False, disabled_automatically=True, source=Endpoint.Source.PAGE)
