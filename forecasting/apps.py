from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class ForecastingConfig(AppConfig):
    name = "forecasting"

    def ready(self) -> None:
        from approvals import registry
        from forecasting import panels  # noqa: F401  registers the product page's sales and forecast panels
        from forecasting.kind import PRODUCTION_PLAN

        registry.register(PRODUCTION_PLAN)
        post_migrate.connect(_schedules_sync, sender=self)
        # Stock, work in progress, SKU, titles and lead times are alert inputs edited in many places (forms,
        # the API, the admin): a save anywhere marks the stored alerts changed (forecasting.stored_alerts).
        # A deletion too: its forecasts leave the accuracy sums. A sale edited or deleted one by one (the
        # admin) changes the last sale and the dashboard's sales figures; imports and orders mark it themselves.
        for model in ("catalog.Variant", "catalog.Product", "forecasting.Sale"):
            post_save.connect(_alert_inputs_saved, sender=model, dispatch_uid=f"alerts-{model}")
            post_delete.connect(_alert_inputs_saved, sender=model, dispatch_uid=f"alerts-deleted-{model}")


def _alert_inputs_saved(**kwargs) -> None:
    from forecasting.stored_alerts import alerts_mark_changed

    alerts_mark_changed()


def _schedules_sync(*, using: str = "default", **kwargs) -> None:
    from forecasting.schedules import schedules_sync

    schedules_sync(using=using)
