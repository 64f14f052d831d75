from rest_framework import viewsets

from forecasting.api.serializers import SaleSerializer
from forecasting.models import Sale
from studio.api.permissions import RestrictedViewSetMixin


class SaleViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Sales history, newest first. An artisan sees sales of their own products."""

    queryset = Sale.objects.select_related("variant").order_by("-date", "-id")
    serializer_class = SaleSerializer
