"""ChannelListing moves to the channels app: the table is renamed, its rows stay (channels 0001 adopts it)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_looks_staging_channels")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable("ChannelListing", "channels_channellisting")],
            state_operations=[migrations.DeleteModel("ChannelListing")],
        ),
    ]
