from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = "Automation (webhooks)"

    def ready(self) -> None:
        from automation import outbox, panels  # noqa: F401  subscribes the outbox; registers the dashboard panel

        outbox.connect()
        post_migrate.connect(_sync_schedules, sender=self, dispatch_uid="automation.schedules_sync")


def _sync_schedules(sender, using="default", **kwargs) -> None:
    from automation.schedules import schedules_sync

    schedules_sync(using=using)
