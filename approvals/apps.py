from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from approvals import panels  # noqa: F401  registers the dashboard's review panels
        from approvals.cache import queue_changed, user_changed
        from approvals.models import ReviewEvent, ReviewItem

        # What the queue's cached pages show: its items, their audit trail, the makers' names and roles.
        for model in (ReviewItem, ReviewEvent):
            post_save.connect(queue_changed, sender=model, dispatch_uid=f"approvals-queue-{model.__name__}-save")
            post_delete.connect(queue_changed, sender=model, dispatch_uid=f"approvals-queue-{model.__name__}-delete")
        user_model = get_user_model()
        post_save.connect(user_changed, sender=user_model, dispatch_uid="approvals-queue-user-save")
        post_delete.connect(queue_changed, sender=user_model, dispatch_uid="approvals-queue-user-delete")
        m2m_changed.connect(queue_changed, sender=user_model.groups.through, dispatch_uid="approvals-queue-roles")
