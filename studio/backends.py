"""Named backends for the AI steps, configured like Django's STORAGES.

    ATELIER_BACKENDS = {
        "copywriter": {"BACKEND": "catalog.copywriting.template.TemplateCopywriter", "OPTIONS": {}},
    }

A backend class says what it is: its `step` (a copywriter can't be configured
as the stager), the OPTIONS it reads from the environment (`option_specs`,
validated with a message naming the variable) and, through its step's base
class, what it can do (catalog.copywriting.base.BatchCopywriter). settings.py
only picks a class per step and calls `backend_config`; adding a backend is one
module plus one setting.

`backends["copywriter"]` imports the class on first use and keeps one instance
per process, so a model a backend loads lazily is loaded once per worker, after
the worker forked. The cache is cleared when the setting changes (tests use
override_settings). Heavy libraries belong inside the backend's methods, never
at the top of its module: settings.py imports the module to read its options,
before the apps are loaded.
"""

from __future__ import annotations

import inspect
import os
import threading
from abc import ABC
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


class BackendOptionsError(ImproperlyConfigured):
    """A backend's OPTIONS (or the environment variables they come from) are missing or wrong."""


@dataclass(frozen=True)
class TaskQueue:
    """What the django-q2 cluster gives a backend's work: option defaults and cross-checks depend on it."""

    timeout: int | None = None  # seconds a task may run (Q_TIMEOUT)
    workers: int = 1  # worker processes per qcluster (Q_WORKERS)

    @classmethod
    def from_q_cluster(cls, q_cluster: Mapping[str, Any] | None) -> TaskQueue:
        q_cluster = q_cluster or {}
        return cls(timeout=q_cluster.get("timeout"), workers=int(q_cluster.get("workers") or 1))


@dataclass(frozen=True)
class Option:
    """One key of a backend's OPTIONS and the environment variable it is read from.

    `default` may be a callable taking the TaskQueue (e.g. threads per worker).
    A `secret` is only checked to be set: it never goes into settings, the
    backend reads it from the environment when it needs it.
    """

    name: str
    env: str
    type: type = str
    default: Any = None
    required: bool = False
    minimum: int | float | None = None
    choices: tuple[str, ...] = ()
    secret: bool = False
    help: str = ""

    def read(self, environ: Mapping[str, str], *, queue: TaskQueue) -> Any:
        """The value from the environment (the default when unset or blank); raises naming the variable."""
        raw = environ.get(self.env, "").strip()
        if not raw:
            if self.required:
                raise BackendOptionsError(self.unset_message())
            return self.default(queue) if callable(self.default) else self.default
        if self.secret:
            return None
        value = self._parse(raw)
        problem = self.problem(value)
        if problem:
            raise BackendOptionsError(problem)
        return value

    def _parse(self, raw: str) -> Any:
        if self.type is bool:
            if raw.lower() in _TRUE | _FALSE:
                return raw.lower() in _TRUE
        else:
            try:
                return self.type(raw)
            except ValueError:
                pass
        raise BackendOptionsError(f"{self.env} must be {_TYPE_WORDS.get(self.type, self.type.__name__)}; got {raw!r}.")

    def problem(self, value: Any) -> str | None:
        """What is wrong with a value of this option, or None."""
        number = self.type in (int, float)
        right_type = isinstance(value, (int, float) if self.type is float else self.type)
        if not right_type or (number and isinstance(value, bool)):
            return f"{self.label} must be {_TYPE_WORDS.get(self.type, self.type.__name__)}; got {value!r}."
        if self.minimum is not None and number and value < self.minimum:
            return f"{self.label} must be at least {self.minimum}; got {value}."
        if self.choices and value not in self.choices:
            return f"{self.label} must be one of {', '.join(self.choices)}; got {value!r}."
        return None

    @property
    def label(self) -> str:
        return f"{self.env} (option {self.name!r})"

    def unset_message(self) -> str:
        return f"{self.env} must be set" + (f" ({self.help})." if self.help else ".")


