"""ChannelSync and UnmatchedSku move to the channels app: tables renamed, rows kept (channels 0001 adopts them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("forecasting", "0003_forecasts_plans_channels")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable("ChannelSync", "channels_channelsync"),
                migrations.AlterModelTable("UnmatchedSku", "channels_unmatchedsku"),
            ],
            state_operations=[migrations.DeleteModel("ChannelSync"), migrations.DeleteModel("UnmatchedSku")],
        ),
    ]
