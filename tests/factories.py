"""factory_boy factories for the shared schema."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalog.models import Category, Product, Variant
from forecasting.models import Sale
from studio.permissions import ARTISANS, MANAGERS
from studio.sales_channels import SalesChannel


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.save()  # keeps the password set above
        if create and extracted:
            self.groups.add(Group.objects.get(name={"manager": MANAGERS, "artisan": ARTISANS}[extracted]))
            if extracted in ("manager", "artisan"):
                self.is_staff = True
                self.save(update_fields=["is_staff"])


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda c: c.name.lower().replace(" ", "-"))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    title = factory.Sequence(lambda n: f"Stoneware mug {n}")
    handle = factory.Sequence(lambda n: f"stoneware-mug-{n}")
    maker = factory.SubFactory(UserFactory, role="artisan")
    category = factory.SubFactory(CategoryFactory, name="Ceramics", slug="ceramics")
    materials = factory.LazyFunction(lambda: ["stoneware clay", "food-safe glaze"])
    techniques = factory.LazyFunction(lambda: ["wheel-thrown"])
    dimensions = "9 cm tall, 8 cm across"
    price = Decimal("28.00")
    minutes_per_unit = 40
    batch_size = 12


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    title = "Celadon"
    options = factory.LazyFunction(lambda: {"colourway": "celadon"})
    stock_on_hand = 5


class SaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sale

    variant = factory.SubFactory(VariantFactory)
    date = factory.Faker("date_between", start_date="-1y", end_date="today")
    quantity = 1
    unit_price = Decimal("28.00")
    channel = SalesChannel.SHOPIFY
    order_ref = factory.Sequence(lambda n: f"#{1000 + n}")
    line_ref = "1"
