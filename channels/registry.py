"""The configured sales channels, named in ATELIER_CHANNELS like Django's STORAGES.

    ATELIER_CHANNELS = {
        "shopify": {"BACKEND": "channels.shopify.channel.ShopifyChannel", "OPTIONS": {}},
    }

A configured channel is *enabled* only when its settings are complete (e.g.
Shopify needs a shop domain and a token); pages, schedules and webhook routes
use only enabled channels. Channel objects are cheap and built per use, so a
changed setting (override_settings in tests) is seen at once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from channels.base import Channel
from studio.sales_channels import SalesChannel


class UnknownChannel(LookupError):
    pass


class ChannelRegistry:
    @property
    def configured(self) -> dict[str, dict]:
        return getattr(settings, "ATELIER_CHANNELS", {}) or {}

    def channel_class(self, name: str) -> type[Channel]:
        try:
            config = self.configured[name]
        except KeyError:
            raise UnknownChannel(f"No channel named {name!r} is configured in ATELIER_CHANNELS.") from None
        path = config.get("BACKEND") if isinstance(config, dict) else None
        if not path:
            raise ImproperlyConfigured(f"ATELIER_CHANNELS[{name!r}] needs a BACKEND dotted path.")
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"ATELIER_CHANNELS[{name!r}]: cannot import {path!r} ({exc}).") from None
        if not (isinstance(cls, type) and issubclass(cls, Channel)):
            raise ImproperlyConfigured(f"ATELIER_CHANNELS[{name!r}]: {path!r} is not a channels.base.Channel.")
        if cls.name != name:
            raise ImproperlyConfigured(f"ATELIER_CHANNELS[{name!r}]: {path!r} is the {cls.name!r} channel.")
        if name not in SalesChannel.values:
            raise ImproperlyConfigured(
                f"ATELIER_CHANNELS[{name!r}]: add {name!r} to studio.sales_channels.SalesChannel first."
            )
        return cls

    def get(self, name: str) -> Channel:
        cls = self.channel_class(name)
        return cls(**(self.configured[name].get("OPTIONS") or {}))

    def all(self) -> list[Channel]:
        return [self.get(name) for name in self.configured]

    def enabled(self) -> list[Channel]:
        return [channel for channel in self.all() if channel.enabled]

    def check_configured(self) -> list[str]:
        """Every configuration problem, for the system check; nothing is contacted."""
        problems = []
        for name in self.configured:
            try:
                self.channel_class(name)
            except (ImproperlyConfigured, UnknownChannel) as exc:
                problems.append(str(exc))
        return problems


channels = ChannelRegistry()
