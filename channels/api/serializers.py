from rest_framework import serializers

from channels.models import UnmatchedSku
from studio.api.fields import StrictModelSerializer
from studio.api.serializers import IdField
from studio.sales_channels import SalesChannel


class PublishSerializer(serializers.Serializer):
    product_ids = serializers.ListField(child=IdField(), allow_empty=False, max_length=1000)
    channel = serializers.ChoiceField(
        choices=SalesChannel.choices, default=SalesChannel.SHOPIFY, help_text="Where to publish; Shopify by default."
    )


class PublishBlockedProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="What has to happen before it can go out.")


class PublishBlockedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    blocked = PublishBlockedProductSerializer(many=True)


class ChannelStateSerializer(serializers.Serializer):
    channel = serializers.CharField(help_text="The channel, e.g. shopify.")
    configured = serializers.BooleanField(help_text="Whether the studio has connected this channel.")
    publishable = serializers.BooleanField(help_text="Approved listing copy, an approved staged image and variants.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it can't be published yet.")
    # A plain string: the same choices as ChannelListing.status.
    status = serializers.CharField(
        allow_null=True, help_text="queued, publishing, published or failed; null when it was never sent."
    )
    remote_id = serializers.CharField(
        allow_blank=True, help_text="e.g. gid://shopify/Product/123; empty until published."
    )
    published_at = serializers.DateTimeField(allow_null=True)
    changed_since_publishing = serializers.BooleanField(
        help_text="The approved content differs from what was last published."
    )
    error = serializers.CharField(allow_blank=True, help_text="Why the last attempt failed; empty otherwise.")

    def to_representation(self, state):
        listing = state.listing
        return super().to_representation(
            {
                "channel": state.channel.name if state.channel else SalesChannel.SHOPIFY,
                "configured": state.configured,
                "publishable": state.publishable,
                "reasons": state.reasons,
                "status": listing.status if listing else None,
                "remote_id": listing.remote_id if listing else "",
                "published_at": listing.published_at if listing else None,
                "changed_since_publishing": state.changed,
                "error": listing.error if listing else "",
            }
        )


class UnmatchedSkuSerializer(StrictModelSerializer):
    examples = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Order references of the latest lines with this SKU."
    )

    class Meta:
        model = UnmatchedSku
        fields = ["id", "channel", "sku", "lines", "quantity", "first_seen", "last_seen", "examples"]
        read_only_fields = fields
