"""What only Etsy needs: the one-use OAuth attempts and the Etsy-only facts of products and categories.

Imported by channels.models, so they are the channels app's models (one folder per
channel, one app).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from channels.etsy.vocab import WHEN_MADE, WHO_MADE

ATTEMPT_TTL = dt.timedelta(minutes=10)


class EtsyConnectAttempt(models.Model):
    """One "Connect Etsy" click: the PKCE verifier and the `state` stay here, server-side, used once.

    The browser carries only `state` (and Etsy only the verifier's S256 challenge); the
    callback finds the attempt by state, for the same user, within ATTEMPT_TTL, once.
    """

    state = models.CharField(max_length=64, unique=True)
    code_verifier = models.CharField(max_length=128)
    redirect_uri = models.CharField(max_length=300)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Etsy connect attempt by {self.user} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def expired(self) -> bool:
        return timezone.now() - self.created_at > ATTEMPT_TTL


class EtsyFacts(models.Model):
    """Etsy-only facts, set once for a category (the defaults) or for a product (its overrides).

    An empty field means "not set here": a product takes the category's value. Etsy
    needs who made it, when, whether it's a supply, its taxonomy and a shipping
    profile; a product still missing one of those after its category's defaults is
    not publishable to Etsy. The personalisation question is the product's own.
    """

    product = models.OneToOneField(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="etsy_facts"
    )
    category = models.OneToOneField(
        "catalog.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="etsy_facts"
    )
    who_made = models.CharField(max_length=16, choices=WHO_MADE, blank=True)
    when_made = models.CharField(max_length=16, choices=WHEN_MADE, blank=True)
    is_supply = models.BooleanField(null=True, blank=True, help_text="A craft supply or tool (not a finished item).")
    taxonomy_id = models.PositiveIntegerField(null=True, blank=True, help_text="Etsy's seller taxonomy id.")
    shipping_profile_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The shipping profile's id in the Etsy shop."
    )
    personalisation_question = models.CharField(
        max_length=255, blank=True, help_text="e.g. “Name to engrave”; empty when the piece isn't personalised."
    )
    personalisation_max_chars = models.PositiveSmallIntegerField(default=0, blank=True)
    personalisation_required = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    owner_field = "product__maker"

    class Meta:
        verbose_name_plural = "Etsy facts"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(product__isnull=False, category__isnull=True) | Q(product__isnull=True, category__isnull=False)
                ),
                name="etsy_facts_product_xor_category",
            )
        ]

    def __str__(self) -> str:
        return f"Etsy facts of {self.product or self.category}"
