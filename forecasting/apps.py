from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ForecastingConfig(AppConfig):
    name = "forecasting"

    def ready(self) -> None:
        from approvals import registry
        from forecasting import panels  # noqa: F401  registers the product page's sales and forecast panels
        from forecasting.kind import PRODUCTION_PLAN

        registry.register(PRODUCTION_PLAN)
        post_migrate.connect(_schedules_sync, sender=self)


def _schedules_sync(*, using: str = "default", **kwargs) -> None:
    from forecasting.schedules import schedules_sync

    schedules_sync(using=using)
