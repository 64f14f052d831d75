from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from approvals.api.serializers import (
    BulkDecisionSerializer,
    BulkResultSerializer,
    DecisionSerializer,
    ReviewItemSerializer,
)
from approvals.cache import cached
from approvals.models import ReviewItem, ReviewState
from approvals.services import DraftChanged, ReviewError, review_decide, review_decide_many
from studio.api.permissions import RestrictedViewSetMixin

_Error = inline_serializer("ReviewError", {"detail": serializers.CharField()})


class ReviewItemViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Drafts in the review queue with their audit trail. An artisan sees and decides only their own.

    Filters: `state` (default: all), `kind`, `subject` (e.g. product:12).
    """

    # The audit trails come with the serializer, one query a page (approvals.selectors.review_trails_for).
    # Only the columns the serializer shows: of the owner, their username (not their password hash and dates).
    queryset = ReviewItem.objects.select_related("owner").only(
        *(name for name in ReviewItemSerializer.Meta.fields if name not in ("id", "owner", "events")), "owner__username"
    )
    serializer_class = ReviewItemSerializer
    token_scopes = {"decide": "decide", "bulk_decide": "decide"}  # API tokens need the decide scope for these

    def list(self, request, *args, **kwargs):
        """A page of items as JSON, cached under the queue's generation (approvals/cache.py): a client
        polling the queue gets the same bytes again until an item, a trail or a maker changes."""
        renderer = request.accepted_renderer
        if type(renderer) is not JSONRenderer:  # the browsable API renders its page each time
            return super().list(request, *args, **kwargs)

        def render_page() -> bytes:
            data = super(ReviewItemViewSet, self).list(request, *args, **kwargs).data
            return renderer.render(data, request.accepted_media_type, self.get_renderer_context())

        where = (request.scheme, request.get_host(), request.get_full_path(), request.accepted_media_type)
        return _RenderedResponse(cached(request, "api-reviews", where, render_page))

    def get_queryset(self):
        items = super().get_queryset()
        params = self.request.query_params
        if params.get("state") in ReviewState.values:
            items = items.filter(state=params["state"])
        if params.get("kind"):
            items = items.filter(kind=params["kind"])
        if params.get("subject"):
            items = items.filter(subject_key=params["subject"])
        return items

    @extend_schema(
        request=DecisionSerializer,
        responses={
            200: ReviewItemSerializer,
            400: _Error,
            404: _Error,
            409: OpenApiResponse(_Error, description="The draft changed since you saw it; nothing was saved."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def decide(self, request, pk=None):
        """Approve (optionally with edits) or reject the version whose hash you saw."""
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            item = review_decide(
                item_id=int(pk),
                user=request.user,
                approve=data.validated_data["decision"] == "approve",
                seen_hash=data.validated_data["seen_hash"],
                note=data.validated_data["note"],
                edits=data.validated_data["edits"] or None,
                retry=data.validated_data["retry"],
                options=data.validated_data["options"],
            )
        except (ReviewItem.DoesNotExist, ValueError):
            raise NotFound() from None
        except DraftChanged as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except ReviewError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ReviewItemSerializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(request=BulkDecisionSerializer, responses={200: BulkResultSerializer(many=True)})
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk-decide",
        permission_classes=[IsAuthenticated],
        pagination_class=None,
    )
    def bulk_decide(self, request):
        """Approve or reject a selection; each item succeeds or fails on its own."""
        data = BulkDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = review_decide_many(
            user=request.user,
            decisions=[(entry["id"], entry["seen_hash"]) for entry in data.validated_data["items"]],
            approve=data.validated_data["decision"] == "approve",
            note=data.validated_data["note"],
        )
        return Response(BulkResultSerializer(results, many=True).data)


class _RenderedResponse(Response):
    """A Response whose body was rendered (and cached) already: the JSON renderer's bytes."""

    def __init__(self, body: bytes):
        super().__init__()
        self._body = body

    @property
    def rendered_content(self) -> bytes:
        renderer = self.accepted_renderer
        self["Content-Type"] = (
            f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
        )
        return self._body
