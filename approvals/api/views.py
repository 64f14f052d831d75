from django.db.models import Prefetch
from rest_framework import viewsets

from approvals.api.serializers import ReviewItemSerializer
from approvals.models import ReviewEvent, ReviewItem
from studio.api.permissions import RestrictedViewSetMixin


class ReviewItemViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Drafts in the review queue with their audit trail. An artisan sees only their own."""

    queryset = ReviewItem.objects.select_related("owner").prefetch_related(
        Prefetch("events", queryset=ReviewEvent.objects.select_related("actor"))
    )
    serializer_class = ReviewItemSerializer
