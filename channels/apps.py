from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Sales channels"

    def ready(self) -> None:
        from channels import panels  # noqa: F401  registers the product panel, bulk actions and export links
        from channels.etsy import panels as etsy_panels  # noqa: F401  the product's Etsy panel, the connection note
        from channels.stock import stock_push_after_publish
        from studio import events

        events.subscribe(events.ProductPublished, stock_push_after_publish, dispatch_uid="channels.stock_after_publish")
        checks.register(_check_channels, checks.Tags.compatibility)
        post_migrate.connect(_sync_schedules, sender=self, dispatch_uid="channels.schedules_sync")


def _check_channels(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from channels.registry import channels

    return [checks.Error(problem, id="atelier.E010") for problem in channels.check_configured()]


def _sync_schedules(sender, using="default", **kwargs) -> None:
    from channels.schedules import schedules_sync

    schedules_sync(using=using)
