"""A draft kind over catalog.Product, for tests: the product's title and story are the "draft".

Registered only while a test uses the `product_kind` fixture, so the real
registry (what the pages list) is left as it was.
"""

import pytest

from approvals import registry
from approvals.registry import DraftKind
from catalog.models import Product

PRODUCT_KIND = DraftKind(
    name="test_product_copy",
    label="Product copy (tests)",
    model=Product,
    snapshot=lambda product: {"title": product.title, "story": product.story},
    owner=lambda product: product.maker,
    subject=lambda product: product.title,
    subject_key=lambda product: f"product:{product.pk}",
    editable_fields={"title": 140, "story": None},
)


@pytest.fixture
def product_kind():
    registry.register(PRODUCT_KIND)
    yield PRODUCT_KIND
    registry.unregister(PRODUCT_KIND.name)
