from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo studio: `seed_demo` and `runstudio`. Sits above every feature app and imports them freely."""

    name = "demo"
    verbose_name = "Demo studio"