class Backend(ABC):  # noqa: B024  abstract through the step bases (Copywriter.write, Stager.stage)
    """Base of every backend: holds its OPTIONS. Subclasses return plain dataclasses.

    A step's base class (Copywriter, Stager) sets `step`; a backend lists the
    options it reads from the environment in `option_specs` and may add
    cross-checks by extending `validate_options`.
    """

    step: ClassVar[str] = ""
    option_specs: ClassVar[tuple[Option, ...]] = ()

    def __init__(self, **options: Any) -> None:
        self.options = options

    @classmethod
    def options_from_env(cls, environ: Mapping[str, str], *, queue: TaskQueue) -> dict[str, Any]:
        """OPTIONS as the class declares them, read from `environ`; raises naming the variable."""
        options = {}
        for spec in cls.option_specs:
            value = spec.read(environ, queue=queue)
            if not spec.secret and value is not None:
                options[spec.name] = value
        cls.validate_options(options, queue=queue, environ=environ)
        return options

    @classmethod
    def validate_options(
        cls, options: Mapping[str, Any], *, queue: TaskQueue, environ: Mapping[str, str] = os.environ
    ) -> None:
        """Raise BackendOptionsError (naming the variables) when OPTIONS can't work; options not declared pass."""
        problems = []
        for spec in cls.option_specs:
            if spec.secret:
                if spec.required and not environ.get(spec.env, "").strip():
                    problems.append(spec.unset_message())
                continue
            value = options.get(spec.name)
            if value is None or value == "":
                if spec.required:
                    problems.append(spec.unset_message())
                continue
            problem = spec.problem(value)
            if problem:
                problems.append(problem)
        if problems:
            raise BackendOptionsError(" ".join(problems))


def import_backend(path: str, step: str) -> type[Backend]:
    """The backend class at `path`, checked to be a concrete Backend of `step`; messages without a prefix."""
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"cannot import {path!r} ({exc}).") from None
    except AppRegistryNotReady:
        raise ImproperlyConfigured(
            f"importing {path!r} needs the apps loaded; a backend module must not import models at its top."
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise ImproperlyConfigured(f"{path!r} is not a studio.backends.Backend.")
    if not cls.step:
        raise ImproperlyConfigured(f"{path} declares no step; subclass the {step}'s base class (step = {step!r}).")
    if cls.step != step:
        raise ImproperlyConfigured(f"{path} is a {cls.step} backend, not a {step}.")
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise ImproperlyConfigured(f"{path} is abstract: it doesn't implement {missing}.")
    return cls


def backend_config(
    step: str, path: str, *, env: str, queue: TaskQueue, environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """One ATELIER_BACKENDS entry for settings.py: `path` (chosen by `env`) and the OPTIONS it reads from the env.

    Runs before the apps load, so it imports only the chosen backend's module
    (which must stay cheap). Any problem is ImproperlyConfigured naming `env`
    and the variable at fault, so start-up stops with one clear line.
    """
    chosen = f"{env}={environ.get(env, '').strip() or path}"
    try:
        cls = import_backend(path, step)
        options = cls.options_from_env(environ, queue=queue)
    except ImproperlyConfigured as exc:
        raise type(exc)(f"{chosen}: {exc}") from None
    return {"BACKEND": path, "OPTIONS": options}


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
            return import_backend(path, step)
        except ImproperlyConfigured as exc:
            raise ImproperlyConfigured(f"ATELIER_BACKENDS[{step!r}]: {exc}") from None

    def options(self, step: str) -> dict[str, Any]:
        """The step's OPTIONS, validated against its class (and the task queue's timeout)."""
        cls = self.backend_class(step)
        options = self.configured[step].get("OPTIONS", {}) or {}
        try:
            cls.validate_options(options, queue=TaskQueue.from_q_cluster(getattr(settings, "Q_CLUSTER", None)))
        except BackendOptionsError as exc:
            raise BackendOptionsError(f"ATELIER_BACKENDS[{step!r}] ({cls.__name__}): {exc}") from None
        return options

    def _create(self, step: str) -> Backend:
        cls = self.backend_class(step)
        options = self.options(step)
        try:
            return cls(**options)
        except TypeError as exc:
            raise ImproperlyConfigured(f"ATELIER_BACKENDS[{step!r}]: bad OPTIONS for {cls.__name__} ({exc}).") from None

    def errors(self) -> list[ImproperlyConfigured]:
        """Every configuration problem (class, step, OPTIONS), without instantiating anything."""
        problems = []
        for step in self.configured:
            try:
                self.options(step)
            except ImproperlyConfigured as exc:
                problems.append(exc)
        return problems

    def reset(self) -> None:
        with self._lock:
            self._instances.clear()


backends = BackendRegistry()


@receiver(setting_changed)
def _reset_on_setting_changed(*, setting: str, **kwargs) -> None:
    if setting in {"ATELIER_BACKENDS", "Q_CLUSTER"}:
        backends.reset()
