from django.apps import AppConfig


class WebConfig(AppConfig):
    """The site shell: root urls, the dashboard, navigation. It may import every app; no app imports it."""

    name = "web"
    verbose_name = "Site shell"
