"""Start-up checks: a misconfigured backend stops runserver/qcluster at once,
not at the first task that needs it."""
from django.core.checks import Error, register

from studio.backends import backends


@register()
def check_backends(app_configs, **kwargs):
    return [Error(message, id="atelier.E001") for message in backends.errors()]
