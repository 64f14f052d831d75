"""Channels in the API: publish approved products, a product's state on a channel, unmatched SKUs."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.views import CanChangeProducts, changeable_products
from catalog.models import Product
from channels.api.serializers import (
    ChannelStateSerializer,
    PublishBlockedSerializer,
    PublishSerializer,
    UnmatchedSkuSerializer,
)
from channels.models import UnmatchedSku
from channels.registry import UnknownChannel, channels
from channels.services import publish_blockers, publish_start, publish_state
from studio.api.permissions import IsShopManager
from studio.api.serializers import JobSerializer
from studio.models import Job
from studio.permissions import VIEW, get_for_user
from studio.sales_channels import SalesChannel


class CanSeeUnmatchedSkus(IsShopManager):
    message = "Only shop managers can see unmatched SKUs."


def _configured(name: str) -> str:
    try:
        channels.channel_class(name)
    except UnknownChannel as error:
        raise ValidationError({"channel": [str(error)]}) from None
    return name


class PublishView(APIView):
    permission_classes = [CanChangeProducts]

    @extend_schema(
        request=PublishSerializer,
        responses={
            202: OpenApiResponse(JobSerializer, description="Publishing started; poll the job."),
            400: OpenApiResponse(
                PublishBlockedSerializer,
                description="Nothing was started: some products aren't ready (`blocked` says why for each). "
                'Ids you may not change get `{"product_ids": [...]}` instead, as in write-listings.',
            ),
            409: OpenApiResponse(
                JobSerializer,
                description="The channel isn't connected: nothing was sent, and the job comes back already failed "
                "with a message saying what to set.",
            ),
        },
        operation_id="products_publish_create",
        tags=["products"],
    )
    def post(self, request):
        """Publish these products' approved listing copy and images to a channel (Shopify by default), in the background.

        Only what a person approved goes out, never the live drafts. All or nothing: when any
        product isn't ready, none is started and the 400 lists each one's blockers. Publishing
        again updates the channel's product, never duplicates it.
        """
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = _configured(data.validated_data["channel"])
        products = changeable_products(request.user, data.validated_data["product_ids"])
        blocked = [
            {"id": product.pk, "title": product.title, "reasons": reasons}
            for product in products
            if (reasons := publish_blockers(product=product))
        ]
        if blocked:
            body = {
                "detail": f"{len(blocked)} of {len(products)} product{'' if len(products) == 1 else 's'} can't be "
                "published yet; nothing was started.",
                "blocked": blocked,
            }
            return Response(PublishBlockedSerializer(body).data, status=status.HTTP_400_BAD_REQUEST)
        job = publish_start(products=products, requested_by=request.user, channel=channel)
        code = status.HTTP_409_CONFLICT if job.status == Job.Status.FAILED else status.HTTP_202_ACCEPTED
        return Response(JobSerializer(job).data, status=code)


class CanViewProducts(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm("catalog.view_product"))


class ProductChannelView(APIView):
    permission_classes = [CanViewProducts]

    @extend_schema(
        parameters=[OpenApiParameter("channel", str, enum=SalesChannel.values, description="shopify by default")],
        responses={200: ChannelStateSerializer},
        operation_id="products_channel_retrieve",
        tags=["products"],
    )
    def get(self, request, pk: int):
        """The product on a channel: whether it can be published (and if not, why), and how the last publish went."""
        product = get_for_user(Product.objects.select_related("category"), request.user, VIEW, pk=pk)  # else 404
        channel = _configured(request.query_params.get("channel") or SalesChannel.SHOPIFY)
        return Response(ChannelStateSerializer(publish_state(product=product, channel=channel)).data)


class UnmatchedSkuViewSet(viewsets.ReadOnlyModelViewSet):
    """SKUs that came in from a channel and match no variant, most recent first (shop managers only).

    Their order lines are kept: fix the variant's SKU and they are recorded as sales.
    """

    queryset = UnmatchedSku.objects.order_by("-last_seen", "id")
    serializer_class = UnmatchedSkuSerializer
    permission_classes = [CanSeeUnmatchedSkus]
