"""Where a sale happened or a listing lives: the one channel vocabulary of Atelier.

It sits in the kernel because two layers that must not import each other both
need it: forecasting's sales history (any source, markets included) and the
channels app (the online channels it can publish to and pull orders from).
"""

from __future__ import annotations

from django.db import models


class SalesChannel(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    ETSY = "etsy", "Etsy"
    IN_PERSON = "in_person", "Markets & studio shop"
    WHOLESALE = "wholesale", "Wholesale"
    OTHER = "other", "Other"
