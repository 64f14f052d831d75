from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Studio"

    def ready(self) -> None:
        from studio import (
            checks,  # noqa: F401  registers the system checks
            panels,
            signin,  # noqa: F401  counts failed sign-ins
            taskqueue,
        )
        from studio.api import schema  # noqa: F401  registers the token security scheme
        from studio.redaction import install_log_redaction
        from studio.selectors import jobs_for

        install_log_redaction()
        taskqueue.connect()

        panels.register(
            panels.Panel(
                slot="dashboard_wide",
                name="recent_jobs",
                template="studio/panels/dashboard_jobs.html",
                context=lambda request, obj: {"recent_jobs": list(jobs_for(request.user)[:5])},
                order=90,
            )
        )

        from studio.models import StudioProfile
        from studio.services import studio_profile_forget

        post_save.connect(studio_profile_forget, sender=StudioProfile, dispatch_uid="studio.profile_forget_saved")
        post_delete.connect(studio_profile_forget, sender=StudioProfile, dispatch_uid="studio.profile_forget_deleted")
        post_migrate.connect(_sync_roles, dispatch_uid="studio.roles_sync")
        post_migrate.connect(_sync_schedules, sender=self, dispatch_uid="studio.schedules_sync")


def _sync_schedules(*, using: str = "default", **kwargs) -> None:
    from studio.schedules import schedules_sync

    schedules_sync(using=using)


def _sync_roles(sender, app_config, using="default", **kwargs) -> None:
    # post_migrate fires once per app, in INSTALLED_APPS order; syncing after each app the roles name
    # (idempotent) leaves them complete after the last one, whichever order the apps come in.
    from studio.services import ROLE_PERMISSIONS, roles_sync

    if any(app_config.label in apps for apps in ROLE_PERMISSIONS.values()):
        roles_sync(using=using)
