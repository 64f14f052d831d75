"""Market signals: sales history (later also forecasts, plans, reviews)."""
from __future__ import annotations

from django.db import models

from studio.permissions import RestrictedQuerySet


class Channel(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    ETSY = "etsy", "Etsy"
    IN_PERSON = "in_person", "Markets & studio shop"
    WHOLESALE = "wholesale", "Wholesale"
    OTHER = "other", "Other"


class Sale(models.Model):
    """One order line. Refunds are negative quantities on their own line reference.

    (channel, order_ref, line_ref) is unique, so importing the same file twice
    adds nothing.
    """

    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="sales")
    date = models.DateField()
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    order_ref = models.CharField(max_length=64)
    line_ref = models.CharField(max_length=64, default="1")
    imported_at = models.DateTimeField(auto_now_add=True)

    owner_field = "variant__product__maker"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "order_ref", "line_ref"], name="sale_unique_order_line"),
        ]
        indexes = [models.Index(fields=["variant", "date"]), models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant.sku} on {self.date}"
