"""Channel state: what was published where, how order pulls got on, SKUs no variant matches, credentials.

The tables were catalog's and forecasting's before the channels app existed;
migration 0001 adopted them as they were (SeparateDatabaseAndState), data included.
"""

from __future__ import annotations

from django.db import models

from studio.permissions import RestrictedQuerySet
from studio.sales_channels import SalesChannel


class ChannelListing(models.Model):
    """What was published of a product to a sales channel, and how it went.

    `published_hash` is the hash of the payload last sent: when the approved
    content changes, the product shows "changed since publishing".
    """

    Channel = SalesChannel

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PUBLISHING = "publishing", "Publishing"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="channel_listings")
    channel = models.CharField(max_length=16, choices=SalesChannel.choices, default=SalesChannel.SHOPIFY)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    remote_id = models.CharField(max_length=120, blank=True, help_text="e.g. gid://shopify/Product/123")
    remote_handle = models.CharField(max_length=120, blank=True)
    remote_variants = models.JSONField(default=dict, blank=True, help_text="{sku: remote variant id}")
    remote_media = models.JSONField(default=dict, blank=True, help_text="{image sha256: remote media id}")
    published_hash = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    owner_field = "product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["product", "channel"]
        constraints = [models.UniqueConstraint(fields=["product", "channel"], name="channel_listing_unique")]

    def __str__(self) -> str:
        return f"{self.product.title} on {self.get_channel_display()} ({self.get_status_display()})"


class UnmatchedSku(models.Model):
    """A SKU that came in from a channel (order, webhook, import) and matches no variant.

    Kept, not dropped, so a manager can fix the SKU and re-import.
    """

    channel = models.CharField(max_length=16, choices=SalesChannel.choices)
    sku = models.CharField(max_length=128, help_text="As the channel sent it; empty when the line had none.")
    lines = models.PositiveIntegerField(default=0)
    quantity = models.IntegerField(default=0)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    examples = models.JSONField(default=list, blank=True, help_text="A few order references with the line's title.")
    order_lines = models.JSONField(
        default=list,
        blank=True,
        help_text="The unmatched lines themselves (date, quantity, price, order, line), to record once the SKU is fixed.",
    )

    class Meta:
        ordering = ["-last_seen"]
        constraints = [models.UniqueConstraint(fields=["channel", "sku"], name="unmatched_sku_unique")]

    def __str__(self) -> str:
        return f"{self.sku or '(no SKU)'} from {self.get_channel_display()}"


class ChannelSync(models.Model):
    """Where the scheduled pull of a channel's orders got to (the webhooks' backstop)."""

    channel = models.CharField(max_length=16, choices=SalesChannel.choices, unique=True)
    cursor = models.DateTimeField(null=True, blank=True, help_text="Orders updated after this are pulled next.")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    orders_seen = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.get_channel_display()} order sync"


class ChannelAccount(models.Model):
    """A channel's stored, rotating credentials (e.g. Etsy's OAuth tokens) and whether they still work.

    Static secrets (API keys, app secrets) stay in the environment; only what a
    channel receives at run time and must rotate is kept here. Token values are
    never shown in pages, logs or the admin.
    """

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
        DISCONNECTED = "disconnected", "Disconnected"

    channel = models.CharField(max_length=16, choices=SalesChannel.choices, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DISCONNECTED)
    shop_id = models.CharField(max_length=64, blank=True, help_text="The shop on the channel, e.g. Etsy's shop_id.")
    shop_name = models.CharField(max_length=120, blank=True)
    access_token = models.TextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token = models.TextField(blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=255, blank=True)
    status_reason = models.TextField(blank=True, help_text="Why it needs reconnecting, in words a manager acts on.")
    connected_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_channel_display()} account ({self.get_status_display()})"


class StockMove(models.Model):
    """What one order line did to a variant's stock_on_hand, so each line moves stock once.

    `quantity` is the line's (positive for units sold, negative for units put back by a
    refund or cancellation). The unique key is the sale's, so an order delivered by
    webhook and by the pull, or twice, moves stock once.
    """

    channel = models.CharField(max_length=16, choices=SalesChannel.choices)
    order_ref = models.CharField(max_length=64)
    line_ref = models.CharField(max_length=64)
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="stock_moves")
    quantity = models.IntegerField()
    moved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "order_ref", "line_ref"], name="stock_move_unique_order_line")
        ]

    def __str__(self) -> str:
        return f"{self.order_ref}/{self.line_ref} on {self.get_channel_display()}: {-self.quantity:+d}"


class ChannelStock(models.Model):
    """A variant's stock on one channel: what Atelier last sent, what the channel reported back, the last error.

    The product page compares `reported` with the variant's stock_on_hand (Atelier's
    figure, the truth) and flags the difference; an error stays until a push succeeds.
    """

    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="channel_stock")
    channel = models.CharField(max_length=16, choices=SalesChannel.choices)
    sent = models.IntegerField(null=True, blank=True, help_text="The quantity Atelier last asked the channel to set.")
    sent_at = models.DateTimeField(null=True, blank=True)
    reported = models.IntegerField(null=True, blank=True, help_text="The quantity the channel reported after it.")
    reported_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the last push failed; empty once one succeeds.")
    error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed pushes in a row.")
    retry_at = models.DateTimeField(null=True, blank=True, help_text="When the next automatic try is due.")

    owner_field = "variant__product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["variant", "channel"]
        constraints = [models.UniqueConstraint(fields=["variant", "channel"], name="channel_stock_unique")]
        # The dashboard's failed pushes, newest first, read from the few failing rows, not every variant's.
        indexes = [
            models.Index(fields=["-error_at", "id"], condition=~models.Q(error=""), name="channel_stock_failing_idx")
        ]

    def __str__(self) -> str:
        return f"{self.variant.sku} on {self.get_channel_display()}: {self.reported}"


class Review(models.Model):
    """A buyer's review of a product on a channel (Etsy's shop reviews), kept once per review."""

    channel = models.CharField(max_length=16, choices=SalesChannel.choices)
    remote_id = models.CharField(max_length=64, help_text="The channel's id for it (Etsy: the transaction's).")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="channel_reviews"
    )
    remote_listing_id = models.CharField(max_length=64, blank=True)
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    language = models.CharField(max_length=16, blank=True)
    reviewed_at = models.DateTimeField()
    pulled_at = models.DateTimeField(auto_now_add=True)

    owner_field = "product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "remote_id"], name="review_unique_remote")]

    def __str__(self) -> str:
        return f"{self.rating}★ on {self.get_channel_display()} ({self.reviewed_at:%Y-%m-%d})"


from channels.etsy.models import EtsyConnectAttempt, EtsyFacts  # noqa: E402,F401  the Etsy channel's own tables
