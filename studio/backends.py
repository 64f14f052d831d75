"""Named backends for the AI steps, configured like Django's STORAGES.

    ATELIER_BACKENDS = {
        "copywriter": {"BACKEND": "catalog.copywriting.template.TemplateCopywriter", "OPTIONS": {}},
    }

`backends["copywriter"]` imports the class on first use and keeps one instance
per process, so a model a backend loads lazily is loaded once per worker, after
the worker forked. The cache is cleared when the setting changes (tests use
override_settings). Heavy libraries belong inside the backend's methods, never
at the top of its module: validating the settings imports the module.
"""
from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string


class Backend:
    """Base of every backend: holds its OPTIONS. Subclasses return plain dataclasses."""

    step: str = ""

    def __init__(self, **options: Any) -> None:
        self.options = options


class BackendRegistry:
    def __init__(self) -> None:
        self._instances: dict[str, Backend] = {}
        self._lock = threading.Lock()

    @property
    def configured(self) -> dict[str, dict]:
        return getattr(settings, "ATELIER_BACKENDS", {}) or {}

    def __contains__(self, step: str) -> bool:
        return step in self.configured

    def __getitem__(self, step: str) -> Backend:
        instance = self._instances.get(step)
        if instance is None:
            with self._lock:
                instance = self._instances.get(step)
                if instance is None:
                    instance = self._create(step)
                    self._instances[step] = instance
        return instance

    def backend_class(self, step: str) -> type[Backend]:
        try:
            config = self.configured[step]
        except KeyError:
            raise ImproperlyConfigured(
                f"No backend is configured for the step {step!r} in ATELIER_BACKENDS "
                f"(configured: {', '.join(sorted(self.configured)) or 'none'})."
            ) from None
        path = config.get("BACKEND") if isinstance(config, dict) else None
        if not path:
            raise ImproperlyConfigured(f"ATELIER_BACKENDS[{step!r}] needs a BACKEND dotted path.")
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"ATELIER_BACKENDS[{step!r}]: cannot import {path!r} ({exc}).") from None
        if not (isinstance(cls, type) and issubclass(cls, Backend)):
            raise ImproperlyConfigured(f"ATELIER_BACKENDS[{step!r}]: {path!r} is not a studio.backends.Backend.")
        return cls

    def _create(self, step: str) -> Backend:
        cls = self.backend_class(step)
        options = self.configured[step].get("OPTIONS", {}) or {}
        try:
            return cls(**options)
        except TypeError as exc:
            raise ImproperlyConfigured(f"ATELIER_BACKENDS[{step!r}]: bad OPTIONS for {cls.__name__} ({exc}).") from None

    def errors(self) -> list[str]:
        """Every configuration problem, without instantiating anything."""
        problems = []
        for step in self.configured:
            try:
                self.backend_class(step)
            except ImproperlyConfigured as exc:
                problems.append(str(exc))
        return problems

    def reset(self) -> None:
        with self._lock:
            self._instances.clear()


backends = BackendRegistry()


@receiver(setting_changed)
def _reset_on_setting_changed(*, setting: str, **kwargs) -> None:
    if setting == "ATELIER_BACKENDS":
        backends.reset()
