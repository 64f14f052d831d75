"""Pages composed from parts that apps register: panels and bulk product actions.

The site shell and catalog's product page render whatever is registered for a
slot, so a page never imports the app that fills it: forecasting registers the
sales and forecast panels of the product page, channels the publishing panel,
and so on. Registration happens in AppConfig.ready().

    panels.register(Panel(slot="product", name="forecast", template="forecasting/panels/product_forecast.html",
                          context=product_forecast_panel, order=30))
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

PRODUCT = "product"  # the product page; context(request, product)
DASHBOARD = "dashboard"  # the dashboard; context(request, None)


@dataclass(frozen=True)
class Panel:
    slot: str
    name: str
    template: str
    # Returns the template's context, or None to leave the panel out for this request.
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class ProductAction:
    """A bulk action on the products ticked in the catalogue (stage, write copy, publish to a channel)."""

    name: str
    label: str
    # start(request, products) -> the Job that does the work, or raises ActionRefused with a message.
    start: Callable[[HttpRequest, list], Any]
    permission: str = "catalog.change_product"
    order: int = 100
    needs_looks: bool = False  # the form's look checkboxes apply
    # Whether the action can run on this installation now (e.g. its channel is connected); asked per request,
    # so a changed setting is seen at once. None: always.
    available: Callable[[], bool] | None = None

    def is_available(self) -> bool:
        return self.available is None or self.available()


class ActionRefused(Exception):
    """A bulk action that can't start as asked; the message is shown to the user."""


_panels: dict[tuple[str, str], Panel] = {}
_actions: dict[str, ProductAction] = {}
_lock = threading.Lock()


def register(panel: Panel) -> Panel:
    with _lock:
        _panels[(panel.slot, panel.name)] = panel
    return panel


def register_action(action: ProductAction) -> ProductAction:
    with _lock:
        _actions[action.name] = action
    return action


def panels_for(slot: str) -> list[Panel]:
    return sorted(
        (panel for (s, _), panel in _panels.items() if s == slot), key=lambda panel: (panel.order, panel.name)
    )


def render_context(slot: str, request: HttpRequest, obj: Any = None) -> list[tuple[Panel, dict[str, Any]]]:
    """Each panel of `slot` with its context, leaving out those that have nothing to show."""
    rendered = []
    for panel in panels_for(slot):
        context = panel.context(request, obj)
        if context is not None:
            rendered.append((panel, context))
    return rendered


def actions_for(user) -> list[ProductAction]:
    """The bulk actions `user` may start that can run here now (a channel's only once it is connected)."""
    return sorted(
        (a for a in _actions.values() if user.has_perm(a.permission) and a.is_available()),
        key=lambda a: (a.order, a.name),
    )


def action(name: str) -> ProductAction | None:
    return _actions.get(name)
