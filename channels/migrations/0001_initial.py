"""The channels app adopts catalog's ChannelListing and forecasting's ChannelSync and UnmatchedSku.

Their tables were renamed by catalog 0006 and forecasting 0004; here only the
migration state learns they belong to channels, so every row, cursor and kept
order line stays. Content types (and so permissions given to roles) move too.
ChannelAccount is new.
"""

import django.db.models.deletion
from django.db import migrations, models

CHANNELS = [
    ("shopify", "Shopify"),
    ("etsy", "Etsy"),
    ("in_person", "Markets & studio shop"),
    ("wholesale", "Wholesale"),
    ("other", "Other"),
]
MOVED = {"catalog": ["channellisting"], "forecasting": ["channelsync", "unmatchedsku"]}


def content_types_to_channels(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old_app, models_ in MOVED.items():
        for model in models_:
            if not ContentType.objects.using(db).filter(app_label="channels", model=model).exists():
                ContentType.objects.using(db).filter(app_label=old_app, model=model).update(app_label="channels")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for old_app, models_ in MOVED.items():
        ContentType.objects.using(db).filter(app_label="channels", model__in=models_).update(app_label=old_app)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0006_channellisting_to_channels"),
        ("forecasting", "0004_channel_state_to_channels"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ChannelListing",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("channel", models.CharField(choices=CHANNELS, default="shopify", max_length=16)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("publishing", "Publishing"),
                                    ("published", "Published"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=12,
                            ),
                        ),
                        (
                            "remote_id",
                            models.CharField(blank=True, help_text="e.g. gid://shopify/Product/123", max_length=120),
                        ),
                        ("remote_handle", models.CharField(blank=True, max_length=120)),
                        (
                            "remote_variants",
                            models.JSONField(blank=True, default=dict, help_text="{sku: remote variant id}"),
                        ),
                        (
                            "remote_media",
                            models.JSONField(blank=True, default=dict, help_text="{image sha256: remote media id}"),
                        ),
                        ("published_hash", models.CharField(blank=True, max_length=64)),
                        ("published_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("error", models.TextField(blank=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "product",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="channel_listings",
                                to="catalog.product",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["product", "channel"],
                        "constraints": [
                            models.UniqueConstraint(fields=("product", "channel"), name="channel_listing_unique")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ChannelSync",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("channel", models.CharField(choices=CHANNELS, max_length=16, unique=True)),
                        (
                            "cursor",
                            models.DateTimeField(
                                blank=True, help_text="Orders updated after this are pulled next.", null=True
                            ),
                        ),
                        ("last_run_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.TextField(blank=True)),
                        ("orders_seen", models.PositiveIntegerField(default=0)),
                    ],
                ),
                migrations.CreateModel(
                    name="UnmatchedSku",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("channel", models.CharField(choices=CHANNELS, max_length=16)),
                        (
                            "sku",
                            models.CharField(
                                help_text="As the channel sent it; empty when the line had none.", max_length=128
                            ),
                        ),
                        ("lines", models.PositiveIntegerField(default=0)),
                        ("quantity", models.IntegerField(default=0)),
                        ("first_seen", models.DateTimeField(auto_now_add=True)),
                        ("last_seen", models.DateTimeField(auto_now=True)),
                        (
                            "examples",
                            models.JSONField(
                                blank=True, default=list, help_text="A few order references with the line's title."
                            ),
                        ),
                        (
                            "order_lines",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="The unmatched lines themselves (date, quantity, price, order, line), to record once the SKU is fixed.",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-last_seen"],
                        "constraints": [
                            models.UniqueConstraint(fields=("channel", "sku"), name="unmatched_sku_unique")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_channels, content_types_back),
    ]
