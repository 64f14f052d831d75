"""Start-up checks: a misconfigured backend stops runserver/qcluster at once,
not at the first task that needs it."""

from django.core.checks import Error, register

from studio.backends import BackendOptionsError, backends


@register()
def check_backends(app_configs, **kwargs):
    """atelier.E001: a BACKEND that can't serve its step; atelier.E002: its OPTIONS (named by variable) are wrong."""
    return [
        Error(str(problem), id="atelier.E002" if isinstance(problem, BackendOptionsError) else "atelier.E001")
        for problem in backends.errors()
    ]
