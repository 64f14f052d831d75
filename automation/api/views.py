"""Webhooks in the API: endpoints (shop managers), and REST hooks for Zapier-style subscriptions."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from automation import services
from automation.api.serializers import (
    EndpointCreatedSerializer,
    EndpointSerializer,
    HookSerializer,
    HookSubscribeSerializer,
    SamplePayloadSerializer,
    SecretSerializer,
)
from automation.models import Endpoint
from automation.payloads import EVENT_TYPES, sample
from studio.api.permissions import IsShopManager


class ManagesWebhooks(IsShopManager):
    message = "Only shop managers can set up webhooks."


def _service(call, **kwargs):
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None


@extend_schema_view(
    create=extend_schema(responses={201: EndpointCreatedSerializer}),
)
class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Outgoing webhook endpoints (shop managers): where Atelier POSTs signed events.

    The signing secret is returned once, on creation (and on rotate-secret); the static header's value never.
    """

    queryset = Endpoint.objects.order_by("-created_at", "-id")
    serializer_class = EndpointSerializer
    permission_classes = [ManagesWebhooks]

    def create(self, request, *args, **kwargs):
        data = EndpointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        endpoint = _service(
            services.endpoint_create,
            url=fields["url"],
            event_types=fields["event_types"],
            created_by=request.user,
            description=fields.get("description", ""),
            header_name=fields.get("header_name", ""),
            header_value=fields.get("header_value", ""),
            allow_lan=fields.get("allow_lan", False),
        )
        body = EndpointCreatedSerializer(endpoint).data
        body["secret"] = endpoint.secret
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        data = EndpointSerializer(endpoint, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        _service(
            services.endpoint_update,
            endpoint=endpoint,
            url=fields.get("url", endpoint.url),
            event_types=fields.get("event_types", endpoint.event_types),
            description=fields.get("description", endpoint.description),
            header_name=fields.get("header_name", endpoint.header_name),
            header_value=fields.get("header_value"),
            allow_lan=fields.get("allow_lan", endpoint.allow_lan),
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses={200: SecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new signing secret; the old one stays valid beside it for ATELIER_WEBHOOK_ROTATION_HOURS."""
        endpoint = self.get_object()
        secret = services.endpoint_rotate_secret(endpoint=endpoint)
        endpoint.refresh_from_db()
        return Response({"secret": secret, "previous_valid_until": endpoint.previous_secret_expires_at})


# The README's three recipes, shown as examples in /api/docs/.
RECIPES = {
    "draft.approved": "Make, a listing is approved → post to Slack",
    "stock_alert.raised": "Zapier, stock runs low → create a task",
    "order.recorded": "n8n, new Etsy order → notify",
}


class SampleExample(OpenApiExample):
    """An example payload built when the schema is (payloads reverse URLs, which can't happen at import)."""

    def __init__(self, name: str, event: str, **kwargs) -> None:
        self.event = event
        super().__init__(name, **kwargs)

    @property
    def value(self):
        return [sample(self.event)]

    @value.setter
    def value(self, ignored) -> None:
        pass


class HookSubscribeView(APIView):
    permission_classes = [ManagesWebhooks]

    @extend_schema(
        request=HookSubscribeSerializer,
        responses={201: HookSerializer},
        operation_id="hooks_subscribe",
        tags=["hooks"],
        examples=[
            OpenApiExample(
                "Zapier: when stock runs low, create a task",
                request_only=True,
                value={"target_url": "https://hooks.zapier.com/hooks/standard/123/abc/", "event": "stock_alert.raised"},
            ),
            OpenApiExample(
                "Subscribed",
                response_only=True,
                status_codes=["201"],
                value={
                    "id": 17,
                    "target_url": "https://hooks.zapier.com/hooks/standard/123/abc/",
                    "event": "stock_alert.raised",
                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                },
            ),
        ],
    )
    def post(self, request):
        """REST hook subscribe (Zapier): POST signed `event` payloads to `target_url` until unsubscribed.

        A 410 Gone from the target deletes the subscription.
        """
        data = HookSubscribeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = _service(
            services.rest_hook_subscribe,
            target_url=data.validated_data["target_url"],
            event=data.validated_data["event"],
            user=request.user,
        )
        return Response(HookSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class HookDetailView(APIView):
    permission_classes = [ManagesWebhooks]

    @extend_schema(
        responses={204: OpenApiResponse(description="Unsubscribed.")}, operation_id="hooks_unsubscribe", tags=["hooks"]
    )
    def delete(self, request, pk: int):
        """REST hook unsubscribe."""
        endpoint = get_object_or_404(Endpoint, pk=pk, source=Endpoint.Source.REST_HOOK)
        services.rest_hook_unsubscribe(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HookSampleView(APIView):
    permission_classes = [ManagesWebhooks]

    @extend_schema(
        responses={200: SamplePayloadSerializer(many=True)},
        operation_id="hooks_sample",
        tags=["hooks"],
        examples=[
            SampleExample(f"{name} (recipe: {recipe})", name, response_only=True, status_codes=["200"])
            for name, recipe in RECIPES.items()
        ],
    )
    def get(self, request, event: str):
        """Sample payloads of an event type (what Zapier shows while a Zap is set up), as a list."""
        if event not in EVENT_TYPES:
            raise NotFound(f"No event type {event!r}; known: {', '.join(EVENT_TYPES)}.")
        return Response([sample(event)])


@extend_schema(exclude=True)
class HookDetailNoSlashView(HookDetailView):
    """DELETE /api/hooks/{id} as Zapier sends it, without the trailing slash."""


@extend_schema(exclude=True)
class HookSampleNoSlashView(HookSampleView):
    pass
